"""Every write of the workers but a delivery's progress (that is workers.outbox):
recording events, one function per domain change, the periodic events, and the member's inbox.

proposals.services calls the domain-change functions inside its atomic block: the Event and Delivery
rows commit or roll back with the change itself (a transactional outbox). Pending deliveries are
published by name after commit; if the broker is down then, the beat sweeper picks them up later.
"""

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Q, TextField, Value, When
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from proposals.choices import MembershipStatus
from slack_app.models import SlackEventReceipt
from webhooks import fanout as webhooks_fanout
from webhooks import payload as webhook_payload
from webhooks.models import WebhookDelivery

from . import home, lanes, publish, selectors
from .events import (
    AUDIENCE,
    SLACK_KINDS,
    Audience,
    Channel,
    EmailMode,
    EventKind,
    excerpt,
)
from .models import (
    Delivery,
    DeliveryStatus,
    EmailPreference,
    Event,
    SlackDmPreference,
    SlackHome,
    SlackThread,
)


def _name(user) -> str:
    return user.public_name if user is not None else ""


def record_event(
    *,
    kind: str,
    proposal=None,
    actor=None,
    payload: dict | None = None,
    dedupe_key: str = "",
    not_before: datetime | None = None,
    in_thread_already: bool = False,
) -> Event:
    """Write the event and its deliveries; publish the pending ones once the transaction commits.
    The webhooks that hear its kind get one delivery each, in the same transaction (webhooks.fanout).
    `in_thread_already`: the event is a message in the proposal's Slack thread (a reply that became
    a comment), so its thread reply is skipped, never posted back; the card still shows the change.

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
        selectors.audience_members(
            kind=kind, proposal=proposal, actor_id=getattr(actor, "pk", None), payload=payload
        )
        if proposal is not None or AUDIENCE[kind] == Audience.MODERATORS
        else {}
    )
    slack_on = bool(settings.SLACK_BOT_TOKEN)
    user_ids = set(recipients)
    linked = {pk for pk, slack_user_id in recipients.items() if slack_user_id}
    common = {"event": event, "proposal": proposal, "created_at": now, "updated_at": now}
    rows = _personal_rows(
        kind=kind,
        user_ids=user_ids,
        not_before=not_before,
        common=common,
        direct=selectors.slack_dm_ids(user_ids=user_ids, kind=kind, linked=linked)
        if slack_on
        else set(),
    )
    # The proposal's Slack cards are looked up once, for its thread's lane and for marking them.
    cards = _cards_of(proposal.pk) if slack_on and proposal is not None else None
    slack_lane = _slack_lane(proposal, cards) if slack_on and kind in SLACK_KINDS else None
    if kind in SLACK_KINDS:
        sending = slack_on and not in_thread_already
        rows.append(
            Delivery(
                channel=Channel.SLACK,
                not_before=not_before,
                due_at=not_before,
                lane=slack_lane or "",
                status=DeliveryStatus.PENDING if sending else DeliveryStatus.SKIPPED,
                last_error=""
                if sending
                else ("Came from the Slack thread." if slack_on else "No Slack token configured."),
                **common,
            )
        )
    Delivery.objects.bulk_create(rows, batch_size=1000)
    publish.deliveries_after_commit(
        [
            (row.pk, row.not_before)
            for row in rows
            if row.status == DeliveryStatus.PENDING and row.channel != Channel.SLACK
        ]
    )
    webhooks_fanout.event_recorded(event=event, not_before=not_before)
    home.event_recorded(kind=kind, proposal=proposal, payload=payload)
    # The card shows the proposal's state: this change is one it does not show yet.
    card_lane = _cards_mark(cards) if cards is not None else None
    if slack_lane is not None or card_lane:
        # Slack deliveries are never published one by one: the channel's sender takes them in
        # order, at Slack's pace (workers.relay), and wakes itself when a later one is due.
        publish.relay_after_commit(slack_lane or card_lane)
    return event


def _personal_rows(
    *,
    kind: str,
    user_ids,
    not_before: datetime,
    common: dict,
    modes: dict[int, str] | None = None,
    direct: set[int] | None = None,
) -> list[Delivery]:
    """Each person's deliveries of an event: in the app (read there: sent at once); by email when
    they chose "immediately" for this kind (the daily digest reads the in-app rows); and as a
    Slack direct message when they linked Slack and want this kind so (none while the app has no
    Slack token), sent by itself like an email, taking its slot of the workspace's pace
    (workers.dispatch). `modes` and `direct`: the people's choices, when the caller has them."""
    ids = set(user_ids)
    if modes is None:
        modes = selectors.email_modes(user_ids=ids, kind=kind)
    if direct is None:
        direct = (
            selectors.slack_dm_ids(user_ids=ids, kind=kind) if settings.SLACK_BOT_TOKEN else set()
        )
    pending = {"not_before": not_before, "due_at": not_before, **common}
    rows = []
    for user_id in sorted(ids):
        rows.append(
            Delivery(
                channel=Channel.INAPP,
                recipient_id=user_id,
                status=DeliveryStatus.SENT,
                sent_at=common["created_at"],
                **common,
            )
        )
        if modes.get(user_id) == EmailMode.IMMEDIATELY:
            rows.append(
                Delivery(channel=Channel.EMAIL, recipient_id=user_id, lane=lanes.EMAIL, **pending)
            )
        if user_id in direct:
            rows.append(
                Delivery(
                    channel=Channel.SLACK_DM, recipient_id=user_id, lane=lanes.SLACK_DM, **pending
                )
            )
    return rows


