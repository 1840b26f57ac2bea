from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from members.services import api_token_create
from members.tests.factories import UserFactory
from proposals import services
from proposals.choices import Status
from proposals.models import Proposal
from proposals.tests.factories import make_proposal

pytestmark = pytest.mark.django_db

URL = "/api/v1/board"


@pytest.fixture
def token(member):
    return api_token_create(user=member, name="board")[1]


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_anonymous_callers_get_401(client):
    response = client.get(URL)
    assert response.status_code == 401
    assert response.json()["message"]


def test_columns_with_counts_cards_and_allowed_moves(client, member, token):
    mine = make_proposal(proposer=member, title="駅前の花壇づくり", tags=["環境"])
    make_proposal(status=Status.DONE)

    body = client.get(URL, headers=bearer(token)).json()

    assert [column["status"] for column in body["columns"]] == [
        "idea",
        "discussion",
        "team_forming",
        "running",
        "done",
    ]
    idea = body["columns"][0]
    assert idea["count"] == 1 and idea["has_more"] is False
    assert idea["explanation"] == "A “want to try” in a line or two. No plan needed yet."
    card = idea["cards"][0]
    assert card["id"] == mine.pk and card["themes"] == ["環境"]
    assert card["url"] == f"/proposals/{mine.pk}/"
    assert card["open_roles"] == [{"name": "designer", "open": 2, "pace": "週2h"}]
    assert [(move["target"], move["allowed"]) for move in card["moves"]] == [
        ("discussion", True),
        ("archived", True),
    ]
    assert body["columns"][4]["cards"][0]["moves"] == []


def test_same_filters_as_the_page(client, member, token):
    make_proposal(proposer=member, title="自分の提案")
    make_proposal(title="ほかの人の提案")
    make_proposal(status=Status.ARCHIVED, proposer=member, title="ひと休み")

    body = client.get(URL, {"mine": "true", "archived": "true"}, headers=bearer(token)).json()

    assert body["filters"] == {"mine": "1", "archived": "1"}
    titles = [card["title"] for column in body["columns"] for card in column["cards"]]
    assert titles == ["自分の提案", "ひと休み"]


def test_bad_filter_values_are_a_clear_400(client, token):
    response = client.get(URL, {"mine": "perhaps"}, headers=bearer(token))
    assert response.status_code == 400
    assert "mine" in response.json()["details"]


def test_unchanged_board_answers_304_and_a_change_answers_200(client, member, token):
    proposal = make_proposal()
    etag = client.get(URL, headers=bearer(token))["ETag"]

    with CaptureQueriesContext(connection) as captured:
        again = client.get(URL, headers={**bearer(token), "If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert len(captured) <= 3

    services.proposal_transition(proposal=proposal, to=Status.DISCUSSION, by=proposal.proposer)
    changed = client.get(URL, headers={**bearer(token), "If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.json()["columns"][1]["cards"][0]["id"] == proposal.pk


def test_a_deleted_proposal_answers_200_without_it(client, token):
    kept = make_proposal(title="残る")
    gone = make_proposal(title="消える")
    Proposal.objects.filter(pk=gone.pk).update(updated_at=kept.updated_at - timedelta(days=1))
    etag = client.get(URL, headers=bearer(token))["ETag"]

    gone.delete()
    changed = client.get(URL, headers={**bearer(token), "If-None-Match": etag})

    assert changed.status_code == 200
    ideas = changed.json()["columns"][0]
    assert (ideas["count"], [card["id"] for card in ideas["cards"]]) == (1, [kept.pk])


def test_the_etag_belongs_to_the_viewer_and_the_language(client, member, token):
    make_proposal()
    mine = client.get(URL, headers=bearer(token))["ETag"]
    other_token = api_token_create(user=UserFactory(), name="other")[1]
    assert client.get(URL, headers=bearer(other_token))["ETag"] != mine
    japanese = client.get(URL, headers={**bearer(token), "Accept-Language": "ja"})
    assert japanese["ETag"] != mine
    assert japanese.json()["columns"][0]["label"] != "Idea"


def test_a_card_names_its_proposer_by_display_name_else_username(client, token):
    named = make_proposal(proposer=UserFactory(display_name="花子"))
    plain = make_proposal(proposer=UserFactory(display_name=""))

    cards = client.get(URL, headers=bearer(token)).json()["columns"][0]["cards"]

    names = {card["id"]: card["proposer"]["display_name"] for card in cards}
    assert names == {named.pk: "花子", plain.pk: plain.proposer.username}
