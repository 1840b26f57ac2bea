"""A join request through the API may say for how long (issue 13): a day, or about 1, 3 or 6
months; a day that cannot be is a 400 naming the field; the proposal lists who helped."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from members.tests.factories import UserFactory
from proposals import services
from proposals.models import Membership
from proposals.tests.factories import make_proposal

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    moment = datetime(2031, 3, 10, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
    with time_machine.travel(moment, tick=False):
        yield


def _ask(api, proposal, **fields):
    return api.post(f"/proposals/{proposal.pk}/join-requests", {"role": "designer", **fields})


@pytest.mark.parametrize(
    ("fields", "until"),
    [
        ({}, None),
        ({"until": None}, None),
        ({"until": "2031-05-05"}, "2031-05-05"),
        ({"until_months": 3}, "2031-06-10"),
    ],
)
def test_a_join_request_keeps_the_end_it_was_given(as_member, fields, until):
    proposal = make_proposal()
    response = _ask(as_member(), proposal, **fields)
    assert response.status_code == 201
    assert response.json()["until"] == until
    stored = Membership.objects.get(pk=response.json()["id"]).until
    assert (stored.isoformat() if stored else None) == until


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"until": "2031-03-10"}, "until", "Please choose a day after today."),
        ({"until": "2099-01-01"}, "until", "within the next two years"),
        ({"until": "next spring"}, "until", "Expected a date, e.g. 2030-04-30."),
        ({"until": "2031-02-30"}, "until", "Expected a date"),
        ({"until_months": 2}, "until_months", "Expected one of: 1, 3 or 6."),
        ({"until": "2031-05-05", "until_months": 1}, "__all__", "either until or until_months"),
    ],
)
def test_an_end_that_cannot_be_is_a_400_naming_the_field(as_member, fields, field, words):
    proposal = make_proposal()
    api = as_member()
    response = _ask(api, proposal, **fields)
    assert response.status_code == 400
    assert words in " ".join(response.json()["details"][field])
    assert not Membership.objects.filter(user=api.user).exists()


def test_the_proposal_lists_who_finished_with_thanks_apart_from_the_team(as_member):
    proposal = make_proposal(status="team_forming")
    person = UserFactory(display_name="ひかり")
    request = services.membership_request(
        proposal=proposal, user=person, role="designer", until=date(2031, 6, 1)
    )
    membership = services.membership_accept(membership=request, by=proposal.proposer)
    services.commitment_finish(membership=membership, by=person)

    data = as_member().get(f"/proposals/{proposal.pk}").json()
    assert [m["person"]["id"] for m in data["members"]] == [proposal.proposer_id]
    assert [(m["person"]["display_name"], m["role"]) for m in data["helped"]] == [
        ("ひかり", "designer")
    ]
    assert data["member_count"] == 1
