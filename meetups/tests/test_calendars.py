"""Calendars: a meetup's .ics (RFC 5545, read back with icalendar), the member's private feed and
the community's feed."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from meetups import services
from meetups.models import CalendarFeed
from members.tests.factories import UserFactory
from proposals.tests.factories import make_proposal

from .factories import make_meetup

pytestmark = pytest.mark.django_db


def events(response) -> list:
    assert response["Content-Type"].startswith("text/calendar")
    return list(Calendar.from_ical(response.content).walk("VEVENT"))


def only_event(response):
    (event,) = events(response)
    return event


def form(**fields) -> dict:
    data = {
        "title": "夏の交流会",
        "kind": "social",
        "description": "",
        "place": "オンライン",
        "online_url": "",
        "capacity": "",
        "co_hosts": "",
        "proposal": "",
        "visibility": "community",
    }
    return data | fields


@pytest.mark.parametrize(
    ("zone", "typed", "expected_utc"),
    [
        ("Asia/Tokyo", "2031-07-10T19:00", datetime(2031, 7, 10, 10, 0, tzinfo=ZoneInfo("UTC"))),
        # New York in summer (EDT, UTC−4) and in winter (EST, UTC−5).
        (
            "America/New_York",
            "2031-07-10T19:00",
            datetime(2031, 7, 10, 23, 0, tzinfo=ZoneInfo("UTC")),
        ),
        (
            "America/New_York",
            "2031-01-10T19:00",
            datetime(2031, 1, 11, 0, 0, tzinfo=ZoneInfo("UTC")),
        ),
    ],
)
def test_times_typed_in_a_zone_come_back_the_same_from_the_ics(
    settings, client, zone, typed, expected_utc
):
    settings.TIME_ZONE = zone
    member = UserFactory()
    client.force_login(member)
    ends = typed.replace("T19:00", "T21:00")
    response = client.post(reverse("meetups:create"), form(starts_at=typed, ends_at=ends))
    assert response.status_code == 302, response.content.decode()
    meetup = member.hosted_meetups.get()
    event = only_event(client.get(reverse("meetups:ics", args=[meetup.pk])))
    start, end = event.decoded("dtstart"), event.decoded("dtend")
    assert start == expected_utc
    local = start.astimezone(ZoneInfo(zone))
    assert (local.hour, local.minute) == (19, 0)
    assert end.astimezone(ZoneInfo(zone)).hour == 21
    assert str(event["summary"]) == "夏の交流会"
    # The page shows the same time as the viewer typed it.
    assert ", 7:00 PM" in client.get(meetup.get_absolute_url()).content.decode()


def test_the_uid_stays_and_the_sequence_rises_with_each_change(member_client, member):
    meetup = make_meetup(by=member)
    url = reverse("meetups:ics", args=[meetup.pk])
    first = only_event(member_client.get(url))
    services.meetup_update(meetup=meetup, by=member, title="タイトルを変えました")
    second = only_event(member_client.get(url))
    services.meetup_update(meetup=meetup, by=member, place="新しい会場")
    third = only_event(member_client.get(url))
    assert first["uid"] == second["uid"] == third["uid"]
    assert (first["sequence"], second["sequence"], third["sequence"]) == (0, 1, 2)
    assert str(third["location"]) == "新しい会場"
    services.meetup_cancel(meetup=meetup, by=member)
    cancelled = only_event(member_client.get(url))
    assert cancelled["sequence"] == 3 and str(cancelled["status"]) == "CANCELLED"


def test_the_ics_and_google_link_hold_the_online_link_only_for_people_going(client):
    meetup = make_meetup(online_url="https://zoom.example.org/j/42", link_for_going_only=True)
    viewer = UserFactory()
    client.force_login(viewer)
    url = reverse("meetups:ics", args=[meetup.pk])
    assert "zoom.example.org" not in str(only_event(client.get(url))["description"])
    page = client.get(meetup.get_absolute_url()).content.decode()
    assert "calendar.google.com/calendar/render?action=TEMPLATE" in page
    assert "zoom.example.org" not in page
    services.meetup_answer(meetup=meetup, user=viewer, answer="going")
    assert "zoom.example.org/j/42" in str(only_event(client.get(url))["description"])


def test_a_team_meetups_ics_is_a_404_outside_the_team(member_client):
    proposal = make_proposal()
    meetup = make_meetup(by=proposal.proposer, proposal=proposal, visibility="team")
    assert member_client.get(reverse("meetups:ics", args=[meetup.pk])).status_code == 404


def test_the_private_feed_needs_its_token_and_a_revoked_one_is_a_404(member_client, member):
    client = Client()  # a calendar app: no session
    going = make_meetup(title="行く交流会")
    hosted = make_meetup(by=member, title="主催する勉強会")
    make_meetup(title="答えていない会")
    services.meetup_answer(meetup=going, user=member, answer="going")
    member_client.post(reverse("meetups:feed_renew"))
    feed = CalendarFeed.objects.get(user=member, revoked_at__isnull=True)
    page = member_client.get(reverse("meetups:calendars")).content.decode()
    assert feed.token in page

    url = reverse("meetups:personal_feed", args=[feed.token])
    titles = {str(event["summary"]) for event in events(client.get(url))}
    assert titles == {going.title, hosted.title}

    assert client.get(reverse("meetups:personal_feed", args=["not-a-token"])).status_code == 404

    member_client.post(reverse("meetups:feed_renew"))
    assert client.get(url).status_code == 404  # the old address stops working
    renewed = CalendarFeed.objects.get(user=member, revoked_at__isnull=True)
    assert client.get(reverse("meetups:personal_feed", args=[renewed.token])).status_code == 200

    member_client.post(reverse("meetups:feed_revoke"))
    assert client.get(reverse("meetups:personal_feed", args=[renewed.token])).status_code == 404


def test_the_community_feed_lists_community_meetups_without_their_links(client, member):
    make_meetup(title="みんなの交流会", online_url="https://zoom.example.org/j/7")
    proposal = make_proposal()
    make_meetup(by=proposal.proposer, proposal=proposal, visibility="team", title="チームの定例")
    feed = services.meetup_feed_renew(user=member)
    response = client.get(reverse("meetups:community_feed", args=[feed.token]))
    found = events(response)
    assert [str(event["summary"]) for event in found] == ["みんなの交流会"]
    assert b"zoom.example.org" not in response.content


def test_the_community_feed_is_for_members_only(client, member):
    """When and where people meet is the community's: no address outside it opens the feed."""
    make_meetup(title="みんなの交流会", place="田中さんの家")
    assert client.get("/meetups/feeds/community.ics").status_code == 404
    assert client.get(reverse("meetups:community_feed", args=["guess"])).status_code == 404
    feed = services.meetup_feed_renew(user=member)
    url = reverse("meetups:community_feed", args=[feed.token])
    assert client.get(url).status_code == 200
    services.meetup_feed_revoke(user=member)
    assert client.get(url).status_code == 404


def test_the_feed_takes_the_same_number_of_queries_for_many_meetups(
    client, member, django_assert_max_num_queries
):
    feed = services.meetup_feed_renew(user=member)
    url = reverse("meetups:personal_feed", args=[feed.token])
    for _ in range(2):
        services.meetup_answer(meetup=make_meetup(), user=member, answer="going")
    with django_assert_max_num_queries(10) as few:
        client.get(url)
    for _ in range(10):
        services.meetup_answer(meetup=make_meetup(), user=member, answer="maybe")
        make_meetup(by=member)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(events(client.get(url))) == 22
