"""The only owner of an applicant's email's progress (ApplicationMail), as workers.outbox is of
a delivery's: each step is one guarded UPDATE. A mail is claimed by moving it from pending to
sending in one conditional UPDATE, so two runs of the task never both send it; a worker that died
mid-send leaves it in sending until its lease ends, and the next run takes it over."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from workers import publish
from workers.models import DeliveryStatus

from .models import ApplicationMail

logger = logging.getLogger(__name__)

ERROR_MAX = 2000
LOST_MID_SEND = "The sender stopped during the send."


def claim(mail_id: int) -> ApplicationMail | None:
    now = timezone.now()
    lease = now + timedelta(seconds=settings.WORKERS_DELIVERY_LEASE_SECONDS)
    rows = ApplicationMail.objects.filter(pk=mail_id)
    taken = rows.filter(
        status=DeliveryStatus.PENDING, not_before__lte=now + timedelta(seconds=0.2)
    ).update(status=DeliveryStatus.SENDING, lease_until=lease, updated_at=now)
    if not taken:
        taken = rows.filter(status=DeliveryStatus.SENDING, lease_until__lt=now).update(
            lease_until=lease, attempts=F("attempts") + 1, last_error=LOST_MID_SEND, updated_at=now
        )
    if not taken:
        return None
    return ApplicationMail.objects.select_related("application", "written_by").get(pk=mail_id)


def mark_sent(mail: ApplicationMail, *, message_id: str) -> None:
    now = timezone.now()
    ApplicationMail.objects.filter(pk=mail.pk, status=DeliveryStatus.SENDING).update(
        status=DeliveryStatus.SENT,
        attempts=F("attempts") + 1,
        message_id=message_id[:200],
        last_error="",
        lease_until=None,
        sent_at=now,
        updated_at=now,
    )


def mark_retry(mail: ApplicationMail, *, retry_in: float, error: str) -> None:
    now = timezone.now()
    ApplicationMail.objects.filter(pk=mail.pk, status=DeliveryStatus.SENDING).update(
        status=DeliveryStatus.PENDING,
        attempts=F("attempts") + 1,
        not_before=now + timedelta(seconds=retry_in),
        last_error=error[:ERROR_MAX],
        lease_until=None,
        updated_at=now,
    )


def mark_failed(mail: ApplicationMail, *, error: str) -> None:
    now = timezone.now()
    ApplicationMail.objects.filter(pk=mail.pk).exclude(
        status__in=[DeliveryStatus.SENT, DeliveryStatus.FAILED]
    ).update(
        status=DeliveryStatus.FAILED,
        attempts=F("attempts") + 1,
        last_error=error[:ERROR_MAX],
        lease_until=None,
        updated_at=now,
    )
    logger.error("An email to an applicant (%s) failed for good: %s", mail.pk, error)


def sweep(limit: int = 200) -> list[int]:
    """Publish again the mails that never reached a worker (broker down, process died), waited
    longer than a task's countdown may be, or whose sender died."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.WORKERS_SWEEP_GRACE_SECONDS)
    with transaction.atomic():
        ids = list(
            ApplicationMail.objects.select_for_update(skip_locked=True)
            .filter(
                Q(status=DeliveryStatus.PENDING, not_before__lte=now, updated_at__lte=stale)
                | Q(status=DeliveryStatus.SENDING, lease_until__lt=now)
            )
            .order_by("pk")
            .values_list("pk", flat=True)[:limit]
        )
        if ids:
            ApplicationMail.objects.filter(pk__in=ids).update(updated_at=now)
            for mail_id in ids:
                publish.after_commit(publish.SEND_APPLICATION_MAIL, mail_id)
    return ids