@dataclass
class _Cards:
    """A proposal's Slack cards, by their lanes (None: it has no such card): its own thread's in
    the channel, and its card in the thread of the Slack message it was made from, if any."""

    proposal_id: int
    own: str | None = None
    source: str | None = None

    def threads(self):
        return SlackThread.objects.filter(
            Q(proposal_id=self.proposal_id) | Q(source_of_id=self.proposal_id)
        )


def _cards_of(proposal_id: int) -> _Cards:
    """Both cards in one query (a proposal has at most one of each)."""
    cards = _Cards(proposal_id)
    for own_of, lane in cards.threads().values_list("proposal_id", "channel_id"):
        if own_of == proposal_id:
            cards.own = lane
        else:
            cards.source = lane
    return cards


def _cards_mark(cards: _Cards) -> str | None:
    """Mark both cards changed (one UPDATE), and poke the sender of the source card's channel (it
    may be another channel than the proposal's own); returns the proposal's own card's lane, whose
    sender the caller pokes."""
    if cards.own is None and cards.source is None:
        return None
    _mark_cards(cards.threads())
    if cards.source is not None:
        publish.relay_after_commit(cards.source)
    return cards.own


def _slack_lane(proposal, cards: _Cards | None) -> str:
    """The proposal's thread (its lane) is opened with its first Slack event, so every later change
    finds it to mark its card; the weekly digest goes to the main channel."""
    if proposal is None:
        return settings.SLACK_CHANNEL_ID
    if cards.own is None:
        thread, _created = SlackThread.objects.get_or_create(
            # A callable: the theme's channel is looked up only for a thread not opened yet.
            proposal=proposal,
            defaults={"channel_id": lambda: lanes.slack_lane_for(proposal)},
        )
        cards.own = thread.channel_id
    return cards.own


def slack_card_refresh(*, proposal_id: int) -> bool:
    """Mark the card changed and poke its channel's sender (outside any domain change)."""
    with transaction.atomic():
        lane = _cards_mark(_cards_of(proposal_id))
        if lane:
            publish.relay_after_commit(lane)
    return bool(lane)


def slack_card_changed(*, proposal) -> str | None:
    """Count a change the proposal's Slack card should show, in the change's own transaction (so
    the change and the mark commit together); returns the card's lane, None without a card.

    The card is dirty from its first change not shown yet; a card not posted yet (or lost, and
    waiting to be posted again) renders the latest state when it is posted.
    """
    return _cards_mark(_cards_of(proposal.pk))


def slack_origin_recorded(*, origin_id: int) -> None:
    """A proposal made from a Slack message: a worker asks Slack for the message's permalink once
    the proposal commits (never in the request)."""
    if settings.SLACK_BOT_TOKEN:
        publish.after_commit(publish.SLACK_ORIGIN_PERMALINK, origin_id)


