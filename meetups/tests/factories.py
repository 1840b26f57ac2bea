from datetime import datetime, timedelta

from django.utils import timezone

from meetups import services
from meetups.models import Meetup
from members.tests.factories import UserFactory


def soon(days: int = 7, hour: int = 19) -> datetime:
    """A moment `days` from now at `hour` o'clock, in the active time zone."""
    day = timezone.localdate() + timedelta(days=days)
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, 0))


def make_meetup(*, by=None, starts_at=None, hours: int = 2, **fields) -> Meetup:
    """A meetup made through the real service."""
    by = by or UserFactory()
    starts_at = starts_at or soon()
    fields.setdefault("title", "オンライン交流会")
    fields.setdefault("place", "渋谷のコミュニティスペース")
    return services.meetup_create(
        by=by, starts_at=starts_at, ends_at=starts_at + timedelta(hours=hours), **fields
    )
