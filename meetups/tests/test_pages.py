"""Meetup pages: create, see, edit, cancel; the lists and the month; who sees what."""

from datetime import UTC, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from meetups import selectors
from meetups.models import Meetup
from members.tests.factories import UserFactory
from proposals.tests.factories import add_member, make_proposal

from .factories import make_meetup, soon

pytestmark = pytest.mark.django_db


def form(**fields) -> dict:
    data = {
        "title": "NPOの方をお招きする勉強会",
        "kind": "study",
        "starts_at": "2031-06-01T19:00",
        "ends_at": "2031-06-01T21:00",
        "description": "**ファンドレイジング**の基本を学びます。<script>alert(1)</script>",
        "place": "",
        "online_url": "https://meet.example.org/abc",
        "capacity": "",
        "co_hosts": "",
        "proposal": "",
        "visibility": "community",
        "reminder_minutes": ["1440", "60"],
    }
    data.update(fields)
    return data


def test_a_member_creates_a_meetup_and_hosts_it(member_client, member):
    response = member_client.post(reverse("meetups:create"), form())
    meetup = Meetup.objects.get()
    assert response.status_code == 302
    assert response["Location"] == meetup.get_absolute_url()
    assert list(meetup.hosts.all()) == [member]
    # Typed in Tokyo time, stored aware: 19:00 JST is 10:00 UTC.
    assert meetup.starts_at.astimezone(UTC).hour == 10
    assert "<strong>ファンドレイジング</strong>" in meetup.description_html
    assert "<script" not in meetup.description_html
    page = member_client.get(meetup.get_absolute_url()).content.decode()
    assert "NPOの方をお招きする勉強会" in page
    assert "Jun 1, 2031, 7:00 PM" in page
    assert "https://meet.example.org/abc" in page


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"ends_at": "2031-06-01T18:00"}, "ends_at", "Please choose an end after the start."),
        ({"online_url": "not a link at all"}, "online_url", "Please check the link"),
        ({"online_url": "", "place": ""}, "place", "Please give a place or an online link"),
        ({"starts_at": "tomorrow-ish"}, "starts_at", "Please enter a date and time"),
        ({"capacity": "0"}, "capacity", "Please enter 1 or more."),
        ({"co_hosts": "nobody-by-this-name"}, "co_hosts", "We could not find these members"),
        ({"visibility": "team"}, "visibility", "Only a meetup for a proposal"),
        ({"title": "x\x00y"}, "title", "Null characters are not allowed."),
    ],
)
def test_bad_input_gets_a_clear_form_error_and_nothing_is_saved(
    member_client, fields, field, message
):
    response = member_client.post(reverse("meetups:create"), form(**fields))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors or "__all__" in errors
    assert message in response.content.decode()
    assert not Meetup.objects.exists()


def test_co_hosts_can_edit_and_others_cannot(client, member):
    co_host, stranger = UserFactory(), UserFactory()
    meetup = make_meetup(by=member, co_hosts=[co_host])
    client.force_login(stranger)
    assert client.get(reverse("meetups:edit", args=[meetup.pk])).status_code == 403
    assert client.post(reverse("meetups:cancel", args=[meetup.pk])).status_code == 403
    client.force_login(co_host)
    data = form(title="場所が変わりました", co_hosts=f"{member.username}, {co_host.username}")
    response = client.post(reverse("meetups:edit", args=[meetup.pk]), data)
    assert response.status_code == 302
    meetup.refresh_from_db()
    assert meetup.title == "場所が変わりました"
    assert meetup.sequence == 1


def test_a_moderator_can_edit_any_meetup(client):
    meetup = make_meetup()
    client.force_login(UserFactory(moderator=True))
    assert client.get(reverse("meetups:edit", args=[meetup.pk])).status_code == 200


def test_hosts_cancel_and_the_page_says_so(member_client, member):
    meetup = make_meetup(by=member)
    page = member_client.get(reverse("meetups:cancel", args=[meetup.pk]))
    assert page.status_code == 200
    response = member_client.post(
        reverse("meetups:cancel", args=[meetup.pk]), {"note": "台風のため中止します。"}
    )
    assert response.status_code == 302
    meetup.refresh_from_db()
    assert meetup.is_cancelled and meetup.sequence == 1
    body = member_client.get(meetup.get_absolute_url()).content.decode()
    assert "This meetup is cancelled." in body and "台風のため中止します。" in body