def slack_source_card_open(*, proposal, channel_id: str, parent_ts: str) -> None:
    """The proposal's card, to be posted as a reply under the Slack message it was made from
    (issue 12), by that channel's sender at Slack's pace: a card not in the channel yet, posted
    with the latest state, then kept current like the channel's card. In the caller's
    transaction; nothing without a Slack token."""
    if not settings.SLACK_BOT_TOKEN:
        return
    _card, created = SlackThread.objects.get_or_create(
        source_of=proposal,
        defaults={
            "channel_id": channel_id,
            "parent_ts": parent_ts,
            "card_dirty_at": timezone.now(),
        },
    )
    if created:
        publish.relay_after_commit(channel_id)


def _mark_cards(threads) -> None:
    """One more change the cards do not show yet; a card not in the channel (not posted yet, or
    lost) keeps its moment, and is posted with the latest state."""
    threads.update(
        card_changes=F("card_changes") + 1,
        card_dirty_at=Case(
            When(root_ts="", then=F("card_dirty_at")),
            default=Coalesce(F("card_dirty_at"), Value(timezone.now())),
        ),
    )


def _record_once(dedupe_key: str, **kwargs) -> bool:
    """Record a periodic event unless one with this key exists; True when it was recorded now."""
    if Event.objects.filter(dedupe_key=dedupe_key).exists():
        return False
    try:
        with transaction.atomic():
            record_event(dedupe_key=dedupe_key, **kwargs)
    except IntegrityError:
        return False
    return True


# --- one function per domain change; proposals.services calls these inside its transaction -----


def proposal_changed(*, proposal) -> None:
    """An edit (title, summary, roles) is no event for people, but the Slack card should show it:
    the card is marked, and its channel's sender updates it (several edits within the coalescing
    window make one chat.update with the latest state)."""
    if settings.SLACK_BOT_TOKEN:
        lane = slack_card_changed(proposal=proposal)
        if lane:
            publish.relay_after_commit(lane)
        home.proposal_edited(proposal=proposal)


def slack_home_changed(*, slack_user_id: str) -> None:
    """Something this Slack account's App Home shows changed outside any event: the account was
    connected or disconnected (the member's sections or the invitation to connect), notifications
    paused or resumed. Only a Home that was ever opened is published again (workers.home)."""
    home.home_account_changed(slack_user_id=slack_user_id)


def proposal_submitted(*, proposal) -> Event:
    return record_event(
        kind=EventKind.SUBMITTED,
        proposal=proposal,
        actor=proposal.proposer,
        payload={"summary": excerpt(proposal.summary)},
    )


def proposal_transitioned(*, proposal, by, source: str, target: str, note: str) -> Event:
    return record_event(
        kind=EventKind.TRANSITIONED,
        proposal=proposal,
        actor=by,
        payload={"from_status": source, "to_status": target, "note": excerpt(note)},
    )


