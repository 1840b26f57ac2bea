"""The only owner of a webhook delivery's progress, and of its webhook's count of failures.

As in workers.outbox, every step is one guarded UPDATE: a delivery is claimed by moving it from
pending to sending in a single conditional UPDATE, so two runs of the same delivery never both
post it; a worker that died mid-send leaves it in sending until its lease runs out, and the next
run takes it over (that lost try counts as an attempt; the receiver may have had it, and tells by
X-Incubator-Delivery). Each try is written to the delivery log (WebhookAttempt).

A delivery that fails for good (the receiver refused it, or it gave up after
WEBHOOKS_MAX_ATTEMPTS) counts against its webhook; WEBHOOKS_DISABLE_AFTER_FAILURES of those in a
row turn the webhook off, and the moderators are told once (in the app and by email).
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from workers import services as worker_services
from workers.events import EventKind, excerpt
from workers.models import DeliveryStatus

from . import fanout
from .models import (
    ERROR_MAX,
    EXCERPT_MAX,
    AttemptOutcome,
    DisabledReason,
    Endpoint,
    WebhookAttempt,
    WebhookDelivery,
)

logger = logging.getLogger(__name__)

FINAL = (DeliveryStatus.SENT, DeliveryStatus.FAILED, DeliveryStatus.SKIPPED)
LOST_MID_SEND = "The sender stopped during the send."
PRUNE_BATCH = 1000


def claim(delivery_id: int) -> WebhookDelivery | None:
    """Move a due pending delivery to sending (or take over one whose sender's lease ran out)."""
    now = timezone.now()
    lease = now + timedelta(seconds=settings.WORKERS_DELIVERY_LEASE_SECONDS)
    rows = WebhookDelivery.objects.filter(pk=delivery_id)
    taken = rows.filter(
        status=DeliveryStatus.PENDING, not_before__lte=now + timedelta(seconds=0.2)
    ).update(status=DeliveryStatus.SENDING, lease_until=lease, updated_at=now)
    if not taken:
        taken = rows.filter(status=DeliveryStatus.SENDING, lease_until__lt=now).update(
            lease_until=lease,
            attempts=F("attempts") + 1,
            last_error=LOST_MID_SEND,
            updated_at=now,
        )
    if not taken:
        return None
    return WebhookDelivery.objects.select_related("endpoint", "event", "event__proposal").get(
        pk=delivery_id
    )


def fix_body(delivery: WebhookDelivery, body: str) -> str:
    """The body of every attempt: the first attempt's (cheers are counted when their window
    closes, so a batch is written down at its first attempt, never at the change)."""
    WebhookDelivery.objects.filter(pk=delivery.pk, body="").update(body=body)
    delivery.body = WebhookDelivery.objects.filter(pk=delivery.pk).values_list("body", flat=True)[0]
    return delivery.body


def _attempt(
    delivery: WebhookDelivery,
    *,
    started_at: datetime,
    outcome: str,
    status: int | None,
    error: str,
    answer: str,
    retry_at: datetime | None = None,
) -> None:
    WebhookAttempt.objects.create(
        delivery_id=delivery.pk,
        started_at=started_at,
        outcome=outcome,
        http_status=status,
        error=error[:ERROR_MAX],
        response_excerpt=answer[:EXCERPT_MAX],
        retry_at=retry_at,
    )


def mark_sent(delivery: WebhookDelivery, *, started_at: datetime, status: int, answer: str) -> None:
    now = timezone.now()
    with transaction.atomic():
        WebhookDelivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING).update(
            status=DeliveryStatus.SENT,
            attempts=F("attempts") + 1,
            last_status=status,
            last_error="",
            lease_until=None,
            sent_at=now,
            updated_at=now,
        )
        _attempt(
            delivery,
            started_at=started_at,
            outcome=AttemptOutcome.SENT,
            status=status,
            error="",
            answer=answer,
        )
        # The receiver works: its next failure starts a new count.
        Endpoint.objects.filter(pk=delivery.endpoint_id, consecutive_failures__gt=0).update(
            consecutive_failures=0
        )


def mark_retry(
    delivery: WebhookDelivery,
    *,
    started_at: datetime,
    retry_in: float,
    status: int | None,
    error: str,
    answer: str = "",
) -> None:
    """A passing failure (network, timeout, 408, 429, 5xx): pending again, due in `retry_in`."""
    now = timezone.now()
    due = now + timedelta(seconds=retry_in)
    with transaction.atomic():
        WebhookDelivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING).update(
            status=DeliveryStatus.PENDING,
            attempts=F("attempts") + 1,
            not_before=due,
            last_status=status,
            last_error=error[:ERROR_MAX],
            lease_until=None,
            updated_at=now,
        )
        _attempt(
            delivery,
            started_at=started_at,
            outcome=AttemptOutcome.RETRY,
            status=status,
            error=error,
            answer=answer,
            retry_at=due,
        )


