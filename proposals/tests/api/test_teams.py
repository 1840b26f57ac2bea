"""Join requests, accept, decline and leave through the API."""

import pytest

from members.tests.factories import UserFactory
from proposals import services
from proposals.models import Membership, Proposal
from proposals.tests.factories import add_member, make_proposal

pytestmark = pytest.mark.django_db


def _ask(api, proposal, **fields):
    payload = {"role": "designer", "availability": "週末に2時間", "message": "ぜひ!", **fields}
    return api.post(f"/proposals/{proposal.pk}/join-requests", payload)


def test_a_member_asks_to_join(as_member):
    proposal = make_proposal()
    api = as_member()

    response = _ask(api, proposal)

    assert response.status_code == 201
    data = response.json()
    assert (data["status"], data["role"], data["person"]["id"]) == (
        "requested",
        "designer",
        api.user.pk,
    )
    assert Membership.objects.get(pk=data["id"]).availability == "週末に2時間"


def test_asking_twice_is_a_409(as_member):
    proposal = make_proposal()
    api = as_member()
    _ask(api, proposal)

    response = _ask(api, proposal)

    assert response.status_code == 409
    assert "already asked" in response.json()["message"]
    assert Membership.objects.filter(proposal=proposal).count() == 2


def test_the_proposer_cannot_ask_to_join_their_own(as_member):
    proposal = make_proposal()

    assert _ask(as_member(proposal.proposer), proposal).status_code == 409


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"role": ""}, "role"),
        ({"role": "   "}, "role"),
        ({"role": "x" * 61}, "role"),
        ({"role": 7}, "role"),
        ({"availability": "x" * 201}, "availability"),
        ({"message": "x" * 2001}, "message"),
        ({"role": "proposer"}, "role"),
    ],
)
def test_bad_join_requests_are_a_400_and_save_nothing(as_member, fields, field):
    proposal = make_proposal()

    response = _ask(as_member(), proposal, **fields)

    assert response.status_code == 400
    assert field in response.json()["details"]
    assert Membership.objects.filter(proposal=proposal).count() == 1


def test_the_proposer_accepts_with_a_kind_default_answer(as_member):
    proposal = make_proposal()
    request = services.membership_request(proposal=proposal, user=UserFactory(), role="designer")

    response = as_member(proposal.proposer).post(f"/join-requests/{request.pk}/accept")

    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "accepted"
    assert "Welcome" in data["response"]
    assert Proposal.objects.get(pk=proposal.pk).member_count == 2


def test_the_proposer_declines_with_their_own_words(as_member):
    proposal = make_proposal()
    request = services.membership_request(proposal=proposal, user=UserFactory(), role="designer")

    response = as_member(proposal.proposer).post(
        f"/join-requests/{request.pk}/decline", {"response": "今回は見送ります、ありがとう"}
    )

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["response"]) == (
        "declined",
        "今回は見送ります、ありがとう",
    )


@pytest.mark.parametrize("action", ["accept", "decline"])
@pytest.mark.parametrize("who", ["requester", "team_member", "other_member", "other_proposer"])
def test_only_the_proposer_or_a_moderator_answers(as_member, action, who):
    proposal = make_proposal()
    requester = UserFactory()
    request = services.membership_request(proposal=proposal, user=requester, role="designer")
    user = {
        "requester": lambda: requester,
        "team_member": lambda: add_member(proposal).user,
        "other_member": UserFactory,
        # proposes something else: their rights end at their own proposal
        "other_proposer": lambda: make_proposal().proposer,
    }[who]()

    response = as_member(user).post(f"/join-requests/{request.pk}/{action}")

    assert response.status_code == 403
    assert response.json()["message"]
    assert Membership.objects.get(pk=request.pk).status == "requested"


def test_a_moderator_answers(as_member):
    proposal = make_proposal()
    request = services.membership_request(proposal=proposal, user=UserFactory(), role="designer")

    response = as_member(UserFactory(moderator=True)).post(f"/join-requests/{request.pk}/accept")

    assert response.status_code == 200


def test_answering_twice_is_a_409(as_member):
    proposal = make_proposal()
    request = services.membership_request(proposal=proposal, user=UserFactory(), role="designer")
    api = as_member(proposal.proposer)
    api.post(f"/join-requests/{request.pk}/accept")

    response = api.post(f"/join-requests/{request.pk}/decline")

    assert response.status_code == 409
    assert Membership.objects.get(pk=request.pk).status == "accepted"


@pytest.mark.parametrize("bad_id", ["424242", "abc", "0"])
def test_unknown_join_requests(as_member, bad_id):
    response = as_member().post(f"/join-requests/{bad_id}/accept")

    assert response.status_code == (404 if bad_id == "424242" else 400)


def test_a_bad_answer_is_a_400(as_member):
    proposal = make_proposal()
    request = services.membership_request(proposal=proposal, user=UserFactory(), role="designer")

    response = as_member(proposal.proposer).post(
        f"/join-requests/{request.pk}/decline", {"response": 12}
    )

    assert response.status_code == 400
    assert Membership.objects.get(pk=request.pk).status == "requested"


def test_a_member_leaves(as_member):
    proposal = make_proposal()
    member = add_member(proposal).user

    response = as_member(member).post(f"/proposals/{proposal.pk}/leave")

    assert response.status_code == 200
    assert response.json()["status"] == "left"
    assert Proposal.objects.get(pk=proposal.pk).member_count == 1


def test_leaving_withdraws_a_pending_request(as_member):
    proposal = make_proposal()
    api = as_member()
    _ask(api, proposal)

    assert api.post(f"/proposals/{proposal.pk}/leave").json()["status"] == "withdrawn"


@pytest.mark.parametrize("who", ["proposer", "stranger"])
def test_who_cannot_leave(as_member, who):
    proposal = make_proposal()
    user = proposal.proposer if who == "proposer" else UserFactory()

    response = as_member(user).post(f"/proposals/{proposal.pk}/leave")

    assert response.status_code == 409
    assert response.json()["message"]
