"""Records an event and fans it out to the channels and people that want it.

Called by proposals.services inside their atomic block: the Event and Delivery rows commit or roll
back with the change itself (a transactional outbox). Pending deliveries are handed to Celery after
commit; if the broker is down then, the beat sweeper picks them up later.
"""

import logging
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from members.models import MODERATORS_GROUP
from proposals.choices import MembershipStatus

from .events import AUDIENCE, EMAIL_DEFAULTS, SLACK_KINDS, Audience, Channel, EmailMode, EventKind
from .events import excerpt as _excerpt
from .models import Delivery, DeliveryStatus, EmailPreference, Event

logger = logging.getLogger(__name__)


def _name(user) -> str:
    return user.public_name if user is not None else ""


def audience_ids(*, kind: str, proposal, actor_id: int | None, payload: dict) -> set[int]:
    """Who hears an event: proposer, team members and followers (as the kind says), never the actor."""
    from proposals.models import Follow, Membership

    audience = AUDIENCE[kind]
    ids: set[int] = set()
    if audience == Audience.EVERYONE:
        ids.add(proposal.proposer_id)
        ids.update(
            Membership.objects.filter(
                proposal=proposal, status=MembershipStatus.ACCEPTED
            ).values_list("user_id", flat=True)
        )
        ids.update(Follow.objects.filter(proposal=proposal).values_list("user_id", flat=True))
    elif audience == Audience.PROPOSER:
        ids.add(proposal.proposer_id)
    elif audience == Audience.APPLICANT:
        ids.add(payload["applicant_id"])
    elif audience == Audience.MODERATORS:
        ids.update(
            get_user_model()
            .objects.filter(Q(groups__name=MODERATORS_GROUP) | Q(is_superuser=True))
            .values_list("pk", flat=True)
        )
    ids.discard(actor_id)
    ids.difference_update(payload.get("cheerer_ids", []))
    if ids:
        ids = set(
            get_user_model().objects.filter(pk__in=ids, is_active=True).values_list("pk", flat=True)
        )
    return ids


def _email_mode(user_ids: set[int], kind: str) -> dict[int, str]:
    default = EMAIL_DEFAULTS.get(kind, EmailMode.OFF)
    modes = dict.fromkeys(user_ids, default)
    if kind in EMAIL_DEFAULTS:
        modes.update(
            EmailPreference.objects.filter(user_id__in=user_ids, kind=kind).values_list(
                "user_id", "mode"
            )
        )
    return modes


def record_event(
    *,
    kind: str,
    proposal=None,
    actor=None,
    payload: dict | None = None,
    dedupe_key: str = "",
    not_before: datetime | None = None,
) -> Event:
    """Write the event and its deliveries; hand the pending ones to Celery once the transaction commits.

    Must run inside the caller's transaction.
    """
    now = timezone.now()
    payload = dict(payload or {})
    if proposal is not None:
        payload.setdefault("title", proposal.title)
        payload.setdefault("proposal_id", proposal.pk)
    if actor is not None:
        payload.setdefault("actor_name", _name(actor))
    event = Event.objects.create(
        kind=kind,
        proposal=proposal,
        actor=actor,
        payload=payload,
        dedupe_key=dedupe_key,
        created_at=now,
    )
    not_before = not_before or now
    recipients = (
        audience_ids(
            kind=kind, proposal=proposal, actor_id=getattr(actor, "pk", None), payload=payload
        )
        if proposal is not None or AUDIENCE[kind] == Audience.MODERATORS
        else set()
    )
    common = {"event": event, "proposal": proposal, "created_at": now, "updated_at": now}
    rows = [
        Delivery(
            channel=Channel.INAPP,
            recipient_id=user_id,
            status=DeliveryStatus.SENT,
            sent_at=now,
            **common,
        )
        for user_id in sorted(recipients)
    ]
    rows += [
        Delivery(channel=Channel.EMAIL, recipient_id=user_id, not_before=not_before, **common)
        for user_id, mode in sorted(_email_mode(recipients, kind).items())
        if mode == EmailMode.IMMEDIATELY
    ]
    if kind in SLACK_KINDS:
        slack_on = bool(settings.SLACK_BOT_TOKEN)
        rows.append(
            Delivery(
                channel=Channel.SLACK,
                not_before=not_before,
                status=DeliveryStatus.PENDING if slack_on else DeliveryStatus.SKIPPED,
                last_error="" if slack_on else "No Slack token configured.",
                **common,
            )
        )
    Delivery.objects.bulk_create(rows, batch_size=1000)
    pending = [row for row in rows if row.status == DeliveryStatus.PENDING]
    if pending:
        enqueue_after_commit(pending)
    return event


def enqueue_after_commit(deliveries: list[Delivery]) -> None:
    jobs = [(delivery.pk, delivery.not_before.isoformat()) for delivery in deliveries]
    transaction.on_commit(partial(enqueue_now, jobs), robust=True)


