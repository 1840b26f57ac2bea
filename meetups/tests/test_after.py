"""After a meetup: the people who came are asked "anything you'd like to try?", once, with the
proposal form filled with the meetup's themes; the meetup's page asks them too."""

import re
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from meetups import services
from meetups.choices import FOLLOW_UP_EVENT
from members.tests.factories import UserFactory
from workers.models import Delivery, Event
from workers.selectors import notification_path

from .factories import make_meetup

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")
STARTS = datetime(2031, 5, 10, 14, 0, tzinfo=TOKYO)
ENDS = STARTS + timedelta(hours=2)


def asked() -> set[int]:
    return set(
        Delivery.objects.filter(event__kind=FOLLOW_UP_EVENT, channel="inapp").values_list(
            "recipient_id", flat=True
        )
    )


@pytest.fixture
def people():
    """A 勉強会 with themes: a host, two going (one a host marks as not come), a maybe whom a host
    marks as came, a maybe, a can't, and someone waiting."""
    with time_machine.travel(STARTS - timedelta(days=7), tick=False):
        host = UserFactory()
        meetup = make_meetup(
            by=host,
            starts_at=STARTS,
            capacity=3,
            kind="study",
            themes=["防災", "地域づくり", "まちあるき"],
        )
        going, no_show, dropped_in, maybe, cant, waiting = (UserFactory() for _ in range(6))
        for person, answer in (
            (going, "going"),
            (no_show, "going"),
            (dropped_in, "maybe"),
            (maybe, "maybe"),
            (cant, "cant"),
            (waiting, "going"),  # full by now: the host and two going
        ):
            services.meetup_answer(meetup=meetup, user=person, answer=answer)
    with time_machine.travel(STARTS + timedelta(minutes=30), tick=False):
        services.meetup_mark_attendance(meetup=meetup, by=host, user_id=no_show.pk, attended=False)
        services.meetup_mark_attendance(
            meetup=meetup, by=host, user_id=dropped_in.pk, attended=True
        )
    return {
        "meetup": meetup,
        "host": host,
        "going": going,
        "no_show": no_show,
        "dropped_in": dropped_in,
        "maybe": maybe,
        "cant": cant,
        "waiting": waiting,
    }


def test_the_people_who_came_are_asked_once_however_often_beat_runs(people):
    meetup = people["meetup"]
    with time_machine.travel(ENDS - timedelta(minutes=1), tick=False):
        assert services.meetup_follow_ups_send() == 0  # not over yet
    with time_machine.travel(ENDS + timedelta(minutes=10), tick=False):
        assert services.meetup_follow_ups_send() == 0  # hosts still marking who came
    with time_machine.travel(ENDS + timedelta(hours=1), tick=False):
        assert services.meetup_follow_ups_send() == 1
        assert services.meetup_follow_ups_send() == 0  # beat ran twice
    with time_machine.travel(ENDS + timedelta(hours=5), tick=False):
        assert services.meetup_follow_ups_send() == 0  # and again later
    assert asked() == {people["host"].pk, people["going"].pk, people["dropped_in"].pk}
    assert Event.objects.filter(kind=FOLLOW_UP_EVENT).count() == 1
    meetup.refresh_from_db()
    assert meetup.follow_up_sent_at == ENDS + timedelta(hours=1)
    # No email of its own: by default it comes in the daily digest, gently (EMAIL_DEFAULTS).
    assert not Delivery.objects.filter(event__kind=FOLLOW_UP_EVENT, channel="email").exists()


def test_a_member_who_wants_it_at_once_gets_the_follow_up_by_email(people):
    from workers.events import EmailMode
    from workers.models import EmailPreference

    EmailPreference.objects.create(
        user=people["going"], kind=FOLLOW_UP_EVENT, mode=EmailMode.IMMEDIATELY
    )
    with time_machine.travel(ENDS + timedelta(hours=1), tick=False):
        services.meetup_follow_ups_send()
    emailed = Delivery.objects.filter(event__kind=FOLLOW_UP_EVENT, channel="email")
    assert set(emailed.values_list("recipient_id", flat=True)) == {people["going"].pk}


