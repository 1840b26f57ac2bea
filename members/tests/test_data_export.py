"""Download my data (issue 16): one JSON file of everything about the member, only their own, in
a fixed number of queries."""

import json

import pytest
from allauth.account.models import EmailAddress
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from meetups import services as meetup_services
from meetups.tests.factories import make_meetup
from members import data_export, services
from members.tests.factories import UserFactory
from proposals import services as proposal_services
from proposals.tests.factories import add_member, make_proposal
from workers import services as notify
from workers.events import EventKind

pytestmark = pytest.mark.django_db

DOWNLOAD = reverse("members:data_download")


def _take_part(member, other, *, tag: str):
    """A bit of everything, each piece marked with `tag` so whose it is shows."""
    own = make_proposal(proposer=member, title=f"{tag}の提案", tags=[f"{tag}テーマ"])
    theirs = make_proposal(proposer=other, title=f"{tag}が参加する提案", status="team_forming")
    add_member(theirs, member)
    proposal_services.comment_create(proposal=theirs, author=member, body=f"{tag}のコメント")
    proposal_services.cheer_set(proposal=theirs, user=member, cheered=True)
    proposal_services.follow_set(proposal=theirs, user=member, following=True)
    meetup = make_meetup(by=other, title=f"{tag}の交流会")
    meetup_services.meetup_answer(meetup=meetup, user=member, answer="going")
    services.api_token_create(user=member, name=f"{tag}のトークン")
    notify.email_preferences_set(user=member, modes={EventKind.COMMENTED: "off"})
    return own, theirs


@pytest.fixture
def people(published):
    member = UserFactory(
        username="sakura", email="sakura@example.org", display_name="さくら", bio="さくらの自己紹介"
    )
    other = UserFactory(
        username="ren", email="ren.private@example.org", display_name="れん", bio="れんの秘密"
    )
    EmailAddress.objects.create(
        user=member, email="sakura@example.org", verified=True, primary=True
    )
    EmailAddress.objects.create(user=other, email="ren.private@example.org", verified=True)
    _take_part(member, other, tag="さくら")
    _take_part(other, UserFactory(), tag="れん")
    services.member_arrived(user=member)
    return member, other


def test_the_file_holds_the_members_own_data(client, people):
    member, _other = people
    client.force_login(member)
    response = client.get(DOWNLOAD)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith('attachment; filename="incubator-')
    data = json.loads(response.content)
    assert data["profile"]["username"] == "sakura"
    assert data["profile"]["bio"] == "さくらの自己紹介"
    assert data["email_addresses"] == [
        {"email": "sakura@example.org", "verified": True, "primary": True}
    ]
    assert [p["title"] for p in data["proposals"]] == ["さくらの提案"]
    assert data["proposals"][0]["themes"] == ["さくらテーマ"]
    assert [c["body"] for c in data["comments"]] == ["さくらのコメント"]
    assert [c["proposal__title"] for c in data["cheers"]] == ["さくらが参加する提案"]
    assert {m["proposal__title"] for m in data["memberships"]} == {
        "さくらの提案",  # as its proposer
        "さくらが参加する提案",
    }
    assert {f["proposal__title"] for f in data["follows"]} == {
        "さくらの提案",
        "さくらが参加する提案",
    }
    assert [a["meetup__title"] for a in data["meetup_answers"]] == ["さくらの交流会"]
    assert [t["name"] for t in data["api_tokens"]] == ["さくらのトークン"]
    assert data["preferences"]["email"] == {EventKind.COMMENTED: "off"}
    kinds = {n["kind"] for n in data["notifications"]}
    assert EventKind.WELCOME in kinds
    welcome = next(n for n in data["notifications"] if n["kind"] == EventKind.WELCOME)
    assert "Welcome to the community" in welcome["text"]


def test_the_file_holds_nothing_of_anyone_else(client, people):
    member, _other = people
    client.force_login(member)
    text = client.get(DOWNLOAD).content.decode()
    for theirs in (
        "ren.private@example.org",
        "れんの秘密",
        "れんのコメント",
        "れんのトークン",
        "れんの交流会",
        "key_hash",
    ):
        assert theirs not in text, theirs
    for token_row in json.loads(text)["api_tokens"]:
        assert set(token_row) == {"name", "created_at", "last_used_at"}  # never a secret


def test_the_export_reads_a_fixed_number_of_queries(people):
    member, other = people
    with CaptureQueriesContext(connection) as few:
        data_export.member_data(user=member)
    for n in range(3):
        _take_part(member, other, tag=f"追加{n}")
    with CaptureQueriesContext(connection) as many:
        data = data_export.member_data(user=member)
    assert len(data["comments"]) == 4
    assert len(many) == len(few)


def test_the_download_needs_signing_in(client):
    response = client.get(DOWNLOAD)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_settings_page_offers_the_download(client):
    member = UserFactory()
    client.force_login(member)
    page = client.get(reverse("members:settings")).content.decode()
    assert DOWNLOAD in page and "Download my data" in page
