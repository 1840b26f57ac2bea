"""Reminders before a meetup: at the moments the hosts chose (by default a day and an hour
before), once each however often beat runs, to people going (the host among them) and to those
who said maybe and asked for it; never to people who can't come."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from meetups import services
from meetups.models import MeetupReminder, Rsvp
from members.tests.factories import UserFactory
from workers.events import MeetupEventKind
from workers.models import Delivery

from .factories import make_meetup

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")
STARTS = datetime(2031, 3, 20, 19, 0, tzinfo=TOKYO)


def reminded_people() -> set[int]:
    return set(
        Delivery.objects.filter(event__kind=MeetupEventKind.REMINDER, channel="inapp").values_list(
            "recipient_id", flat=True
        )
    )


def reminded() -> list[tuple[int, int]]:
    return sorted(
        Delivery.objects.filter(event__kind=MeetupEventKind.REMINDER, channel="inapp").values_list(
            "recipient_id", "event__payload__minutes_before"
        )
    )


@pytest.fixture
def meetup_with_answers():
    """A host (going: they made it), and one person going, one maybe (no reminders asked), one
    can't."""
    with time_machine.travel(STARTS - timedelta(days=5), tick=False):
        host = UserFactory()
        meetup = make_meetup(by=host, starts_at=STARTS, reminder_minutes=[24 * 60])
        going, maybe, cant = UserFactory(), UserFactory(), UserFactory()
        for person, answer in ((going, "going"), (maybe, "maybe"), (cant, "cant")):
            services.meetup_answer(meetup=meetup, user=person, answer=answer)
    return meetup, host, going


def test_a_day_and_an_hour_before_once_each_and_only_to_people_going():
    with time_machine.travel(STARTS - timedelta(days=5), tick=False):
        host = UserFactory()
        meetup = make_meetup(by=host, starts_at=STARTS)
        going, maybe, cant = UserFactory(), UserFactory(), UserFactory()
        for person, answer in ((going, "going"), (maybe, "maybe"), (cant, "cant")):
            services.meetup_answer(meetup=meetup, user=person, answer=answer)
    people = sorted([host.pk, going.pk])
    with time_machine.travel(STARTS - timedelta(hours=25), tick=False):
        assert services.meetup_reminders_send() == 0
    with time_machine.travel(STARTS - timedelta(hours=24), tick=False):
        assert services.meetup_reminders_send() == 2
        assert services.meetup_reminders_send() == 0  # beat ran twice
    assert reminded() == [(pk, 24 * 60) for pk in people]
    with time_machine.travel(STARTS - timedelta(hours=23, minutes=50), tick=False):
        assert services.meetup_reminders_send() == 0
    with time_machine.travel(STARTS - timedelta(minutes=58), tick=False):
        assert services.meetup_reminders_send() == 2
        assert services.meetup_reminders_send() == 0
    assert reminded() == sorted([(pk, 60) for pk in people] + [(pk, 24 * 60) for pk in people])
    with time_machine.travel(STARTS + timedelta(minutes=1), tick=False):
        assert services.meetup_reminders_send() == 0
    assert MeetupReminder.objects.count() == 4
    assert maybe.pk not in reminded_people() and cant.pk not in reminded_people()


def test_maybe_who_asked_is_reminded_too_and_cant_never(meetup_with_answers):
    meetup, host, going = meetup_with_answers
    with time_machine.travel(STARTS - timedelta(days=4), tick=False):
        hopeful, changed_mind, was_maybe = UserFactory(), UserFactory(), UserFactory()
        services.meetup_answer(meetup=meetup, user=hopeful, answer="maybe", remind=True)
        # Asked for reminders with "maybe", then said they can't: no reminder.
        services.meetup_answer(meetup=meetup, user=changed_mind, answer="maybe", remind=True)
        services.meetup_answer(meetup=meetup, user=changed_mind, answer="cant", remind=True)
        # "Maybe" with reminders, then "maybe" without: they asked to stop.
        services.meetup_answer(meetup=meetup, user=was_maybe, answer="maybe", remind=True)
        services.meetup_answer(meetup=meetup, user=was_maybe, answer="maybe", remind=False)
    with time_machine.travel(STARTS - timedelta(hours=24), tick=False):
        assert services.meetup_reminders_send() == 3
        assert services.meetup_reminders_send() == 0  # beat ran twice
    with time_machine.travel(STARTS - timedelta(hours=24) + timedelta(minutes=5), tick=False):
        assert services.meetup_reminders_send() == 0  # and again a little later
    assert reminded_people() == {host.pk, going.pk, hopeful.pk}


