import threading
from datetime import datetime, timedelta

from django.db import connections
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


def all_going_at_once(meetup: Meetup, people) -> None:
    """Each person says "going" from a thread and a database connection of their own, all at the
    same moment (PostgreSQL tests of the capacity); any error is raised in the test's thread."""
    start = threading.Barrier(len(people))
    failures: list[BaseException] = []

    def say_going(person):
        try:
            start.wait(timeout=30)
            services.meetup_answer(meetup=meetup, user=person, answer="going")
        except BaseException as error:  # reported to the test thread
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=say_going, args=(person,)) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures
