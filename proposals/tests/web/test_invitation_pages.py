"""Invitations on the web (issue 13): invite from the suggestions, answer from the invitation's
page (where the email's link lands, signed in), find it on one's own profile."""

import pytest
from django.urls import reverse

from members.models import ProfileVisibility
from members.tests.factories import UserFactory
from proposals import services
from proposals.choices import MembershipStatus
from proposals.models import Invitation, InvitationStatus, Membership
from proposals.tests.factories import make_proposal

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposal():
    return make_proposal(
        title="子ども食堂", tags=["福祉"], roles=("デザイン",), status="team_forming"
    )


@pytest.fixture
def helper():
    return UserFactory(username="helper", interests=["福祉"], skills="デザイン")


def test_the_proposer_invites_a_suggested_person_from_the_page(client, proposal, helper):
    client.force_login(proposal.proposer)
    page = client.get(proposal.get_absolute_url()).content.decode()
    assert reverse("proposals:invite", args=[proposal.pk]) in page
    response = client.post(
        reverse("proposals:invite", args=[proposal.pk]),
        {"invitee": helper.pk, "role": "デザイン", "message": "一緒にどうですか"},
    )
    assert response.status_code == 302
    invitation = Invitation.objects.get(invitee=helper)
    assert (invitation.role, invitation.message) == ("デザイン", "一緒にどうですか")
    # Once invited they are no longer suggested.
    assert "helper" not in client.get(proposal.get_absolute_url()).content.decode()


@pytest.mark.parametrize(
    "data",
    [
        {"invitee": "abc", "role": "デザイン"},
        {"invitee": "999999", "role": "デザイン"},
        {"role": "デザイン"},
        {"invitee": "HELPER", "role": "社長"},
        {"invitee": "HELPER", "role": ""},
        {"invitee": "HELPER", "role": "デザイン", "message": "a\x00b"},
    ],
)
def test_bad_invitations_are_refused_with_words_never_an_error(client, proposal, helper, data):
    client.force_login(proposal.proposer)
    data = {key: str(helper.pk) if value == "HELPER" else value for key, value in data.items()}
    response = client.post(reverse("proposals:invite", args=[proposal.pk]), data, follow=True)
    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]]
    assert not Invitation.objects.exists()


def test_others_cannot_invite_nor_invite_a_team_only_member(client, proposal, helper):
    client.force_login(UserFactory())
    url = reverse("proposals:invite", args=[proposal.pk])
    assert client.post(url, {"invitee": helper.pk, "role": "デザイン"}).status_code == 403
    hidden = UserFactory(profile_visibility=ProfileVisibility.TEAM)
    client.force_login(proposal.proposer)
    client.post(url, {"invitee": hidden.pk, "role": "デザイン"})
    assert not Invitation.objects.exists()


def invite(proposal, helper):
    return services.invitation_create(
        proposal=proposal, invitee=helper, role="デザイン", by=proposal.proposer, message="ぜひ"
    )


def test_the_invitee_finds_it_on_their_profile_and_joins(client, proposal, helper):
    invitation = invite(proposal, helper)
    client.force_login(helper)
    profile = client.get(reverse("members:profile", args=["helper"])).content.decode()
    page_url = reverse("proposals:invitation", args=[invitation.pk])
    assert page_url in profile
    page = client.get(page_url).content.decode()
    assert "ぜひ" in page and "子ども食堂" in page
    response = client.post(reverse("proposals:invitation_accept", args=[invitation.pk]))
    assert response.status_code == 302
    assert response["Location"] == proposal.get_absolute_url()
    membership = Membership.objects.get(proposal=proposal, user=helper)
    assert (membership.status, membership.role) == (MembershipStatus.ACCEPTED, "デザイン")
    # A second click (another tab) says it is answered, and changes nothing.
    again = client.post(reverse("proposals:invitation_accept", args=[invitation.pk]), follow=True)
    assert again.status_code == 200
    assert Membership.objects.filter(proposal=proposal, user=helper).count() == 1


def test_not_now_from_the_page(client, proposal, helper):
    invitation = invite(proposal, helper)
    client.force_login(helper)
    client.post(reverse("proposals:invitation_decline", args=[invitation.pk]))
    assert Invitation.objects.get(pk=invitation.pk).status == InvitationStatus.DECLINED
    assert not Membership.objects.filter(proposal=proposal, user=helper).exists()


def test_the_email_link_asks_to_sign_in_first_and_is_nobody_elses(client, proposal, helper):
    invitation = invite(proposal, helper)
    url = reverse("proposals:invitation", args=[invitation.pk])
    response = client.get(url)
    assert response.status_code == 302 and reverse("account_login") in response["Location"]
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    assert (
        client.post(reverse("proposals:invitation_accept", args=[invitation.pk])).status_code == 404
    )
    assert Invitation.objects.get(pk=invitation.pk).status == InvitationStatus.OPEN