def test_maybe_asks_for_reminders_from_the_page(client, meetup_with_answers):
    meetup, _host, _going = meetup_with_answers
    person = UserFactory()
    url = reverse("meetups:answer", args=[meetup.pk])
    with time_machine.travel(STARTS - timedelta(days=3), tick=False):
        client.force_login(person)  # a session of that day
        response = client.post(url, {"answer": "maybe", "remind": "1"})
        assert Rsvp.objects.get(meetup=meetup, user=person).remind_if_maybe is True
        page = client.get(response["Location"]).content.decode()
        assert "We will remind you before it starts." in page
        assert 'name="remind" value="1" checked' in page
    with time_machine.travel(STARTS - timedelta(hours=24), tick=False):
        services.meetup_reminders_send()
    assert person.pk in reminded_people()
    page = client.get("/notifications/").content.decode()
    assert "Reminder: “オンライン交流会” starts Mar 20, 2031, 7:00 PM." in page
    # The reminder links to the meetup's page.
    assert f'href="{meetup.get_absolute_url()}"' in page


def test_the_hosts_choose_the_moments_and_a_cancelled_meetup_reminds_nobody():
    with time_machine.travel(STARTS - timedelta(days=10), tick=False):
        host = UserFactory()
        weekly = make_meetup(by=host, starts_at=STARTS, reminder_minutes=[7 * 24 * 60])
        quiet = make_meetup(by=host, starts_at=STARTS, reminder_minutes=[])
        cancelled = make_meetup(by=host, starts_at=STARTS)
        person = UserFactory()
        for meetup in (weekly, quiet, cancelled):
            services.meetup_answer(meetup=meetup, user=person, answer="going")
        services.meetup_cancel(meetup=cancelled, by=host)
    with time_machine.travel(STARTS - timedelta(days=7), tick=False):
        assert services.meetup_reminders_send() == 2
    with time_machine.travel(STARTS - timedelta(hours=1), tick=False):
        assert services.meetup_reminders_send() == 0
    assert reminded() == sorted([(host.pk, 7 * 24 * 60), (person.pk, 7 * 24 * 60)])


def test_a_moved_meetup_reminds_again_for_its_new_time(meetup_with_answers):
    meetup, host, going = meetup_with_answers
    with time_machine.travel(STARTS - timedelta(hours=24), tick=False):
        assert services.meetup_reminders_send() == 2  # the host and the person going
        later = STARTS + timedelta(days=1)
        services.meetup_update(
            meetup=meetup, by=host, starts_at=later, ends_at=later + timedelta(hours=2)
        )
    with time_machine.travel(later - timedelta(hours=24), tick=False):
        assert services.meetup_reminders_send() == 2
        assert services.meetup_reminders_send() == 0
    assert reminded() == sorted([(host.pk, 24 * 60), (going.pk, 24 * 60)] * 2)


def test_the_reminder_reads_with_the_time(client, meetup_with_answers):
    _meetup, _host, going = meetup_with_answers
    with time_machine.travel(STARTS - timedelta(hours=24), tick=False):
        services.meetup_reminders_send()
    client.force_login(going)
    page = client.get("/notifications/").content.decode()
    assert "Reminder: “オンライン交流会” starts Mar 20, 2031, 7:00 PM." in page


def test_someone_who_left_the_team_hears_no_reminder_of_its_team_only_meetup():
    """A team-only meetup's reminder carries its place: someone who has since left the team (and
    so may no longer see it) is not reminded; the team is."""
    from meetups.choices import Visibility
    from proposals import services as proposal_services
    from proposals.tests.factories import add_member, make_proposal

    with time_machine.travel(STARTS - timedelta(days=5), tick=False):
        proposal = make_proposal(status="team_forming")
        staying, leaving = add_member(proposal).user, add_member(proposal).user
        meetup = make_meetup(
            by=proposal.proposer,
            proposal=proposal,
            visibility=Visibility.TEAM,
            starts_at=STARTS,
            reminder_minutes=[24 * 60],
        )
        for person in (staying, leaving):
            services.meetup_answer(meetup=meetup, user=person, answer="going")
        proposal_services.membership_leave(proposal=proposal, user=leaving)
    with time_machine.travel(STARTS - timedelta(hours=24), tick=False):
        services.meetup_reminders_send()
    assert reminded_people() == {proposal.proposer_id, staying.pk}