def _membership_payload(membership) -> dict:
    return {
        "membership_id": membership.pk,
        "applicant_id": membership.user_id,
        "applicant_name": _name(membership.user),
        "role": membership.role,
        "message": excerpt(membership.message),
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
    payload = _membership_payload(membership) | {"response": excerpt(membership.response)}
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
        payload={"comment_id": comment.pk, "excerpt": excerpt(comment.body)},
        in_thread_already=bool(comment.slack_ts),
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
        # The batch is told when its window closes; the card's count changes now.
        proposal_changed(proposal=proposal)
    return event


def delivery_failed(*, delivery, error: str) -> Event | None:
    """A delivery failed for good: the moderators hear of it in the app (once per delivery)."""
    key = f"delivery_failed:{delivery.pk}"
    if Event.objects.filter(dedupe_key=key).exists():
        return None
    return record_event(
        kind=EventKind.DELIVERY_FAILED,
        proposal=delivery.proposal,
        payload={"channel": delivery.channel, "error": excerpt(error, 200)},
        dedupe_key=key,
    )


# --- what beat records: reminders, nudges, the weekly channel digest -----------------------------


def join_requests_remind() -> int:
    """Join requests unanswered for WORKERS_JOIN_REMINDER_DAYS: remind the moderators, once."""
    days = settings.WORKERS_JOIN_REMINDER_DAYS
    waiting = selectors.join_requests_waiting(asked_before=timezone.now() - timedelta(days=days))
    count = 0
    for membership in waiting:
        count += _record_once(
            f"join_reminder:{membership.pk}:{int(membership.created_at.timestamp())}",
            kind=EventKind.JOIN_REMINDER,
            proposal=membership.proposal,
            payload={
                "membership_id": membership.pk,
                "applicant_id": membership.user_id,
                "applicant_name": membership.user.public_name,
                "role": membership.role,
                "days": days,
            },
        )
    return count


def quiet_proposals_nudge() -> int:
    """A gentle nudge to proposers whose proposal has been quiet for WORKERS_NUDGE_QUIET_DAYS."""
    days = settings.WORKERS_NUDGE_QUIET_DAYS
    count = 0
    for proposal in selectors.quiet_proposals(quiet_since=timezone.now() - timedelta(days=days)):
        count += _record_once(
            f"nudge:{proposal.pk}:{int(proposal.last_activity_at.timestamp())}",
            kind=EventKind.NUDGE,
            proposal=proposal,
            payload={"quiet_days": days},
        )
    return count


def weekly_digest_record(*, now: datetime | None = None) -> int:
    """The channel's weekly digest, once per ISO week."""
    now = now or timezone.now()
    year, week, _weekday = timezone.localtime(now).isocalendar()
    return int(
        _record_once(
            f"weekly:{year}-W{week:02d}",
            kind=EventKind.WEEKLY_DIGEST,
            payload={"sections": selectors.weekly_digest_sections(now=now)},
        )
    )


# --- the member's inbox --------------------------------------------------------------------------


def notification_mark_read(*, user, delivery_id: int) -> bool:
    now = timezone.now()
    unread = selectors.inbox(user=user).filter(pk=delivery_id, read_at__isnull=True)
    return bool(unread.update(read_at=now, updated_at=now))


def notification_mark_all_read(*, user, proposal_id: int | None = None) -> int:
    now = timezone.now()
    unread = selectors.inbox(user=user).filter(read_at__isnull=True)
    if proposal_id is not None:
        unread = unread.filter(proposal_id=proposal_id)
    return unread.update(read_at=now, updated_at=now)


def email_preferences_set(*, user, modes: dict[str, str]) -> None:
    """Save the member's choices; unknown kinds or modes, and kinds not theirs to tune (the
    moderators' own), are ignored."""
    tunable = set(selectors.tunable_kinds(user=user))
    with transaction.atomic():
        for kind, mode in modes.items():
            if kind in tunable and mode in EmailMode.values:
                EmailPreference.objects.update_or_create(
                    user=user, kind=kind, defaults={"mode": mode}
                )


def slack_dm_preferences_set(*, user, choices: dict[str, bool]) -> None:
    """Save which kinds the member wants as a Slack direct message; unknown kinds, and kinds not
    theirs to tune (the moderators' own), are ignored."""
    tunable = set(selectors.tunable_kinds(user=user))
    with transaction.atomic():
        for kind, enabled in choices.items():
            if kind in tunable:
                SlackDmPreference.objects.update_or_create(
                    user=user, kind=kind, defaults={"enabled": bool(enabled)}
                )


# --- meetups: events addressed to the people they concern ----------------------------------------


def record_event_for(
    *,
    kind: str,
    recipient_ids: set[int],
    payload: dict,
    actor=None,
    proposal=None,
    dedupe_key: str = "",
) -> Event:
    """An event addressed to the people the caller names, rather than to a kind's audience: a
    meetup's news (a place opened up, cancelled, moved, a reminder) to those who answered, an
    invitation to the invitee. In the app, and by email and Slack direct message as each of them
    chose (EMAIL_DEFAULTS, SLACK_DM_DEFAULTS).
    Called inside the caller's transaction, so the rows commit or roll back with the change;
    pending emails are published after commit. The actor never hears of their own change.
    """
    now = timezone.now()
    payload = dict(payload)
    if actor is not None:
        payload.setdefault("actor_name", _name(actor))
    if proposal is not None:
        payload.setdefault("title", proposal.title)
        payload.setdefault("proposal_id", proposal.pk)
    event = Event.objects.create(
        kind=kind,
        proposal=proposal,
        actor=actor,
        payload=payload,
        dedupe_key=dedupe_key,
        created_at=now,
    )
    recipients = sorted(set(recipient_ids) - {getattr(actor, "pk", None)})
    common = {"event": event, "proposal": proposal, "created_at": now, "updated_at": now}
    rows = _personal_rows(kind=kind, user_ids=recipients, not_before=now, common=common)
    Delivery.objects.bulk_create(rows, batch_size=1000)
    publish.deliveries_after_commit(
        [(row.pk, row.not_before) for row in rows if row.status == DeliveryStatus.PENDING]
    )
    webhooks_fanout.event_recorded(event=event)
    return event


def record_events_for(*, kind: str, events: list[tuple[set[int], dict, str]]) -> list[Event]:
    """Many events of one kind, each addressed to the people the caller names, as
    record_event_for writes each one (in the app, by email and Slack direct message as each
    chose): (recipient ids, payload, dedupe key) per event. In a fixed number of queries however
    many (an introductions round writes one per introduction): the events, the recipients'
    choices, their deliveries; pending ones are published after commit. Called inside the
    caller's transaction."""
    if not events:
        return []
    now = timezone.now()
    recorded = Event.objects.bulk_create(
        [
            Event(kind=kind, payload=dict(payload), dedupe_key=key, created_at=now)
            for _recipients, payload, key in events
        ],
        batch_size=500,
    )
    everyone = sorted({pk for recipients, _payload, _key in events for pk in recipients})
    modes: dict[int, str] = {}
    direct: set[int] = set()
    for start in range(0, len(everyone), 900):  # within any database's limit of parameters
        some = set(everyone[start : start + 900])
        modes |= selectors.email_modes(user_ids=some, kind=kind)
        if settings.SLACK_BOT_TOKEN:
            direct |= selectors.slack_dm_ids(user_ids=some, kind=kind)
    rows = []
    for event, (recipients, _payload, _key) in zip(recorded, events, strict=True):
        common = {"event": event, "created_at": now, "updated_at": now}
        rows += _personal_rows(
            kind=kind,
            user_ids=recipients,
            not_before=now,
            common=common,
            modes=modes,
            direct=direct,
        )
    Delivery.objects.bulk_create(rows, batch_size=1000)
    publish.deliveries_after_commit(
        [(row.pk, row.not_before) for row in rows if row.status == DeliveryStatus.PENDING]
    )
    return recorded


# --- a first week that welcomes (issue 16) --------------------------------------------------------


def member_arrival_record(*, user, welcome_payload: dict, arrival_payload: dict) -> bool:
    """A new member: their welcome (in the app, and by email as they chose) and the moderators
    told who arrived. Once per member (the dedupe keys); False when it was already recorded.
    Called inside the caller's transaction."""
    key = f"welcome:{user.pk}"
    if Event.objects.filter(dedupe_key=key).exists():
        return False
    try:
        with transaction.atomic():
            record_event_for(
                kind=EventKind.WELCOME,
                recipient_ids={user.pk},
                payload=welcome_payload,
                dedupe_key=key,
            )
    except IntegrityError:
        return False  # a second request recorded it meanwhile
    record_event(
        kind=EventKind.MEMBER_ARRIVED,
        actor=user,
        payload=arrival_payload,
        dedupe_key=f"member-arrived:{user.pk}",
    )
    return True


def self_introduction_record(*, user, payload: dict) -> bool:
    """The member's self-introduction, posted once to the introductions channel
    (SLACK_INTRO_CHANNEL_ID) by that channel's own sender, a lane of its own (workers.relay); the
    post is made from their profile as it is then. False when it was already recorded, or Slack
    or the channel is not configured. Called inside the caller's transaction."""
    lane = settings.SLACK_INTRO_CHANNEL_ID
    if not (settings.SLACK_BOT_TOKEN and lane):
        return False
    key = f"self-introduction:{user.pk}"
    if Event.objects.filter(dedupe_key=key).exists():
        return False
    now = timezone.now()
    try:
        with transaction.atomic():
            event = Event.objects.create(
                kind=EventKind.SELF_INTRODUCTION,
                actor=user,
                payload={**payload, "actor_name": _name(user)},
                dedupe_key=key,
                created_at=now,
            )
    except IntegrityError:
        return False
    Delivery.objects.create(
        event=event,
        channel=Channel.SLACK,
        lane=lane,
        not_before=now,
        due_at=now,
        created_at=now,
        updated_at=now,
    )
    publish.relay_after_commit(lane)
    return True


def deliveries_cancel_for_member(*, user_id: int, reason: str) -> int:
    """A member who left the community: nothing more reaches them, and nothing more is posted
    about them alone (their self-introduction). Deliveries already on their way are left to finish
    (an email being sent cannot be called back); everything still waiting is skipped."""
    now = timezone.now()
    waiting = Delivery.objects.filter(status=DeliveryStatus.PENDING)
    about_them = Q(recipient_id=user_id) | Q(
        event__actor_id=user_id, event__kind=EventKind.SELF_INTRODUCTION
    )
    return waiting.filter(about_them).update(
        status=DeliveryStatus.SKIPPED, last_error=reason[:2000], updated_at=now
    )


def member_traces_remove(*, traces, slack_user_id: str = "") -> None:
    """A member who left the community: their name and address go from what the workers keep
    about the past, the events' snapshots, what a delivery's error said, the bodies sent to the
    moderators' webhooks. `traces` says where to look (`search(field)`: a Q on a text field) and
    what to keep (`scrub(value)`: the value with the member's traces replaced by `label`)."""
    events = Event.objects.annotate(text=Cast("payload", TextField())).filter(traces.search("text"))
    for pk, payload in events.values_list("pk", "payload"):
        cleaned = traces.scrub(payload)
        if cleaned != payload:
            Event.objects.filter(pk=pk).update(payload=cleaned)
    for pk, body in WebhookDelivery.objects.filter(traces.search("body")).values_list("pk", "body"):
        try:
            cleaned = webhook_payload.dumps(traces.scrub(json.loads(body)))
        except ValueError:
            cleaned = ""
        WebhookDelivery.objects.filter(pk=pk).update(body=cleaned)
    for model in (Delivery, WebhookDelivery):
        model.objects.filter(traces.search("last_error")).update(last_error=traces.label)
    # What Slack sent about them (kept a few days so a retried event is done once) and their App
    # Home's row: a Slack account no longer linked to anyone needs neither.
    SlackEventReceipt.objects.annotate(text=Cast("event", TextField())).filter(
        traces.search("text")
    ).delete()
    if slack_user_id:
        SlackHome.objects.filter(slack_user_id=slack_user_id).delete()


def meetup_card_changed(*, meetup, announce: bool) -> str | None:
    """A change a meetup's Slack card shows (its counts, time, place, status), counted in the
    change's own transaction, so the two commit together; the channel's sender edits the card in
    place after commit, several changes within the coalescing window making one chat.update with
    the latest state. Returns the card's lane (None: the meetup has no card).

    A meetup without a card gets one when `announce` says so (the whole community may see it and
    it is open for answers): a card not in the channel yet, which the community channel's sender
    posts from the latest state (as it posts a card deleted in Slack again). The caller holds the
    meetup's row lock (or has just created it), so a meetup never gets two.
    """
    if not settings.SLACK_BOT_TOKEN:
        return None
    threads = SlackThread.objects.filter(meetup_id=meetup.pk)
    lane = threads.values_list("channel_id", flat=True).first()
    if lane is not None:
        _mark_cards(threads)
    elif announce and settings.SLACK_CHANNEL_ID:
        now = timezone.now()
        lane = settings.SLACK_CHANNEL_ID
        SlackThread.objects.create(
            meetup=meetup, channel_id=lane, card_changes=1, card_dirty_at=now, created_at=now
        )
    else:
        return None
    publish.relay_after_commit(lane)
    return lane
