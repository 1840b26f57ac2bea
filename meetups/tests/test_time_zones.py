"""Meetup times in the viewer's own time zone (their settings; Asia/Tokyo unless they chose
another), saying which zone: the pages, the month, the form and the notifications."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from meetups import services
from members.tests.factories import UserFactory

from .factories import make_meetup

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")
MIDDLEWARE = "members.middleware.UserTimeZoneMiddleware"


@pytest.fixture(autouse=True)
def zone_middleware(settings):
    """The middleware right after the one that knows the member (added to the settings' list
    when that does not name it yet)."""
    if MIDDLEWARE not in settings.MIDDLEWARE:
        chain = list(settings.MIDDLEWARE)
        chain.insert(
            chain.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1, MIDDLEWARE
        )
        settings.MIDDLEWARE = chain


def page_as(client, user, url: str) -> str:
    client.force_login(user)
    return client.get(url).content.decode()


@pytest.mark.parametrize(
    ("starts", "zone", "shown"),
    [
        (datetime(2031, 7, 10, 19, 0, tzinfo=TOKYO), "", "Jul 10, 2031, 7:00 PM"),
        # New York in summer (EDT, UTC−4) and in winter (EST, UTC−5): the same 19:00 in Tokyo.
        (datetime(2031, 7, 10, 19, 0, tzinfo=TOKYO), "America/New_York", "Jul 10, 2031, 6:00 AM"),
        (datetime(2031, 1, 10, 19, 0, tzinfo=TOKYO), "America/New_York", "Jan 10, 2031, 5:00 AM"),
        (datetime(2031, 7, 10, 19, 0, tzinfo=TOKYO), "Europe/Berlin", "Jul 10, 2031, 12:00 PM"),
    ],
)
def test_the_meetup_page_shows_the_time_in_the_viewers_zone_and_names_it(
    client, starts, zone, shown
):
    meetup = make_meetup(starts_at=starts)
    page = page_as(client, UserFactory(time_zone=zone), meetup.get_absolute_url())
    assert shown in page
    assert f"({zone or 'Asia/Tokyo'})" in page
    listing = page_as(client, UserFactory(time_zone=zone), reverse("meetups:list"))
    assert shown in listing and f"Times are in {zone or 'Asia/Tokyo'}." in listing


def test_the_month_puts_a_meetup_on_the_viewers_own_day(client):
    # 08:00 on 1 July in Tokyo is still 30 June in New York (19:00 EDT).
    meetup = make_meetup(starts_at=datetime(2031, 7, 1, 8, 0, tzinfo=TOKYO))

    def day_of(user, year, month):
        client.force_login(user)
        grid = client.get(reverse("meetups:month", args=[year, month])).context["grid"]
        return [d.day for week in grid.weeks for d in week if d.in_month and meetup in d.meetups]

    assert day_of(UserFactory(), 2031, 7) == [datetime(2031, 7, 1).date()]
    new_yorker = UserFactory(time_zone="America/New_York")
    assert day_of(new_yorker, 2031, 6) == [datetime(2031, 6, 30).date()]
    assert day_of(new_yorker, 2031, 7) == []
    june = page_as(client, new_yorker, reverse("meetups:month", args=[2031, 6]))
    assert '<span class="meetup-day-time">19:00</span>' in june


def test_times_typed_on_the_form_are_read_in_the_hosts_zone(client):
    host = UserFactory(time_zone="America/New_York")
    form = page_as(client, host, reverse("meetups:create"))
    assert "In your time zone (America/New_York)." in form
    data = {
        "title": "Online chat",
        "kind": "social",
        "starts_at": "2031-07-10T19:00",
        "ends_at": "2031-07-10T21:00",
        "online_url": "https://meet.example.org/x",
        "visibility": "community",
    }
    assert client.post(reverse("meetups:create"), data).status_code == 302
    meetup = host.hosted_meetups.get()
    assert meetup.starts_at == datetime(2031, 7, 10, 23, 0, tzinfo=UTC)
    # The host's form shows back what they typed.
    edit = page_as(client, host, reverse("meetups:edit", args=[meetup.pk]))
    assert 'value="2031-07-10T19:00"' in edit


def test_a_reminder_reads_in_the_viewers_zone(client):
    starts = datetime(2031, 3, 20, 19, 0, tzinfo=TOKYO)
    with time_machine.travel(starts - timedelta(days=3), tick=False):
        meetup = make_meetup(starts_at=starts, reminder_minutes=[60])
        berliner = UserFactory(time_zone="Europe/Berlin")
        services.meetup_answer(meetup=meetup, user=berliner, answer="going")
    with time_machine.travel(starts - timedelta(hours=1), tick=False):
        services.meetup_reminders_send()
    page = page_as(client, berliner, reverse("workers:list"))
    # 19:00 in Tokyo is 11:00 in Berlin (CET, before the clocks change on 30 March).
    assert "Reminder: “オンライン交流会” starts Mar 20, 2031, 11:00 AM." in page


def test_the_reminder_email_reads_in_the_readers_zone_and_language():
    """The worker writes each email as its reader would read the page: their language, their zone."""
    from django.core import mail

    from workers import dispatch
    from workers.events import Channel
    from workers.models import Delivery

    starts = datetime(2031, 3, 20, 19, 0, tzinfo=TOKYO)
    with time_machine.travel(starts - timedelta(days=3), tick=False):
        meetup = make_meetup(starts_at=starts, reminder_minutes=[60])
        berliner = UserFactory(time_zone="Europe/Berlin", preferred_language="en")
        in_tokyo = UserFactory(preferred_language="en")
        for person in (berliner, in_tokyo):
            services.meetup_answer(meetup=meetup, user=person, answer="going")
    with time_machine.travel(starts - timedelta(hours=1), tick=False):
        services.meetup_reminders_send()
        for delivery in Delivery.objects.filter(channel=Channel.EMAIL):
            dispatch.process(delivery.pk)

    bodies = {message.to[0]: message.body for message in mail.outbox}
    assert "starts Mar 20, 2031, 11:00 AM" in bodies[berliner.email]
    assert "starts Mar 20, 2031, 7:00 PM" in bodies[in_tokyo.email]
