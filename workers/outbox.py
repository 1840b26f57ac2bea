"""The delivery rows' state machine: claim, finish, retry later, sweep. Every step is one guarded UPDATE.

A delivery is claimed by moving it from pending (or from sending with an expired lease) to sending in
a single conditional UPDATE, so two runs of the same delivery never both get it.
"""

import logging
import random
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from . import messenger
from .events import Channel
from .models import Delivery, DeliveryStatus

logger = logging.getLogger(__name__)

ERROR_MAX = 2000


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


def mark_final(delivery: Delivery, status: str, error: str) -> None:
    with transaction.atomic():
        Delivery.objects.filter(pk=delivery.pk).exclude(status=DeliveryStatus.SENT).update(
            status=status, last_error=error[:ERROR_MAX], lease_until=None, updated_at=timezone.now()
        )
        if status == DeliveryStatus.FAILED:
            # The moderators are told in the app; the ERROR log is for the log collector.
            logger.error(
                "Delivery %s (%s) failed for good: %s", delivery.pk, delivery.channel, error
            )
            messenger.delivery_failed(delivery=delivery, error=error)


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

    Runs under SKIP LOCKED, so two sweepers never take the same rows; the ids are enqueued after commit.
    """
    from .messenger import enqueue_now

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
            jobs = [(pk, now.isoformat()) for pk in rows]
            transaction.on_commit(lambda: enqueue_now(jobs), robust=True)
    if rows:
        logger.info("Sweeper re-enqueued %d deliveries.", len(rows))
    return rows


def retry_now(delivery_ids: list[int]) -> int:
    """The admin's "retry now": failed or stuck deliveries become pending and are enqueued."""
    from .messenger import enqueue_now

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
        jobs = [(pk, now.isoformat()) for pk in ids]
        transaction.on_commit(lambda: enqueue_now(jobs), robust=True)
    return len(ids)
