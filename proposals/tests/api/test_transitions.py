"""POST /api/v1/proposals/{id}/transitions: 200 with the new state, 403, 409 with the allowed targets."""

import pytest

from members.tests.factories import UserFactory
from proposals.models import Proposal, TransitionLog
from proposals.tests.factories import add_member, make_proposal

pytestmark = pytest.mark.django_db


def _move(api, proposal, to, note=""):
    return api.post(f"/proposals/{proposal.pk}/transitions", {"to": to, "note": note})


def test_the_proposer_moves_their_proposal(as_member):
    proposal = make_proposal()
    api = as_member(proposal.proposer)

    response = _move(api, proposal, "discussion", note="みんなの意見を聞きたい")

    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "discussion"
    assert {t["to"] for t in data["available_transitions"]} == {"team_forming", "archived"}
    assert data["history"][-1]["note"] == "みんなの意見を聞きたい"
    log = TransitionLog.objects.get(proposal=proposal)
    assert (log.from_status, log.to_status, log.actor) == ("idea", "discussion", api.user)


def test_a_moderator_may_move_any_proposal(as_member):
    proposal = make_proposal(status="running")

    response = _move(
        as_member(UserFactory(moderator=True)), proposal, "done", note="学びが多かった"
    )

    assert response.status_code == 200
    assert response.json()["outcome_note"] == "学びが多かった"


@pytest.mark.parametrize("who", ["team_member", "other_member"])
def test_non_owners_get_403_and_nothing_moves(as_member, who):
    proposal = make_proposal()
    user = add_member(proposal).user if who == "team_member" else UserFactory()

    response = _move(as_member(user), proposal, "discussion")

    assert response.status_code == 403
    assert "proposer or a moderator" in response.json()["message"]
    assert Proposal.objects.get(pk=proposal.pk).status == "idea"
    assert not TransitionLog.objects.exists()


def test_anonymous_gets_401(anonymous):
    proposal = make_proposal()

    response = _move(anonymous, proposal, "discussion")

    assert response.status_code == 401
    assert response.json()["message"]
    assert Proposal.objects.get(pk=proposal.pk).status == "idea"


def test_a_move_not_possible_from_here_is_a_409_with_the_allowed_targets(as_member):
    proposal = make_proposal()

    response = _move(as_member(proposal.proposer), proposal, "running")

    assert response.status_code == 409
    data = response.json()
    assert "can't go from “Idea” to “Running”" in data["message"]
    assert sorted(data["allowed"]) == ["archived", "discussion"]
    assert not TransitionLog.objects.exists()


def test_a_guard_that_fails_is_a_409_with_its_reason(as_member):
    proposal = make_proposal(status="team_forming")

    response = _move(as_member(proposal.proposer), proposal, "running")

    assert response.status_code == 409
    assert "at least 2 members" in response.json()["message"]
    assert "running" in response.json()["allowed"]


def test_launch_succeeds_once_the_team_is_big_enough(as_member):
    proposal = make_proposal(status="team_forming")
    add_member(proposal)

    response = _move(as_member(proposal.proposer), proposal, "running")

    assert response.status_code == 200
    assert response.json()["status"] == "running"


@pytest.mark.parametrize(("status", "to"), [("running", "done"), ("idea", "archived")])
def test_a_missing_note_is_a_400_on_the_note(as_member, status, to):
    proposal = make_proposal(status=status)

    response = _move(as_member(proposal.proposer), proposal, to, note="   ")

    assert response.status_code == 400
    assert "note" in response.json()["details"]
    assert Proposal.objects.get(pk=proposal.pk).status == status


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"to": "someday"}, "to"),
        ({"to": "DISCUSSION"}, "to"),
        ({}, "to"),
        ({"to": None}, "to"),
        ({"to": 3}, "to"),
        ({"to": "discussion", "note": "x" * 2001}, "note"),
        ({"to": "discussion", "note": ["x"]}, "note"),
    ],
)
def test_bad_transition_input_is_a_400(as_member, payload, field):
    proposal = make_proposal()

    response = as_member(proposal.proposer).post(f"/proposals/{proposal.pk}/transitions", payload)

    assert response.status_code == 400
    assert field in response.json()["details"]
    assert not TransitionLog.objects.exists()


def test_transition_of_an_unknown_proposal_is_a_404(as_member):
    response = as_member().post("/proposals/987654/transitions", {"to": "discussion"})

    assert response.status_code == 404
