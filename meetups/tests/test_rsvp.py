"""Going, maybe, can't: from the page (with and without htmx), with a capacity and a waiting list."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from meetups import services
from meetups.errors import ActionConflict, ActionNotPermitted
from meetups.models import Rsvp
from members.tests.factories import UserFactory
from proposals.tests.factories import make_proposal
from workers.events import MeetupEventKind
from workers.models import Delivery, Event

from .factories import make_meetup

pytestmark = pytest.mark.django_db


def answer(client, meetup, value, **headers):
    return client.post(reverse("meetups:answer", args=[meetup.pk]), {"answer": value}, **headers)


def statuses(meetup) -> dict[str, str]:
    """Everyone's answer but the hosts' (who are going: they made the meetup)."""
    return {
        row.user.username: row.status
        for row in Rsvp.objects.filter(meetup=meetup).exclude(user__in=meetup.hosts.all())
    }


def test_going_maybe_cant_from_the_page_without_javascript(member_client, member):
    meetup = make_meetup()
    response = answer(member_client, meetup, "going")
    assert response.status_code == 302 and response["Location"] == meetup.get_absolute_url()
    assert statuses(meetup) == {member.username: "going"}
    page = member_client.get(meetup.get_absolute_url()).content.decode()
    assert "See you there!" in page and "Your answer: Going" in page
    answer(member_client, meetup, "maybe")
    answer(member_client, meetup, "cant")
    meetup.refresh_from_db()
    assert statuses(meetup) == {member.username: "cant"}
    assert (meetup.going_count, meetup.maybe_count) == (1, 0)  # the host


def test_htmx_gets_the_answer_box_back(member_client):
    meetup = make_meetup(capacity=5)
    response = answer(member_client, meetup, "going", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<section class="panel meetup-rsvp" id="rsvp"')
    assert "2 of 5 going" in body and "See you there!" in body  # the host and this member


def test_a_made_up_answer_is_refused_kindly(member_client):
    meetup = make_meetup()
    response = answer(member_client, meetup, "definitely")
    assert response.status_code == 302
    assert statuses(meetup) == {}
    assert (
        "Please choose going, maybe or" in member_client.get(response["Location"]).content.decode()
    )


def test_full_means_the_waiting_list_and_a_cancellation_lets_the_first_in():
    meetup = make_meetup(capacity=3)  # the host and two more
    first, second, third, fourth = (UserFactory() for _ in range(4))
    for person in (first, second, third, fourth):
        services.meetup_answer(meetup=meetup, user=person, answer="going")
    assert [statuses(meetup)[p.username] for p in (first, second, third, fourth)] == [
        "going",
        "going",
        "waitlisted",
        "waitlisted",
    ]
    services.meetup_answer(meetup=meetup, user=second, answer="cant")
    assert statuses(meetup)[third.username] == "going"
    assert statuses(meetup)[fourth.username] == "waitlisted"
    meetup.refresh_from_db()
    assert (meetup.going_count, meetup.waitlist_count) == (3, 1)
    told = Event.objects.get(kind=MeetupEventKind.PROMOTED)
    inbox = Delivery.objects.filter(event=told, channel="inapp")
    assert [d.recipient_id for d in inbox] == [third.pk]
    assert Delivery.objects.filter(event=told, channel="email", recipient=third).exists()


def test_the_promoted_member_reads_the_news_in_their_notifications(client):
    meetup = make_meetup(capacity=2, title="読書会")
    going, waiting = UserFactory(), UserFactory()
    services.meetup_answer(meetup=meetup, user=going, answer="going")
    services.meetup_answer(meetup=meetup, user=waiting, answer="going")
    services.meetup_answer(meetup=meetup, user=going, answer="maybe")
    client.force_login(waiting)
    page = client.get(reverse("workers:list")).content.decode()
    assert "A place opened up: you are going to “読書会”" in page


def test_waiting_people_keep_their_place_when_they_say_going_again():
    meetup = make_meetup(capacity=2)
    a, b, c = UserFactory(), UserFactory(), UserFactory()
    for person in (a, b, c):
        services.meetup_answer(meetup=meetup, user=person, answer="going")
    services.meetup_answer(meetup=meetup, user=b, answer="going")
    services.meetup_answer(meetup=meetup, user=a, answer="cant")
    assert statuses(meetup) == {a.username: "cant", b.username: "going", c.username: "waitlisted"}


def test_more_seats_let_the_waiting_list_in():
    meetup = make_meetup(capacity=2)
    host = meetup.hosts.get()
    a, b = UserFactory(), UserFactory()
    services.meetup_answer(meetup=meetup, user=a, answer="going")
    services.meetup_answer(meetup=meetup, user=b, answer="going")
    assert statuses(meetup)[b.username] == "waitlisted"
    services.meetup_update(meetup=meetup, by=host, capacity=3)
    assert statuses(meetup)[b.username] == "going"


def test_the_waiting_list_position_shows_on_the_page(client):
    meetup = make_meetup(capacity=2)
    services.meetup_answer(meetup=meetup, user=UserFactory(), answer="going")
    services.meetup_answer(meetup=meetup, user=UserFactory(), answer="going")
    me = UserFactory()
    client.force_login(me)
    response = answer(client, meetup, "going")
    page = client.get(response["Location"]).content.decode()
    assert "You are number 2 on the waiting list." in page
    assert "you are on the waiting list" in page


def test_a_cancelled_meetup_takes_no_answers_and_tells_everyone_who_answered():
    meetup = make_meetup()
    host = meetup.hosts.get()
    going, maybe, cant = UserFactory(), UserFactory(), UserFactory()
    services.meetup_answer(meetup=meetup, user=going, answer="going")
    services.meetup_answer(meetup=meetup, user=maybe, answer="maybe")
    services.meetup_answer(meetup=meetup, user=cant, answer="cant")
    services.meetup_cancel(meetup=meetup, by=host, note="雨天中止")
    told = Event.objects.get(kind=MeetupEventKind.CANCELLED)
    assert set(
        Delivery.objects.filter(event=told, channel="inapp").values_list("recipient_id", flat=True)
    ) == {going.pk, maybe.pk, cant.pk}
    with pytest.raises(ActionConflict):
        services.meetup_answer(meetup=meetup, user=UserFactory(), answer="going")


def test_a_moved_meetup_tells_everyone_who_answered_and_raises_the_sequence():
    meetup = make_meetup()
    host = meetup.hosts.get()
    person = UserFactory()
    services.meetup_answer(meetup=meetup, user=person, answer="going")
    services.meetup_update(
        meetup=meetup,
        by=host,
        starts_at=meetup.starts_at.replace(hour=20),
        ends_at=meetup.ends_at.replace(hour=22),
    )
    told = Event.objects.get(kind=MeetupEventKind.MOVED)
    assert list(told.deliveries.filter(channel="inapp").values_list("recipient_id", flat=True)) == [
        person.pk
    ]
    meetup.refresh_from_db()
    assert meetup.sequence == 1


def test_people_outside_the_team_cannot_answer_a_team_meetup():
    proposal = make_proposal()
    meetup = make_meetup(by=proposal.proposer, proposal=proposal, visibility="team")
    with pytest.raises(ActionNotPermitted):
        services.meetup_answer(meetup=meetup, user=UserFactory(), answer="going")


def test_hosts_mark_attendance_once_it_has_started(client):
    meetup = make_meetup(starts_at=timezone.now() + timedelta(minutes=5))
    host = meetup.hosts.get()
    person = UserFactory()
    services.meetup_answer(meetup=meetup, user=person, answer="going")
    with pytest.raises(ActionNotPermitted):
        services.meetup_mark_attendance(meetup=meetup, by=host, user_id=person.pk, attended=True)
    type(meetup).objects.filter(pk=meetup.pk).update(
        starts_at=timezone.now() - timedelta(minutes=5)
    )
    client.force_login(host)
    url = reverse("meetups:attendance", args=[meetup.pk])
    assert client.post(url, {"user": person.pk, "attended": "yes"}).status_code == 302
    assert Rsvp.objects.get(user=person).attended is True
    client.force_login(person)
    assert client.post(url, {"user": person.pk, "attended": "yes"}).status_code == 403


def test_the_host_is_going_from_the_start_and_takes_a_seat(member_client, member):
    co_host = UserFactory()
    meetup = make_meetup(by=member, capacity=2, co_hosts=[co_host])
    assert Rsvp.objects.get(meetup=meetup, user=member).status == "going"
    # A co-host answers for themselves.
    assert not Rsvp.objects.filter(meetup=meetup, user=co_host).exists()
    meetup.refresh_from_db()
    assert meetup.going_count == 1
    page = member_client.get(meetup.get_absolute_url()).content.decode()
    assert "1 of 2 going" in page and "Your answer: Going" in page
    first, second = UserFactory(), UserFactory()
    services.meetup_answer(meetup=meetup, user=first, answer="going")
    services.meetup_answer(meetup=meetup, user=second, answer="going")
    assert statuses(meetup) == {first.username: "going", second.username: "waitlisted"}
    # The host who cannot come after all gives their seat to the first waiting.
    services.meetup_answer(meetup=meetup, user=member, answer="cant")
    assert statuses(meetup)[second.username] == "going"


def test_lowering_the_capacity_below_the_number_going_is_refused_on_the_form(member_client, member):
    meetup = make_meetup(by=member, capacity=5)
    for _ in range(2):
        services.meetup_answer(meetup=meetup, user=UserFactory(), answer="going")
    data = {
        "title": meetup.title,
        "kind": meetup.kind,
        "starts_at": timezone.localtime(meetup.starts_at).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": timezone.localtime(meetup.ends_at).strftime("%Y-%m-%dT%H:%M"),
        "place": meetup.place,
        "visibility": "community",
        "co_hosts": member.username,
        "capacity": "2",
    }
    response = member_client.post(reverse("meetups:edit", args=[meetup.pk]), data)
    assert response.status_code == 400
    assert response.context["form"].errors["capacity"] == [
        "3 people are going already, so the capacity can't be less than 3. "
        "To make it smaller, ask some of them first."
    ]
    meetup.refresh_from_db()
    assert (meetup.capacity, meetup.sequence, meetup.going_count) == (5, 0, 3)
    # As many as are going is fine.
    response = member_client.post(
        reverse("meetups:edit", args=[meetup.pk]), data | {"capacity": "3"}
    )
    assert response.status_code == 302
    meetup.refresh_from_db()
    assert meetup.capacity == 3 and meetup.is_full


def test_made_for_the_team_only_the_others_answers_are_taken_off_kindly(client):
    """Narrowing a meetup to its team: people who may no longer see it hold no seat and hear no
    reminder with its place; they are told, pointed at the other meetups; the team keeps theirs."""
    from meetups.choices import Visibility
    from proposals.tests.factories import add_member

    proposal = make_proposal(status="team_forming")
    teammate = add_member(proposal).user
    outsider, waiting = UserFactory(), UserFactory()
    meetup = make_meetup(by=proposal.proposer, proposal=proposal, capacity=2, title="キックオフ")
    # The host (the proposer) holds one of the two seats; the outsider the other.
    services.meetup_answer(meetup=meetup, user=outsider, answer="going")
    services.meetup_answer(meetup=meetup, user=teammate, answer="going")  # waiting
    services.meetup_answer(meetup=meetup, user=waiting, answer="going")  # waiting, not on the team

    services.meetup_update(meetup=meetup, by=proposal.proposer, visibility=Visibility.TEAM)

    meetup.refresh_from_db()
    # The outsiders' answers are off; the teammate takes the seat that freed up.
    assert statuses(meetup) == {teammate.username: "going"}  # (and the host)
    assert (meetup.going_count, meetup.waitlist_count) == (2, 0)
    told = Event.objects.get(kind=MeetupEventKind.NARROWED)
    assert set(
        Delivery.objects.filter(event=told, channel="inapp").values_list("recipient_id", flat=True)
    ) == {outsider.pk, waiting.pk}
    client.force_login(outsider)
    page = client.get(reverse("workers:list")).content.decode()
    assert "“キックオフ”" in page and "is now for its team only" in page
    assert f'href="{reverse("meetups:list")}"' in page


def test_a_moderator_keeps_their_answer_when_a_meetup_is_made_for_the_team_only():
    from meetups.choices import Visibility

    proposal = make_proposal(status="team_forming")
    moderator = UserFactory(moderator=True)
    meetup = make_meetup(by=proposal.proposer, proposal=proposal)
    services.meetup_answer(meetup=meetup, user=moderator, answer="going")

    services.meetup_update(meetup=meetup, by=proposal.proposer, visibility=Visibility.TEAM)

    assert statuses(meetup) == {moderator.username: "going"}
