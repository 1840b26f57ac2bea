"""50 people say "going" at once to a meetup of 20 seats: exactly 20 go, 30 wait; a cancellation
lets the first waiting in and tells them. On PostgreSQL, with real row locks and one connection
per person. The host is one of the 50: they are going since they made it, and their "going" said
again in the crowd keeps their seat and takes no other."""

import os

import pytest

from meetups import services
from meetups.models import Meetup, Rsvp
from members.tests.factories import UserFactory
from workers.events import MeetupEventKind
from workers.models import Delivery

from .factories import all_going_at_once, make_meetup

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="row locks are PostgreSQL's; SQLite locks the whole file by design",
    ),
]


def test_fifty_at_once_for_twenty_seats():
    host = UserFactory()
    meetup = make_meetup(by=host, capacity=20)
    people = [host, *(UserFactory() for _ in range(49))]
    all_going_at_once(meetup, people)
    rows = Rsvp.objects.filter(meetup=meetup)
    assert rows.filter(status="going").count() == 20
    assert rows.filter(status="waitlisted").count() == 30
    meetup = Meetup.objects.get(pk=meetup.pk)
    assert (meetup.going_count, meetup.waitlist_count) == (20, 30)

    first_waiting = rows.filter(status="waitlisted").order_by("answered_at", "pk").first()
    leaving = rows.filter(status="going").exclude(user=host).first()
    services.meetup_answer(meetup=meetup, user=leaving.user, answer="cant")
    assert rows.filter(status="going").count() == 20
    assert rows.filter(status="waitlisted").count() == 29
    assert Rsvp.objects.get(pk=first_waiting.pk).status == "going"
    told = Delivery.objects.filter(event__kind=MeetupEventKind.PROMOTED, channel="inapp")
    assert list(told.values_list("recipient_id", flat=True)) == [first_waiting.user_id]