def test_upcoming_past_and_month(member_client, member):
    upcoming = make_meetup(title="来週の交流会", starts_at=soon(days=3))
    past = make_meetup(title="先月の勉強会", starts_at=soon(days=-30))
    listing = member_client.get(reverse("meetups:list")).content.decode()
    assert "来週の交流会" in listing and "先月の勉強会" not in listing
    earlier = member_client.get(reverse("meetups:list") + "?when=past").content.decode()
    assert "先月の勉強会" in earlier and "来週の交流会" not in earlier
    local = timezone.localtime(upcoming.starts_at)
    month = member_client.get(reverse("meetups:month", args=[local.year, local.month]))
    assert month.status_code == 200
    day = next(
        day for week in month.context["grid"].weeks for day in week if day.day == local.date()
    )
    assert [m.pk for m in day.meetups] == [upcoming.pk]
    assert upcoming.get_absolute_url() in month.content.decode()
    assert past.pk not in [m.pk for w in month.context["grid"].weeks for d in w for m in d.meetups]


def test_a_month_that_cannot_be_is_a_404(member_client):
    assert member_client.get("/meetups/month/2031/13/").status_code == 404
    assert member_client.get("/meetups/month/99999/1/").status_code == 404


def test_the_lists_take_the_same_number_of_queries_for_many_meetups(
    member_client, django_assert_max_num_queries
):
    for _ in range(3):
        make_meetup(co_hosts=[UserFactory()])
    with django_assert_max_num_queries(12) as few:
        member_client.get(reverse("meetups:list"))
    for _ in range(12):
        make_meetup(co_hosts=[UserFactory(), UserFactory()])
    with django_assert_max_num_queries(len(few.captured_queries)):
        member_client.get(reverse("meetups:list"))


def test_a_team_meetup_is_hidden_from_people_outside_the_team(client):
    proposal = make_proposal()
    teammate = add_member(proposal).user
    meetup = make_meetup(by=proposal.proposer, proposal=proposal, visibility="team")
    client.force_login(UserFactory())
    assert client.get(meetup.get_absolute_url()).status_code == 404
    assert "オンライン交流会" not in client.get(reverse("meetups:list")).content.decode()
    client.force_login(teammate)
    assert client.get(meetup.get_absolute_url()).status_code == 200


def test_only_a_team_may_tie_a_meetup_to_its_proposal(member_client):
    proposal = make_proposal()
    response = member_client.post(reverse("meetups:create"), form(proposal=str(proposal.pk)))
    assert response.status_code == 400
    assert not Meetup.objects.exists()


def test_the_online_link_is_only_for_people_going_when_so_set(client):
    host, viewer = UserFactory(), UserFactory()
    meetup = make_meetup(
        by=host, online_url="https://zoom.example.org/j/1", link_for_going_only=True
    )
    client.force_login(viewer)
    before = client.get(meetup.get_absolute_url()).content.decode()
    assert "https://zoom.example.org/j/1" not in before
    assert "The link is shown to people who are going." in before
    client.post(reverse("meetups:answer", args=[meetup.pk]), {"answer": "going"})
    after = client.get(meetup.get_absolute_url()).content.decode()
    assert "https://zoom.example.org/j/1" in after


def test_next_meetup_for_a_proposal(member):
    proposal = make_proposal(proposer=member)
    assert selectors.next_meetup_for(proposal) is None
    later = make_meetup(by=member, proposal=proposal, starts_at=soon(days=9))
    sooner = make_meetup(by=member, proposal=proposal, starts_at=soon(days=2))
    make_meetup(by=member, proposal=proposal, starts_at=soon(days=-3))
    team_only = make_meetup(by=member, proposal=proposal, starts_at=soon(days=1), visibility="team")
    assert selectors.next_meetup_for(proposal) == sooner
    assert selectors.next_meetup_for(proposal, user=member) == team_only
    assert selectors.next_meetup_for(proposal, user=UserFactory()) == sooner
    sooner.status = "cancelled"
    sooner.save()
    assert selectors.next_meetup_for(proposal) == later


def test_the_navigation_links_to_meetups(member_client):
    body = member_client.get(reverse("meetups:list")).content.decode()
    assert f'href="{reverse("meetups:list")}" aria-current="page"' in body


def test_signed_out_people_are_sent_to_sign_in(client):
    meetup = make_meetup()
    for url in (reverse("meetups:list"), meetup.get_absolute_url(), reverse("meetups:create")):
        assert client.get(url).status_code == 302


def test_an_ended_meetup_closes_answers(member_client):
    meetup = make_meetup(starts_at=timezone.now() - timedelta(hours=3), hours=1)
    response = member_client.post(reverse("meetups:answer", args=[meetup.pk]), {"answer": "going"})
    assert response.status_code == 302
    assert not meetup.rsvps.exclude(user__in=meetup.hosts.all()).exists()
