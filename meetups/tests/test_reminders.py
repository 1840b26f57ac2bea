"""Reminders before a meetup: at the moments the hosts chose (by default a day and an hour
before), once each however often beat runs, only to people going."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from meetups import services
from meetups.models import MeetupReminder
from members.tests.factories import UserFactory
from workers.events import MeetupEventKind
from workers.models import Delivery

from .factories import make_meetup

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")
STARTS = datetime(2031, 3, 20, 19, 0, tzinfo=TOKYO)


def reminded() -> list[tuple[int, int]]:
    return sorted(
        Delivery.objects.filter(event__kind=MeetupEventKind.REMINDER, channel="inapp").values_list(
            "recipient_id", "event__payload__minutes_before"
        )
    )


@pytest.fixture
def meetup_with_answers():
    with time_machine.travel(STARTS - timedelta(days=5), tick=False):
        meetup = make_meetup(starts_at=STARTS)
        going, maybe, cant = UserFactory(), UserFactory(), UserFactory()
        for person, answer in ((going, "going"), (maybe, "maybe"), (cant, "cant")):
            services.meetup_answer(meetup=meetup, user=person, answer=answer)
    return meetup, going


def test_a_day_and_an_hour_before_once_each_and_only_to_people_going(meetup_with_answers):
    _meetup, going = meetup_with_answers
    with time_machine.travel(STARTS - timedelta(hours=25), tick=False):
        assert services.meetup_reminders_send() == 0
    with time_machine.travel(STARTS - timedelta(hours=24), tick=False):
        assert services.meetup_reminders_send() == 1
        assert services.meetup_reminders_send() == 0  # beat ran twice
    assert reminded() == [(going.pk, 24 * 60)]
    with time_machine.travel(STARTS - timedelta(hours=23, minutes=50), tick=False):
        assert services.meetup_reminders_send() == 0
    with time_machine.travel(STARTS - timedelta(minutes=58), tick=False):
        assert services.meetup_reminders_send() == 1
        assert services.meetup_reminders_send() == 0
    assert reminded() == [(going.pk, 60), (going.pk, 24 * 60)]
    with time_machine.travel(STARTS + timedelta(minutes=1), tick=False):
        assert services.meetup_reminders_send() == 0
    assert MeetupReminder.objects.count() == 2


def test_the_hosts_choose_the_moments_and_a_cancelled_meetup_reminds_nobody():
    with time_machine.travel(STARTS - timedelta(days=10), tick=False):
        weekly = make_meetup(starts_at=STARTS, reminder_minutes=[7 * 24 * 60])
        quiet = make_meetup(starts_at=STARTS, reminder_minutes=[])
        cancelled = make_meetup(starts_at=STARTS)
        person = UserFactory()
        for meetup in (weekly, quiet, cancelled):
            services.meetup_answer(meetup=meetup, user=person, answer="going")
        services.meetup_cancel(meetup=cancelled, by=cancelled.hosts.get())
    with time_machine.travel(STARTS - timedelta(days=7), tick=False):
        assert services.meetup_reminders_send() == 1
    with time_machine.travel(STARTS - timedelta(hours=1), tick=False):
        assert services.meetup_reminders_send() == 0
    assert reminded() == [(person.pk, 7 * 24 * 60)]


def test_a_moved_meetup_reminds_again_for_its_new_time(meetup_with_answers):
    meetup, _going = meetup_with_answers
    with time_machine.travel(STARTS - timedelta(hours=1), tick=False):
        assert services.meetup_reminders_send() == 1  # the hour before; the day before is long gone
        later = STARTS + timedelta(days=1)
        services.meetup_update(
            meetup=meetup,
            by=meetup.hosts.get(),
            starts_at=later,
            ends_at=later + timedelta(hours=2),
        )
    with time_machine.travel(later - timedelta(hours=1), tick=False):
        assert services.meetup_reminders_send() == 1
    assert [minutes for _id, minutes in reminded()] == [60, 60]


def test_the_reminder_reads_with_the_time(client, meetup_with_answers):
    _meetup, going = meetup_with_answers
    with time_machine.travel(STARTS - timedelta(hours=1), tick=False):
        services.meetup_reminders_send()
    client.force_login(going)
    page = client.get("/notifications/").content.decode()
    assert "Reminder: “オンライン交流会” starts Mar 20, 2031, 7:00 PM." in page
