"""Invitations (issue 13): invite to a role, accept (join with it), "not now", expiry; each step
reaches the right person through the outbox."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from members import suggestions
from members.tests.factories import UserFactory
from proposals import services
from proposals.choices import MembershipStatus, Status
from proposals.errors import ActionConflict, ActionNotPermitted
from proposals.models import Invitation, InvitationStatus, Membership, Proposal
from proposals.tests.factories import add_member, make_proposal
from workers.events import EventKind, InvitationEventKind
from workers.models import Delivery
from workers.selectors import notification_path

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposal():
    return make_proposal(tags=["福祉"], roles=("デザイン",), status="team_forming")


@pytest.fixture
def invitee():
    return UserFactory(display_name="ひかり", interests=["福祉"], skills="デザイン")


def invite(proposal, invitee, **extra):
    return services.invitation_create(
        proposal=proposal,
        invitee=invitee,
        role=extra.pop("role", "デザイン"),
        by=extra.pop("by", proposal.proposer),
        message=extra.pop("message", "デザインを手伝ってもらえたら嬉しいです"),
    )


def heard(kind: str) -> set[int]:
    """Who got an in-app notification of this kind."""
    return set(
        Delivery.objects.filter(event__kind=kind, channel="inapp").values_list(
            "recipient_id", flat=True
        )
    )


def test_an_invitation_waits_14_days_and_reaches_the_invitee(proposal, invitee):
    invitation = invite(proposal, invitee)
    assert invitation.status == InvitationStatus.OPEN
    assert invitation.invited_by == proposal.proposer
    assert invitation.expires_at - invitation.created_at == timedelta(days=14)
    assert heard(InvitationEventKind.INVITED) == {invitee.pk}
    email = Delivery.objects.get(event__kind=InvitationEventKind.INVITED, channel="email")
    assert email.recipient_id == invitee.pk
    event = email.event
    assert event.proposal_id == proposal.pk  # the proposal's history has it
    link = notification_path(kind=event.kind, proposal_id=event.proposal_id, payload=event.payload)
    assert link == f"/invitations/{invitation.pk}/"  # where the invitee answers it


def test_the_setting_changes_how_long_it_waits(proposal, invitee, settings):
    settings.INVITATION_DAYS = 3
    invitation = invite(proposal, invitee)
    assert invitation.expires_at - invitation.created_at == timedelta(days=3)


def test_accepting_joins_with_the_role_and_counts_for_the_launch(proposal, invitee):
    invitation = invite(proposal, invitee)
    membership = services.invitation_accept(invitation=invitation, by=invitee)
    assert (membership.status, membership.role) == (MembershipStatus.ACCEPTED, "デザイン")
    assert Invitation.objects.get(pk=invitation.pk).status == InvitationStatus.ACCEPTED
    proposal.refresh_from_db()
    assert proposal.member_count == 2
    # The team of two may start now (MIN_TEAM_SIZE is 2, the proposer included).
    moved = services.proposal_transition(proposal=proposal, to=Status.RUNNING, by=proposal.proposer)
    assert moved.status == Status.RUNNING
    assert proposal.proposer_id in heard(EventKind.JOIN_ACCEPTED)
    assert invitee.pk not in heard(EventKind.JOIN_ACCEPTED)


def test_accepting_after_a_withdrawn_request_reuses_the_row(proposal, invitee):
    services.membership_request(proposal=proposal, user=invitee, role="デザイン")
    services.membership_leave(proposal=proposal, user=invitee)
    membership = services.invitation_accept(invitation=invite(proposal, invitee), by=invitee)
    assert Membership.objects.filter(proposal=proposal, user=invitee).count() == 1
    assert membership.status == MembershipStatus.ACCEPTED


def test_not_now_needs_no_reason_tells_the_proposer_and_is_respected(proposal, invitee):
    invitation = invite(proposal, invitee)
    declined = services.invitation_decline(invitation=invitation, by=invitee)
    assert declined.status == InvitationStatus.DECLINED
    assert heard(InvitationEventKind.DECLINED) == {proposal.proposer_id}
    assert not Membership.objects.filter(proposal=proposal, user=invitee).exists()
    # Not suggested again, not invited again; joining is still theirs to choose.
    assert invitee not in [s.member for s in suggestions.people_for_proposal(proposal=proposal)]
    with pytest.raises(ActionConflict, match="not now"):
        invite(proposal, invitee)
    services.membership_request(proposal=proposal, user=invitee, role="デザイン")


def test_an_invitation_is_answered_once(proposal, invitee):
    invitation = invite(proposal, invitee)
    services.invitation_decline(invitation=invitation, by=invitee)
    with pytest.raises(ActionConflict):
        services.invitation_accept(invitation=invitation, by=invitee)
    with pytest.raises(ActionConflict):
        services.invitation_decline(invitation=invitation, by=invitee)


def test_only_the_invitee_answers(proposal, invitee):
    invitation = invite(proposal, invitee)
    for someone in (UserFactory(), proposal.proposer):
        with pytest.raises(ActionNotPermitted):
            services.invitation_accept(invitation=invitation, by=someone)
        with pytest.raises(ActionNotPermitted):
            services.invitation_decline(invitation=invitation, by=someone)


def test_the_proposer_and_moderators_invite_nobody_else(proposal, invitee):
    with pytest.raises(ActionNotPermitted):
        invite(proposal, invitee, by=UserFactory())
    assert invite(proposal, invitee, by=UserFactory(moderator=True)).status == "open"


@pytest.mark.parametrize(
    ("setup", "error"),
    [
        ("twice", ActionConflict),
        ("on_team", ActionConflict),
        ("asked", ActionConflict),
        ("proposer", ActionConflict),
        ("inactive", ActionConflict),
        ("not_recruiting", ActionConflict),
        ("unknown_role", ValidationError),
        ("empty_role", ValidationError),
        ("nul", ValidationError),
        ("long_message", ValidationError),
    ],
)
def test_invitations_that_cannot_be_are_refused_kindly(proposal, invitee, setup, error):
    extra = {}
    if setup == "twice":
        invite(proposal, invitee)
    elif setup == "on_team":
        add_member(proposal, invitee, role="デザイン")
    elif setup == "asked":
        services.membership_request(proposal=proposal, user=invitee, role="デザイン")
    elif setup == "proposer":
        invitee = proposal.proposer
    elif setup == "inactive":
        invitee.is_active = False
        invitee.save()
    elif setup == "not_recruiting":
        Proposal.objects.filter(pk=proposal.pk).update(status="done")
        proposal.refresh_from_db()
    elif setup == "unknown_role":
        extra["role"] = "社長"
    elif setup == "empty_role":
        extra["role"] = "   "
    elif setup == "nul":
        extra["message"] = "a\x00b"
    elif setup == "long_message":
        extra["message"] = "あ" * 2001
    with pytest.raises(error):
        invite(proposal, invitee, **extra)
    assert Invitation.objects.filter(status="open").count() == (1 if setup == "twice" else 0)


def test_the_database_holds_one_open_invitation_per_person_and_proposal(proposal, invitee):
    first = invite(proposal, invitee)
    with pytest.raises(IntegrityError), transaction.atomic():
        Invitation.objects.create(
            proposal=proposal,
            invitee=invitee,
            role="デザイン",
            expires_at=first.expires_at,
        )
    # A closed one does not count: after "not now" or an end, history stays.
    Invitation.objects.filter(pk=first.pk).update(status=InvitationStatus.EXPIRED)
    invite(proposal, invitee)


def test_unanswered_invitations_expire_once_and_the_proposer_hears_it(proposal, invitee):
    invitation = invite(proposal, invitee)
    fresh = invite(proposal, UserFactory())
    later = invitation.expires_at + timedelta(seconds=1)
    assert services.invitations_expire(now=invitation.expires_at - timedelta(seconds=1)) == 0
    assert services.invitations_expire(now=later) == 1 + (fresh.expires_at <= later)
    assert services.invitations_expire(now=later) == 0
    assert Invitation.objects.get(pk=invitation.pk).status == InvitationStatus.EXPIRED
    assert heard(InvitationEventKind.EXPIRED) == {proposal.proposer_id}


def test_an_invitation_past_its_time_cannot_be_accepted_before_the_sweep(proposal, invitee):
    invitation = invite(proposal, invitee)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    with pytest.raises(ActionConflict, match="ended"):
        services.invitation_accept(invitation=invitation, by=invitee)
    assert not Membership.objects.filter(proposal=proposal, user=invitee).exists()


def test_a_member_who_turned_invitation_emails_off_hears_of_it_in_the_app_only(proposal):
    from workers.events import EmailMode
    from workers.models import EmailPreference

    invitee = UserFactory()
    EmailPreference.objects.create(
        user=invitee, kind=InvitationEventKind.INVITED, mode=EmailMode.OFF
    )
    invite(proposal, invitee)
    assert heard(InvitationEventKind.INVITED) == {invitee.pk}
    assert not Delivery.objects.filter(event__kind=InvitationEventKind.INVITED, channel="email")


def test_someone_who_chose_no_suggestions_is_not_invited_out_of_the_blue(proposal):
    quiet = UserFactory(open_to_suggestions=False, display_name="しずか")
    with pytest.raises(ActionConflict, match="would rather not be invited"):
        invite(proposal, quiet)
    assert not heard(InvitationEventKind.INVITED)
