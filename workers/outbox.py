"""The outbox's own records: each delivery's state machine, and each proposal's Slack thread.

This is the only module that changes a Delivery's progress (status, attempts, lease, external id).
Every step is one guarded UPDATE: a delivery is claimed by moving it from pending (or from sending
with an expired lease) to sending in a single conditional UPDATE, so two runs of the same delivery
never both get it; a final state is never left again.
"""

import logging
import random
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from . import publish, services
from .events import Channel
from .models import Delivery, DeliveryStatus, SlackThread

logger = logging.getLogger(__name__)

ERROR_MAX = 2000
# external_id while a post is on its way: if we never hear back, the next attempt looks for the
# earlier post (by its metadata) before posting again.
POSTING = "?"


def claim(delivery_id: int) -> Delivery | None:
    now = timezone.now()
    taken = (
        # A little tolerance for timers firing early, not enough for a stray duplicate run to
        # take a delivery that was just handed back to wait for its Slack slot.
        Delivery.objects.filter(pk=delivery_id, not_before__lte=now + timedelta(seconds=0.2))
        .filter(
            Q(status=DeliveryStatus.PENDING) | Q(status=DeliveryStatus.SENDING, lease_until__lt=now)
        )
        .update(
            status=DeliveryStatus.SENDING,
            lease_until=now + timedelta(seconds=settings.WORKERS_DELIVERY_LEASE_SECONDS),
            attempts=F("attempts") + 1,
            updated_at=now,
        )
    )
    if not taken:
        return None
    return Delivery.objects.select_related(
        "event", "event__actor", "event__proposal", "recipient"
    ).get(pk=delivery_id)


def mark_posting(delivery: Delivery) -> None:
    """Said before a post whose answer may be lost: the next attempt looks before posting."""
    Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING).update(
        external_id=POSTING
    )
    delivery.external_id = POSTING


def clear_posting(delivery: Delivery) -> None:
    """The post was answered, or surely not kept (refused, or the connection never opened)."""
    Delivery.objects.filter(pk=delivery.pk, external_id=POSTING).update(external_id="")
    delivery.external_id = ""


def mark_sent(delivery: Delivery, external_id: str = "") -> None:
    now = timezone.now()
    Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING).update(
        status=DeliveryStatus.SENT,
        external_id=external_id[:64],
        sent_at=now,
        lease_until=None,
        last_error="",
        updated_at=now,
    )


def mark_skipped(delivery: Delivery, reason: str) -> None:
    _mark_final(delivery, DeliveryStatus.SKIPPED, reason)


def mark_failed(delivery: Delivery, error: str) -> None:
    """Failed for good: the moderators are told in the app; the ERROR log is for the collector."""
    with transaction.atomic():
        _mark_final(delivery, DeliveryStatus.FAILED, error)
        logger.error("Delivery %s (%s) failed for good: %s", delivery.pk, delivery.channel, error)
        services.delivery_failed(delivery=delivery, error=error)


def _mark_final(delivery: Delivery, status: str, error: str) -> None:
    Delivery.objects.filter(pk=delivery.pk).exclude(status=DeliveryStatus.SENT).update(
        status=status, last_error=error[:ERROR_MAX], lease_until=None, updated_at=timezone.now()
    )


def release(delivery: Delivery, *, retry_in: float, error: str = "") -> None:
    """Hand the delivery back as pending, due again in `retry_in` seconds."""
    now = timezone.now()
    Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING).update(
        status=DeliveryStatus.PENDING,
        lease_until=None,
        not_before=now + timedelta(seconds=retry_in),
        last_error=error[:ERROR_MAX],
        updated_at=now,
    )


def backoff(attempt: int) -> float:
    """Exponential backoff with full jitter, bounded."""
    ceiling = min(
        settings.WORKERS_BACKOFF_MAX_SECONDS,
        settings.WORKERS_BACKOFF_BASE_SECONDS * 2 ** max(0, attempt - 1),
    )
    return ceiling / 2 + random.uniform(0, ceiling / 2)


