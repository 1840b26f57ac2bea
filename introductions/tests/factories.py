from datetime import date, datetime, time, timedelta

from django.utils import timezone

from introductions import selectors
from members.models import Introductions
from members.tests.factories import UserFactory


def person(name: str, *interests: str, slack: str = "", **fields):
    """A member who asked to be introduced (unless `introductions` says otherwise)."""
    fields.setdefault("introductions", Introductions.ON)
    return UserFactory(
        username=name,
        display_name=fields.pop("display_name", name),
        interests=list(interests),
        slack_user_id=slack,
        preferred_language=fields.pop("preferred_language", "en"),
        **fields,
    )


def round_moment(weeks_later: int = 0, *, hour: int = 10, minute: int = 30) -> datetime:
    """A round's first day (a Monday) at `hour`, in the community's zone; `weeks_later` two-week
    periods on."""
    first = selectors.period_start(date(2025, 6, 11)) + timedelta(days=14 * weeks_later)
    return timezone.make_aware(datetime.combine(first, time(hour, minute)))
