"""A meetup's notifications (in the app and by email) link to the meetup's page, or after it to
the proposal form, and only ever to a path of this site."""

import pytest
from django.urls import reverse

from meetups import services
from members.tests.factories import UserFactory
from workers.events import EventKind, MeetupEventKind
from workers.selectors import notification_path

from .factories import make_meetup

pytestmark = pytest.mark.django_db


def test_a_place_opening_up_links_to_the_meetup(client):
    meetup = make_meetup(capacity=2, title="読書会")
    going, waiting = UserFactory(), UserFactory()
    services.meetup_answer(meetup=meetup, user=going, answer="going")
    services.meetup_answer(meetup=meetup, user=waiting, answer="going")
    services.meetup_answer(meetup=meetup, user=going, answer="cant")
    client.force_login(waiting)
    page = client.get(reverse("workers:list")).content.decode()
    assert "A place opened up: you are going to “読書会”" in page
    assert f'href="{meetup.get_absolute_url()}"' in page


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/meetups/7/", "/meetups/7/"),
        (
            "/proposals/new/?theme=%E9%98%B2%E7%81%BD&meetup=7",
            "/proposals/new/?theme=%E9%98%B2%E7%81%BD&meetup=7",
        ),
        ("//evil.example/meetups/7/", ""),
        ("/\\evil.example/", ""),
        ("/\t/evil.example/", ""),
        ("https://evil.example/", ""),
        ("javascript:alert(1)", ""),
        ("meetups/7/", ""),
        (7, ""),
        (None, ""),
    ],
)
def test_only_a_path_of_this_site_is_followed(path, expected):
    for kind in (*MeetupEventKind.values, "meetup_follow_up"):
        payload = {"meetup_id": 7, "title": "読書会"} | ({} if path is None else {"path": path})
        assert notification_path(kind=kind, proposal_id=None, payload=payload) == expected


def test_a_proposals_notification_still_links_to_the_proposal():
    path = notification_path(
        kind=EventKind.COMMENTED, proposal_id=3, payload={"path": "/meetups/7/", "comment_id": 9}
    )
    assert path == reverse("proposals:detail", args=[3]) + "?all=1#comment-9"