def enqueue_now(jobs: list[tuple[int, str]]) -> None:
    """Publish to the broker. A failure is logged, not raised: the rows wait for the sweeper."""
    from .tasks import deliver

    for delivery_id, not_before in jobs:
        eta = datetime.fromisoformat(not_before)
        try:
            deliver.apply_async((delivery_id,), eta=eta if eta > timezone.now() else None)
        except Exception:
            logger.warning(
                "Broker unavailable; %d deliveries wait for the sweeper.", len(jobs), exc_info=True
            )
            return


# --- One function per domain change; proposals.services calls these inside its transaction. ---


def proposal_changed(*, proposal) -> None:
    """An edit (title, summary, roles) is no event for people, but the Slack card should show it.

    chat.update re-renders from the current state, so a lost refresh is repaired by the next one.
    """
    if settings.SLACK_BOT_TOKEN:
        transaction.on_commit(partial(_refresh_card_now, proposal.pk), robust=True)


def _refresh_card_now(proposal_id: int) -> None:
    """Publish the card refresh. A broker outage only costs this refresh: the next event's
    delivery renders the card from the current state again."""
    from .tasks import refresh_slack_card

    try:
        refresh_slack_card.delay(proposal_id)
    except Exception:
        logger.warning("Broker unavailable; the Slack card refresh waits for the next event.")


def proposal_submitted(*, proposal) -> Event:
    return record_event(
        kind=EventKind.SUBMITTED,
        proposal=proposal,
        actor=proposal.proposer,
        payload={"summary": _excerpt(proposal.summary)},
    )


def proposal_transitioned(*, proposal, by, source: str, target: str, note: str) -> Event:
    return record_event(
        kind=EventKind.TRANSITIONED,
        proposal=proposal,
        actor=by,
        payload={"from_status": source, "to_status": target, "note": _excerpt(note)},
    )


def _membership_payload(membership) -> dict:
    return {
        "membership_id": membership.pk,
        "applicant_id": membership.user_id,
        "applicant_name": _name(membership.user),
        "role": membership.role,
        "message": _excerpt(membership.message),
    }


def join_requested(*, membership) -> Event:
    return record_event(
        kind=EventKind.JOIN_REQUESTED,
        proposal=membership.proposal,
        actor=membership.user,
        payload=_membership_payload(membership),
    )


def join_answered(*, membership, by) -> Event:
    kind = (
        EventKind.JOIN_ACCEPTED
        if membership.status == MembershipStatus.ACCEPTED
        else EventKind.JOIN_DECLINED
    )
    payload = _membership_payload(membership) | {"response": _excerpt(membership.response)}
    return record_event(kind=kind, proposal=membership.proposal, actor=by, payload=payload)


def member_left(*, membership) -> Event:
    return record_event(
        kind=EventKind.MEMBER_LEFT,
        proposal=membership.proposal,
        actor=membership.user,
        payload=_membership_payload(membership),
    )


def commented(*, comment) -> Event:
    return record_event(
        kind=EventKind.COMMENTED,
        proposal=comment.proposal,
        actor=comment.author,
        payload={"comment_id": comment.pk, "excerpt": _excerpt(comment.body)},
    )


def cheered(*, proposal, user) -> Event:
    """Cheers are batched: one event per proposal and window, delivered when the window closes.

    The caller holds the proposal's row lock, so two cheers cannot both open a batch.
    """
    window = settings.WORKERS_CHEER_WINDOW_SECONDS
    now = timezone.now()
    bucket = int(now.timestamp() // window)
    key = f"cheered:{proposal.pk}:{bucket}"
    event = Event.objects.filter(dedupe_key=key).first()
    if event is None:
        closes = datetime.fromtimestamp((bucket + 1) * window, tz=now.tzinfo)
        return record_event(
            kind=EventKind.CHEERED,
            proposal=proposal,
            payload={"cheerer_ids": [user.pk], "cheerer_names": [_name(user)]},
            dedupe_key=key,
            not_before=max(closes, now + timedelta(seconds=1)),
        )
    if user.pk not in event.payload["cheerer_ids"]:
        event.payload["cheerer_ids"].append(user.pk)
        event.payload["cheerer_names"].append(_name(user))
        event.save(update_fields=["payload"])
        # Someone who cheered does not need to hear about their own cheer.
        event.deliveries.filter(recipient=user).delete()
    return event


def delivery_failed(*, delivery, error: str) -> Event | None:
    """A delivery failed for good: the moderators hear of it in the app (once per delivery)."""
    key = f"delivery_failed:{delivery.pk}"
    if Event.objects.filter(dedupe_key=key).exists():
        return None
    return record_event(
        kind=EventKind.DELIVERY_FAILED,
        proposal=delivery.proposal,
        payload={"channel": delivery.channel, "error": _excerpt(error, 200)},
        dedupe_key=key,
    )
