"""The lifecycle table (ARCHITECTURE §2): every state × transition × kind of person, guards included."""

import itertools

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError

from members.tests.factories import UserFactory
from proposals import selectors, services
from proposals.choices import Status
from proposals.errors import ActionConflict, ActionNotPermitted
from proposals.lifecycle import TRANSITIONS
from proposals.models import Proposal, TransitionLog
from proposals.tests.factories import add_member, make_proposal

pytestmark = pytest.mark.django_db

STEERS = {"proposer", "moderator"}
KINDS = ("proposer", "team_member", "other_member", "moderator", "anonymous")

# The table, written out by hand so that a change to the code cannot silently change it.
EXPECTED_TARGETS = {
    Status.IDEA: {Status.DISCUSSION, Status.ARCHIVED},
    Status.DISCUSSION: {Status.TEAM_FORMING, Status.ARCHIVED},
    Status.TEAM_FORMING: {Status.RUNNING, Status.DISCUSSION, Status.ARCHIVED},
    Status.RUNNING: {Status.DONE, Status.TEAM_FORMING, Status.ARCHIVED},
    Status.DONE: set(),
    Status.ARCHIVED: {Status.IDEA},
}


def _setup(status: str):
    proposal = make_proposal()
    team_member = add_member(proposal).user
    Proposal.objects.filter(pk=proposal.pk).update(status=status)
    people = {
        "proposer": proposal.proposer,
        "team_member": team_member,
        "other_member": UserFactory(),
        "moderator": UserFactory(moderator=True),
        "anonymous": AnonymousUser(),
    }
    return Proposal.objects.get(pk=proposal.pk), people


@pytest.mark.parametrize(
    ("status", "target", "kind"),
    list(itertools.product(Status.values, Status.values, KINDS)),
)
def test_transition_table(status, target, kind):
    proposal, people = _setup(status)
    note = "続けるのが難しくなったので、いったんお休みします。"
    allowed_move = target in EXPECTED_TARGETS[status]

    if kind in STEERS and allowed_move:
        moved = services.proposal_transition(
            proposal=proposal, to=target, by=people[kind], note=note
        )
        assert moved.status == target
        assert Proposal.objects.get(pk=proposal.pk).status == target
        log = TransitionLog.objects.get(proposal=proposal)
        assert (log.from_status, log.to_status, log.actor) == (status, target, people[kind])
        return

    expected = ActionNotPermitted if kind not in STEERS else ActionConflict
    with pytest.raises(expected):
        services.proposal_transition(proposal=proposal, to=target, by=people[kind], note=note)
    assert Proposal.objects.get(pk=proposal.pk).status == status
    assert not TransitionLog.objects.filter(proposal=proposal).exists()


def test_the_code_table_matches_the_architecture():
    targets = {status: set() for status in Status.values}
    for spec in TRANSITIONS:
        for source in spec.sources:
            targets[source].add(spec.target)
    assert targets == EXPECTED_TARGETS


@pytest.mark.parametrize("kind", KINDS)
def test_available_transitions_per_viewer(kind):
    proposal, people = _setup(Status.TEAM_FORMING)
    proposal = selectors.proposal_detail(pk=proposal.pk)
    options = selectors.transition_options(proposal=proposal, user=people[kind])
    expected = EXPECTED_TARGETS[Status.TEAM_FORMING] if kind in STEERS else set()
    assert {option.target for option in options} == expected


def test_team_forming_needs_roles_wanted():
    proposal = make_proposal(status=Status.DISCUSSION, roles=())
    with pytest.raises(ActionConflict, match="roles"):
        services.proposal_transition(
            proposal=proposal, to=Status.TEAM_FORMING, by=proposal.proposer
        )
    services.proposal_update(
        proposal=proposal, by=proposal.proposer, roles=[services.RoleInput("writer")]
    )
    moved = services.proposal_transition(
        proposal=proposal, to=Status.TEAM_FORMING, by=proposal.proposer
    )
    assert moved.status == Status.TEAM_FORMING


def test_launch_needs_min_team_size_counting_the_proposer(settings):
    settings.MIN_TEAM_SIZE = 3
    proposal = make_proposal(status=Status.TEAM_FORMING)
    add_member(proposal)
    with pytest.raises(ActionConflict, match="at least 3"):
        services.proposal_transition(proposal=proposal, to=Status.RUNNING, by=proposal.proposer)
    add_member(proposal)
    proposal.refresh_from_db()
    moved = services.proposal_transition(proposal=proposal, to=Status.RUNNING, by=proposal.proposer)
    assert moved.status == Status.RUNNING


def test_a_member_leaving_counts_against_the_launch_guard():
    proposal = make_proposal(status=Status.TEAM_FORMING)
    member = add_member(proposal).user
    services.membership_leave(proposal=proposal, user=member)
    proposal.refresh_from_db()
    with pytest.raises(ActionConflict):
        services.proposal_transition(proposal=proposal, to=Status.RUNNING, by=proposal.proposer)


@pytest.mark.parametrize(("status", "target"), [("running", "done"), ("idea", "archived")])
def test_complete_and_archive_need_a_note(status, target):
    proposal = make_proposal(status=status)
    with pytest.raises(ValidationError) as error:
        services.proposal_transition(proposal=proposal, to=target, by=proposal.proposer, note=" ")
    assert "note" in error.value.message_dict
    moved = services.proposal_transition(
        proposal=proposal, to=target, by=proposal.proposer, note="学んだこと: 小さく始める"
    )
    assert moved.status == target
    assert "小さく始める" in (moved.outcome_note or moved.archive_reason)


def test_unknown_state_is_a_validation_error():
    proposal = make_proposal()
    with pytest.raises(ValidationError):
        services.proposal_transition(proposal=proposal, to="launched", by=proposal.proposer)


def test_stale_view_gets_a_conflict_not_a_second_move():
    proposal = make_proposal()
    stale = Proposal.objects.get(pk=proposal.pk)
    services.proposal_transition(proposal=proposal, to=Status.DISCUSSION, by=proposal.proposer)
    with pytest.raises(ActionConflict, match="Someone else"):
        services.proposal_transition(
            proposal=stale, to=Status.ARCHIVED, by=proposal.proposer, note="また今度"
        )
    assert TransitionLog.objects.filter(proposal=proposal).count() == 1


def test_status_field_is_protected():
    proposal = make_proposal()
    with pytest.raises(AttributeError):
        proposal.status = Status.DONE


def test_time_in_state_comes_from_the_log():
    proposal = make_proposal()
    services.proposal_transition(proposal=proposal, to=Status.DISCUSSION, by=proposal.proposer)
    detail = selectors.proposal_detail(pk=proposal.pk)
    spent = selectors.time_in_state(proposal=detail)
    assert set(spent) == {Status.IDEA, Status.DISCUSSION}
    assert all(duration.total_seconds() >= 0 for duration in spent.values())
