import pytest
from django.core.exceptions import ValidationError

from members.tests.factories import UserFactory
from proposals import selectors, services
from proposals.choices import MembershipStatus, Status
from proposals.errors import ActionConflict, ActionNotPermitted
from proposals.models import Membership
from proposals.tests.factories import add_member, make_proposal

pytestmark = pytest.mark.django_db


def test_request_accept_and_open_roles_shrink():
    proposal = make_proposal(roles=("designer",))  # two designers wanted
    request = services.membership_request(
        proposal=proposal, user=UserFactory(), role="designer", availability="週末2h"
    )
    assert request.status == MembershipStatus.REQUESTED
    accepted = services.membership_accept(membership=request, by=proposal.proposer)
    assert accepted.status == MembershipStatus.ACCEPTED
    assert "Welcome" in accepted.response
    detail = selectors.proposal_detail(pk=proposal.pk)
    assert detail.member_count == 2
    [designer] = selectors.open_roles(detail)
    assert (designer.wanted, designer.filled, designer.open) == (2, 1, 1)


def test_decline_uses_kind_default_wording():
    proposal = make_proposal()
    request = services.membership_request(proposal=proposal, user=UserFactory(), role="writer")
    declined = services.membership_decline(membership=request, by=proposal.proposer)
    assert declined.status == MembershipStatus.DECLINED
    assert "Thank you" in declined.response
    proposal.refresh_from_db()
    assert proposal.member_count == 1


def test_only_the_proposer_or_a_moderator_decides():
    proposal = make_proposal()
    other_proposal = make_proposal()
    request = services.membership_request(proposal=proposal, user=UserFactory(), role="writer")
    for outsider in (UserFactory(), request.user, other_proposal.proposer):
        with pytest.raises(ActionNotPermitted):
            services.membership_accept(membership=request, by=outsider)
    assert Membership.objects.get(pk=request.pk).status == MembershipStatus.REQUESTED
    moderator = UserFactory(moderator=True)
    assert services.membership_accept(membership=request, by=moderator).status == "accepted"


def test_a_request_is_answered_once():
    proposal = make_proposal()
    request = services.membership_request(proposal=proposal, user=UserFactory(), role="writer")
    services.membership_accept(membership=request, by=proposal.proposer)
    with pytest.raises(ActionConflict):
        services.membership_decline(membership=request, by=proposal.proposer)


def test_asking_twice_or_as_proposer_is_refused_kindly():
    proposal = make_proposal()
    user = UserFactory()
    services.membership_request(proposal=proposal, user=user, role="writer")
    with pytest.raises(ActionConflict, match="already asked"):
        services.membership_request(proposal=proposal, user=user, role="writer")
    with pytest.raises(ActionConflict):
        services.membership_request(proposal=proposal, user=proposal.proposer, role="writer")
    with pytest.raises(ValidationError):
        services.membership_request(proposal=proposal, user=UserFactory(), role=" ")


@pytest.mark.parametrize("status", [Status.DONE, Status.ARCHIVED])
def test_closed_proposals_take_no_requests(status):
    proposal = make_proposal(status=status)
    with pytest.raises(ActionConflict):
        services.membership_request(proposal=proposal, user=UserFactory(), role="writer")


def test_leaving_is_normal_and_can_rejoin_later():
    proposal = make_proposal()
    member = add_member(proposal).user
    left = services.membership_leave(proposal=proposal, user=member)
    assert left.status == MembershipStatus.LEFT
    proposal.refresh_from_db()
    assert proposal.member_count == 1
    again = services.membership_request(proposal=proposal, user=member, role="designer")
    assert again.pk == left.pk
    assert again.status == MembershipStatus.REQUESTED


def test_withdrawing_a_request_and_the_proposer_cannot_leave():
    proposal = make_proposal()
    user = UserFactory()
    services.membership_request(proposal=proposal, user=user, role="writer")
    assert services.membership_leave(proposal=proposal, user=user).status == "withdrawn"
    with pytest.raises(ActionConflict):
        services.membership_leave(proposal=proposal, user=proposal.proposer)
    with pytest.raises(ActionConflict):
        services.membership_leave(proposal=proposal, user=UserFactory())