def mark_failed(
    delivery: WebhookDelivery,
    *,
    error: str,
    started_at: datetime | None = None,
    status: int | None = None,
    answer: str = "",
    counts: bool = True,
) -> bool:
    """Failed for good ("retry now" takes it back). `started_at` when a try was made now (it is
    logged and counted as an attempt); `counts` when the failure counts against the webhook.
    True when this failure turned the webhook off."""
    now = timezone.now()
    changes = {"attempts": F("attempts") + 1} if started_at is not None else {}
    with transaction.atomic():
        WebhookDelivery.objects.filter(pk=delivery.pk).exclude(status__in=FINAL).update(
            status=DeliveryStatus.FAILED,
            last_status=status,
            last_error=error[:ERROR_MAX],
            lease_until=None,
            updated_at=now,
            **changes,
        )
        if started_at is not None:
            _attempt(
                delivery,
                started_at=started_at,
                outcome=AttemptOutcome.FAILED,
                status=status,
                error=error,
                answer=answer,
            )
        return counts and _count_failure(delivery.endpoint_id, error=error)


def _count_failure(endpoint_id: int, *, error: str) -> bool:
    Endpoint.objects.filter(pk=endpoint_id).update(
        consecutive_failures=F("consecutive_failures") + 1
    )
    now = timezone.now()
    # One guarded UPDATE: of two workers failing at once, one turns it off and tells.
    turned_off = Endpoint.objects.filter(
        pk=endpoint_id,
        active=True,
        consecutive_failures__gte=settings.WEBHOOKS_DISABLE_AFTER_FAILURES,
    ).update(
        active=False,
        disabled_at=now,
        disabled_reason=DisabledReason.FAILURES,
        disabled_error=error[:ERROR_MAX],
        updated_at=now,
    )
    if not turned_off:
        return False
    endpoint = Endpoint.objects.get(pk=endpoint_id)
    logger.error(
        "Webhook %s (%s) turned off after %d failures in a row: %s",
        endpoint.pk,
        endpoint.name,
        endpoint.consecutive_failures,
        error,
    )
    worker_services.record_event(
        kind=EventKind.WEBHOOK_DISABLED,
        payload={
            "endpoint_id": endpoint.pk,
            "name": endpoint.name,
            "failures": endpoint.consecutive_failures,
            "error": excerpt(error, 200),
        },
        dedupe_key=f"webhook_disabled:{endpoint.pk}:{int(now.timestamp() * 1000)}",
    )
    return True


def retry_now(*, endpoint: Endpoint, delivery_ids: list[int] | None = None) -> int:
    """A moderator's "retry now": the webhook's failed deliveries (these, or all of them), and
    those waiting for their next attempt, are due at once with a fresh set of attempts. One being
    sent right now is left alone. Nothing is retried while the webhook is off."""
    if not Endpoint.objects.filter(pk=endpoint.pk, active=True).exists():
        return 0
    now = timezone.now()
    with transaction.atomic():
        rows = WebhookDelivery.objects.filter(
            endpoint_id=endpoint.pk, status__in=[DeliveryStatus.FAILED, DeliveryStatus.PENDING]
        )
        if delivery_ids is not None:
            rows = rows.filter(pk__in=delivery_ids)
        # Locked, and updated only while still failed or waiting: a worker that claimed one in
        # between keeps it (no second send of the same delivery at the same time).
        ids = list(rows.select_for_update(skip_locked=True).values_list("pk", flat=True))
        WebhookDelivery.objects.filter(
            pk__in=ids, status__in=[DeliveryStatus.FAILED, DeliveryStatus.PENDING]
        ).update(
            status=DeliveryStatus.PENDING,
            attempts=0,
            not_before=now,
            lease_until=None,
            updated_at=now,
        )
        fanout.publish_after_commit([(pk, now) for pk in ids])
    return len(ids)


def sweep(limit: int = 500) -> list[int]:
    """What beat does with the other deliveries: publish again those that never reached a worker
    (broker down, process died), or wait longer than a task's countdown may be (a long backoff,
    Retry-After), and those whose sender died; forget the log older than WEBHOOKS_LOG_DAYS."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.WORKERS_SWEEP_GRACE_SECONDS)
    with transaction.atomic():
        rows = list(
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .filter(
                Q(status=DeliveryStatus.PENDING, not_before__lte=stale, updated_at__lte=stale)
                | Q(status=DeliveryStatus.SENDING, lease_until__lt=now)
            )
            .order_by("pk")
            .values_list("pk", flat=True)[:limit]
        )
        if rows:
            WebhookDelivery.objects.filter(pk__in=rows).update(updated_at=now)
            fanout.publish_after_commit([(pk, now) for pk in rows])
    if rows:
        logger.info("Sweeper re-enqueued %d webhook deliveries.", len(rows))
    prune(now=now)
    return rows


def prune(*, now: datetime) -> int:
    """The delivery log keeps WEBHOOKS_LOG_DAYS: older finished deliveries go (a batch a sweep)."""
    before = now - timedelta(days=settings.WEBHOOKS_LOG_DAYS)
    old = list(
        WebhookDelivery.objects.filter(status__in=FINAL, updated_at__lt=before)
        .order_by("pk")
        .values_list("pk", flat=True)[:PRUNE_BATCH]
    )
    if old:
        WebhookDelivery.objects.filter(pk__in=old).delete()
    return len(old)
