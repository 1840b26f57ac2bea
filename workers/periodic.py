"""What beat starts: digests, reminders for unanswered join requests, nudges, the weekly channel digest."""

import logging
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from proposals.choices import ACTIVE_STATUSES, MembershipStatus

from . import messenger
from .channels import email as email_channel
from .channels import slack as slack_channel
from .events import Channel, EventKind
from .models import Delivery, EmailDigest, Event

logger = logging.getLogger(__name__)


def _record_once(dedupe_key: str, **kwargs) -> bool:
    if Event.objects.filter(dedupe_key=dedupe_key).exists():
        return False
    try:
        with transaction.atomic():
            messenger.record_event(dedupe_key=dedupe_key, **kwargs)
    except IntegrityError:
        return False
    return True


def queue_daily_digests(*, day: date) -> int:
    """Enqueue one digest per member with unread notifications from the last two days."""
    from .tasks import send_digest

    since = timezone.now() - timedelta(days=2)
    user_ids = (
        Delivery.objects.filter(channel=Channel.INAPP, read_at__isnull=True, created_at__gte=since)
        .values_list("recipient_id", flat=True)
        .distinct()
    )
    count = 0
    for user_id in user_ids:
        send_digest.delay(user_id, day.isoformat())
        count += 1
    return count


def send_digest(*, user_id: int, day: str) -> bool:
    """At most one digest per member and day. Covers what arrived since the previous digest."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return False
    digest, _created = EmailDigest.objects.get_or_create(user=user, day=date.fromisoformat(day))
    now = timezone.now()
    if not EmailDigest.objects.filter(pk=digest.pk, sent_at__isnull=True).update(sent_at=now):
        return False
    previous = (
        EmailDigest.objects.filter(user=user, sent_at__isnull=False)
        .exclude(pk=digest.pk)
        .order_by("-sent_at")
        .first()
    )
    since = previous.sent_at if previous else now - timedelta(days=1)
    try:
        count = email_channel.send_digest(user, since=since)
    except OSError:
        EmailDigest.objects.filter(pk=digest.pk).update(sent_at=None)
        raise
    EmailDigest.objects.filter(pk=digest.pk).update(item_count=count)
    return count > 0


def remind_unanswered_join_requests() -> int:
    """Join requests unanswered for WORKERS_JOIN_REMINDER_DAYS: remind the moderators, once."""
    from proposals.models import Membership

    days = settings.WORKERS_JOIN_REMINDER_DAYS
    cutoff = timezone.now() - timedelta(days=days)
    waiting = Membership.objects.filter(
        status=MembershipStatus.REQUESTED, created_at__lte=cutoff
    ).select_related("proposal", "user")
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


def nudge_quiet_proposals() -> int:
    """A gentle nudge to proposers whose proposal has been quiet for WORKERS_NUDGE_QUIET_DAYS."""
    from proposals.models import Proposal

    cutoff = timezone.now() - timedelta(days=settings.WORKERS_NUDGE_QUIET_DAYS)
    quiet = Proposal.objects.filter(status__in=ACTIVE_STATUSES, last_activity_at__lte=cutoff)
    count = 0
    for proposal in quiet.select_related("proposer"):
        count += _record_once(
            f"nudge:{proposal.pk}:{int(proposal.last_activity_at.timestamp())}",
            kind=EventKind.NUDGE,
            proposal=proposal,
            payload={"quiet_days": settings.WORKERS_NUDGE_QUIET_DAYS},
        )
    return count


def record_weekly_digest(now=None) -> int:
    now = now or timezone.now()
    year, week, _weekday = timezone.localtime(now).isocalendar()
    return int(
        _record_once(
            f"weekly:{year}-W{week:02d}",
            kind=EventKind.WEEKLY_DIGEST,
            payload={"sections": slack_channel.weekly_digest_sections(now)},
        )
    )