def test_the_link_opens_the_proposal_form_with_the_meetups_themes(people):
    meetup = people["meetup"]
    with time_machine.travel(ENDS + timedelta(hours=1), tick=False):
        services.meetup_follow_ups_send()
    event = Event.objects.get(kind=FOLLOW_UP_EVENT)
    path = notification_path(kind=event.kind, proposal_id=event.proposal_id, payload=event.payload)
    address = urlsplit(path)
    assert address.path == reverse("proposals:create")
    assert parse_qs(address.query) == {
        "theme": ["防災", "地域づくり", "まちあるき"],
        "meetup": [str(meetup.pk)],
    }


def test_the_notification_in_the_app_links_there(client, people):
    with time_machine.travel(ENDS + timedelta(hours=1), tick=False):
        services.meetup_follow_ups_send()
    client.force_login(people["going"])
    page = client.get(reverse("workers:list")).content.decode()
    expected = people["meetup"].follow_up_path().replace("&", "&amp;")
    assert f'href="{expected}"' in page


def test_a_cancelled_meetup_and_one_long_past_ask_nobody():
    with time_machine.travel(STARTS - timedelta(days=30), tick=False):
        cancelled = make_meetup(starts_at=STARTS)
        old = make_meetup(starts_at=STARTS - timedelta(days=20))
        services.meetup_cancel(meetup=cancelled, by=cancelled.hosts.get())
    with time_machine.travel(ENDS + timedelta(hours=2), tick=False):
        assert services.meetup_follow_ups_send() == 0
    assert asked() == set()
    old.refresh_from_db()
    assert old.follow_up_sent_at is None


def test_the_meetup_page_asks_the_people_who_came_after_it_ended(client, people):
    meetup = people["meetup"]
    question = "Anything you’d like to try?"
    link = meetup.follow_up_path().replace("&", "&amp;")
    with time_machine.travel(STARTS + timedelta(hours=1), tick=False):
        client.force_login(people["going"])
        assert question not in client.get(meetup.get_absolute_url()).content.decode()
    with time_machine.travel(ENDS + timedelta(minutes=5), tick=False):
        for who in ("going", "dropped_in", "host"):
            client.force_login(people[who])
            page = client.get(meetup.get_absolute_url()).content.decode()
            assert question in page and f'href="{link}"' in page, who
        for who in ("no_show", "maybe", "cant", "waiting"):
            client.force_login(people[who])
            assert question not in client.get(meetup.get_absolute_url()).content.decode(), who


def test_hosts_give_themes_on_the_form_and_the_page_shows_them(member_client, member):
    data = {
        "title": "防災まちあるき",
        "kind": "social",
        "starts_at": "2031-06-01T10:00",
        "ends_at": "2031-06-01T12:00",
        "place": "駅前広場",
        "visibility": "community",
        "themes": ["防災", "地域づくり"],
        "free_themes": "まちあるき、 #防災",
    }
    response = member_client.post(reverse("meetups:create"), data)
    assert response.status_code == 302, response.content.decode()
    meetup = member.hosted_meetups.get()
    assert meetup.themes == ["防災", "地域づくり", "まちあるき"]
    page = member_client.get(meetup.get_absolute_url()).content.decode()
    # Built-in themes read in the reader's language; others as typed.
    assert "Disaster preparedness" in page and "まちあるき" in page
    # Editing keeps them ticked, the member's own theme among the suggested ones.
    edit = member_client.get(reverse("meetups:edit", args=[meetup.pk])).content.decode()
    ticked = re.findall(r'<input type="checkbox" name="themes" value="([^"]+)" [^>]*checked>', edit)
    assert ticked == ["地域づくり", "防災", "まちあるき"]


def test_the_form_offers_the_suggested_themes(member_client):
    page = member_client.get(reverse("meetups:create")).content.decode()
    assert 'name="themes" value="防災"' in page
    assert "Disaster preparedness" in page


def test_the_follow_up_says_thank_you_and_asks_in_the_readers_language():
    from django.utils import translation

    from workers.events import meetup_headline

    payload = {"title": "防災まちあるき", "starts_at": STARTS.isoformat()}
    with translation.override("en"):
        assert meetup_headline(FOLLOW_UP_EVENT, payload) == (
            "Thank you for coming to “防災まちあるき”! Anything you’d like to try? "
            "Write it down as a proposal."
        )
    with translation.override("ja"):
        assert meetup_headline(FOLLOW_UP_EVENT, payload).startswith("「防災まちあるき」へのご参加")
