"""Meetups on the public page: only those their hosts chose to show, for the whole community,
scheduled and not over; a visitor reads their title, kind and time, never the place, the online
link, the description or who is going."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from meetups import services
from meetups.models import Meetup
from meetups.tests.factories import make_meetup
from meetups.tests.test_pages import form
from members.tests.factories import UserFactory
from proposals.tests.factories import add_member, make_proposal

pytestmark = pytest.mark.django_db


def _public_page() -> str:
    return Client().get("/").content.decode()


def test_a_host_shows_a_meetup_to_visitors_without_its_place_or_link(client):
    host = UserFactory(display_name="ひみつの主催者")
    client.force_login(host)
    client.post(
        reverse("meetups:create"),
        form(
            title="はじめての交流会",
            place="駅前の会議室B",
            online_url="https://meet.example.org/our-room",
            is_public="on",
        ),
    )
    page = _public_page()
    assert "はじめての交流会" in page and "Study session" in page
    assert "Jun 1, 2031" in page  # when
    for private in ("駅前の会議室B", "our-room", "ファンドレイジング", "ひみつの主催者"):
        assert private not in page

    meetup = Meetup.objects.get()
    services.meetup_update(meetup=meetup, by=host, is_public=False)
    assert "はじめての交流会" not in _public_page()


def test_visitors_see_no_meetup_that_is_not_public_cancelled_or_over():
    make_meetup(title="内輪の交流会")
    cancelled = make_meetup(title="中止になった会", is_public=True)
    services.meetup_cancel(meetup=cancelled, by=cancelled.created_by, note="体調不良のため")
    make_meetup(title="終わった会", is_public=True, starts_at=timezone.now() - timedelta(days=2))
    page = _public_page()
    for hidden in ("内輪の交流会", "中止になった会", "終わった会"):
        assert hidden not in page
    assert "No open meetups are planned just now." in page


def test_a_team_only_meetup_cannot_be_shown_to_visitors(client):
    proposal = make_proposal(status="running")
    member = add_member(proposal).user
    client.force_login(member)
    response = client.post(
        reverse("meetups:create"),
        form(title="チームの打ち合わせ", visibility="team", proposal=proposal.pk, is_public="on"),
    )
    assert response.status_code == 400
    assert "A meetup for its team only can’t be shown to visitors." in response.content.decode()
    assert not Meetup.objects.exists()
    meetup = make_meetup(
        by=member, title="チームの打ち合わせ", visibility="team", proposal=proposal
    )
    with pytest.raises(ValidationError, match="team only can’t be shown to visitors"):
        services.meetup_update(meetup=meetup, by=member, is_public=True)
    assert Meetup.objects.get(pk=meetup.pk).is_public is False