def blocked_by_earlier(delivery: Delivery) -> bool:
    """Per-thread order: an earlier Slack delivery of the same proposal still on its way."""
    if delivery.channel != Channel.SLACK or delivery.proposal_id is None:
        return False
    # An earlier one waiting for a retry (tried before) still goes first; one that was never due
    # yet (a cheer batch still collecting) does not hold the thread up.
    return (
        Delivery.objects.filter(
            channel=Channel.SLACK,
            proposal_id=delivery.proposal_id,
            pk__lt=delivery.pk,
            status__in=[DeliveryStatus.PENDING, DeliveryStatus.SENDING],
        )
        .filter(Q(not_before__lte=timezone.now()) | Q(attempts__gt=0))
        .exists()
    )


def next_in_thread(delivery_id: int) -> int | None:
    """The Slack delivery waiting behind this one in its proposal's thread, to start it right away."""
    delivery = Delivery.objects.filter(pk=delivery_id).only("channel", "proposal_id").first()
    if delivery is None or delivery.channel != Channel.SLACK or delivery.proposal_id is None:
        return None
    return (
        Delivery.objects.filter(
            channel=Channel.SLACK,
            proposal_id=delivery.proposal_id,
            pk__gt=delivery_id,
            status=DeliveryStatus.PENDING,
            attempts=0,
            not_before__lte=timezone.now(),
        )
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )


def sweep(limit: int = 500) -> list[int]:
    """Deliveries that were never picked up (broker down, process died): claim them for re-sending.

    Runs under SKIP LOCKED, so two sweepers never take the same rows; the ids are published after
    commit.
    """
    now = timezone.now()
    stale = now - timedelta(seconds=settings.WORKERS_SWEEP_GRACE_SECONDS)
    with transaction.atomic():
        rows = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(
                Q(status=DeliveryStatus.PENDING, not_before__lte=stale, updated_at__lte=stale)
                | Q(status=DeliveryStatus.SENDING, lease_until__lt=now)
            )
            .order_by("pk")
            .values_list("pk", flat=True)[:limit]
        )
        if rows:
            Delivery.objects.filter(pk__in=rows).update(updated_at=now)
            publish.deliveries_after_commit([(pk, now) for pk in rows])
    if rows:
        logger.info("Sweeper re-enqueued %d deliveries.", len(rows))
    return rows


def retry_now(delivery_ids: list[int]) -> int:
    """The admin's "retry now": failed or stuck deliveries become pending and are published."""
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            Delivery.objects.filter(pk__in=delivery_ids)
            .exclude(status__in=[DeliveryStatus.SENT, DeliveryStatus.SKIPPED])
            # One being sent right now is left alone: taking it would risk a second post.
            .exclude(status=DeliveryStatus.SENDING, lease_until__gte=now)
            .values_list("pk", flat=True)
        )
        Delivery.objects.filter(pk__in=ids).update(
            status=DeliveryStatus.PENDING,
            attempts=0,
            lease_until=None,
            not_before=now,
            updated_at=now,
        )
        publish.deliveries_after_commit([(pk, now) for pk in ids])
    return len(ids)


# --- a proposal's Slack thread: its root card, posted once, then edited in place -----------------


def thread_open(*, proposal, channel_id: str) -> SlackThread:
    thread, _created = SlackThread.objects.get_or_create(
        proposal=proposal, defaults={"channel_id": channel_id}
    )
    return thread


def thread_card_posting(thread: SlackThread) -> None:
    """Said before the card is posted: a later attempt looks for it in the channel's history."""
    SlackThread.objects.filter(pk=thread.pk).update(card_version=1)
    thread.card_version = 1


def thread_rooted(thread: SlackThread, *, root_ts: str) -> None:
    SlackThread.objects.filter(pk=thread.pk).update(root_ts=root_ts, card_version=1)
    thread.root_ts, thread.card_version = root_ts, 1


def thread_card_updated(thread: SlackThread, *, version: int) -> None:
    SlackThread.objects.filter(pk=thread.pk).update(card_version=version)
    thread.card_version = version
