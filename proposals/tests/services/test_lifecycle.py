"""The lifecycle table (ARCHITECTURE §2): every state × transition × kind of person, guards included.

The expected table is written out by hand below, so a change to `proposals.lifecycle` that is not
also a decision here fails. Each case goes through the real service and asks the FSM the same
question, so the two can never disagree.
"""

import itertools
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from django_fsm import can_proceed, has_transition_perm

from members.tests.factories import UserFactory
from proposals import lifecycle, permissions, selectors, services
from proposals.choices import Status
from proposals.errors import ActionConflict, ActionNotPermitted
from proposals.lifecycle import TRANSITIONS
from proposals.models import Proposal, TransitionLog
from proposals.tests.factories import add_member, make_proposal

pytestmark = pytest.mark.django_db

STEERS = {"proposer", "moderator"}
KINDS = ("proposer", "team_member", "other_member", "moderator", "anonymous")
MIN_TEAM = 3  # so that a team below the minimum still has a team member besides the proposer
NOTE = "続けるのが難しくなったので、いったんお休みします。"
OLD_REASON = "前回お休みしたときの理由"


@dataclass(frozen=True)
class Row:
    sources: tuple[str, ...]
    target: str
    guard: str = ""  # "roles": needs roles wanted; "team": needs MIN_TEAM_SIZE members
    note: str = ""  # the field the note is kept in, when a note is required


ACTIVE = (Status.IDEA, Status.DISCUSSION, Status.TEAM_FORMING, Status.RUNNING)
EXPECTED = {
    "open_discussion": Row((Status.IDEA,), Status.DISCUSSION),
    "start_team_forming": Row((Status.DISCUSSION,), Status.TEAM_FORMING, guard="roles"),
    "launch": Row((Status.TEAM_FORMING,), Status.RUNNING, guard="team"),
    "complete": Row((Status.RUNNING,), Status.DONE, note="outcome_note"),
    "back_to_discussion": Row((Status.TEAM_FORMING,), Status.DISCUSSION),
    "recruit_more": Row((Status.RUNNING,), Status.TEAM_FORMING),
    "archive": Row(ACTIVE, Status.ARCHIVED, note="archive_reason"),
    "reopen": Row((Status.ARCHIVED,), Status.IDEA),
}
EXPECTED_TARGETS = {
    status: {row.target for row in EXPECTED.values() if status in row.sources}
    for status in Status.values
}
# ready: roles wanted and a team at the minimum; each other situation fails exactly one guard.
SITUATIONS = {"ready": "", "no_roles": "roles", "small_team": "team"}


def _setup(status: str, situation: str):
    proposal = make_proposal(roles=() if situation == "no_roles" else ("designer",))
    team_member = add_member(proposal).user
    if situation != "small_team":
        add_member(proposal)
    Proposal.objects.filter(pk=proposal.pk).update(
        status=status, archive_reason=OLD_REASON if status == Status.ARCHIVED else ""
    )
    people = {
        "proposer": proposal.proposer,
        "team_member": team_member,
        "other_member": UserFactory(),
        "moderator": UserFactory(moderator=True),
        "anonymous": AnonymousUser(),
    }
    return Proposal.objects.get(pk=proposal.pk), people


def _blocked(row: Row, situation: str) -> bool:
    return bool(row.guard) and row.guard == SITUATIONS[situation]


def _row_from(status: str, target: str) -> tuple[str, Row] | tuple[None, None]:
    for name, row in EXPECTED.items():
        if status in row.sources and row.target == target:
            return name, row
    return None, None


def test_the_code_table_is_the_expected_table():
    code = {spec.name: (set(spec.sources), spec.target, spec.note_required) for spec in TRANSITIONS}
    expected = {
        name: (set(row.sources), row.target, bool(row.note)) for name, row in EXPECTED.items()
    }
    assert code == expected
    assert list(lifecycle.BY_NAME) == list(EXPECTED)
    assert all(spec.who is permissions.can_steer for spec in TRANSITIONS)


def _cases():
    """Every (state, transition, kind of person); each guard's situations where a guard is involved
    (the named transition's, or that of the move the service makes towards its target)."""
    for status, name in itertools.product(Status.values, EXPECTED):
        _move_name, move = _row_from(status, EXPECTED[name].target)
        guarded = EXPECTED[name].guard or (move and move.guard)
        for kind, situation in itertools.product(KINDS, SITUATIONS if guarded else ["ready"]):
            yield status, name, kind, situation


@pytest.mark.parametrize(("status", "name", "kind", "situation"), list(_cases()))
def test_transition_table(settings, status, name, kind, situation):
    settings.MIN_TEAM_SIZE = MIN_TEAM
    proposal, people = _setup(status, situation)
    person = people[kind]
    row = EXPECTED[name]
    from_here = status in row.sources
    guard_passes = not _blocked(row, situation)

    # The FSM's own view of this transition is the table's.
    method = getattr(proposal, name)
    assert can_proceed(method) is (from_here and guard_passes)
    assert has_transition_perm(method, person) is (from_here and guard_passes and kind in STEERS)
    available = {t.name for t in proposal.get_available_status_transitions()}
    assert (name in available) is (from_here and guard_passes)
    for_person = {t.name for t in proposal.get_available_user_status_transitions(person)}
    assert (name in for_person) is (from_here and guard_passes and kind in STEERS)

    # So do the table's own helpers, which pages, the board, the API and Slack read.
    spec = lifecycle.BY_NAME[name]
    if from_here:
        assert (lifecycle.guard_failure(proposal, spec) is None) is guard_passes
    move_name, move = _row_from(status, row.target)
    can_move = kind in STEERS and move is not None and not _blocked(move, situation)
    assert (row.target in lifecycle.allowed_targets(proposal, person)) is can_move

    # The service, asked for this transition's target from here.
    if can_move:
        moved = services.proposal_transition(proposal=proposal, to=row.target, by=person, note=NOTE)
        stored = Proposal.objects.get(pk=proposal.pk)
        assert moved.status == stored.status == row.target
        log = TransitionLog.objects.get(proposal=proposal)
        assert (log.name, log.from_status, log.to_status, log.actor) == (
            move_name,
            status,
            row.target,
            person,
        )
        if move.note:
            assert getattr(stored, move.note) == NOTE
        if move_name == "reopen":
            assert stored.archive_reason == ""
        return

    if kind not in STEERS:
        error, words = ActionNotPermitted, "Only the proposer or a moderator"
    elif move is None:
        error, words = ActionConflict, "can't go from"
    elif move.guard == "roles":
        error, words = ActionConflict, "which roles you are looking for"
    else:
        error, words = ActionConflict, f"at least {MIN_TEAM} members"
    with pytest.raises(error, match=words):
        services.proposal_transition(proposal=proposal, to=row.target, by=person, note=NOTE)
    stored = Proposal.objects.get(pk=proposal.pk)
    assert stored.status == status
    assert stored.archive_reason == (OLD_REASON if status == Status.ARCHIVED else "")
    assert stored.outcome_note == ""
    assert not TransitionLog.objects.filter(proposal=proposal).exists()


NOTE_MOVES = [
    (status, name) for name, row in EXPECTED.items() if row.note for status in row.sources
]


@pytest.mark.parametrize(
    ("status", "name", "kind"),
    [(status, name, kind) for status, name in NOTE_MOVES for kind in KINDS],
)
def test_a_move_that_needs_a_note_without_one(status, name, kind):
    proposal, people = _setup(status, "ready")
    row = EXPECTED[name]

    error = ValidationError if kind in STEERS else ActionNotPermitted
    with pytest.raises(error) as raised:
        services.proposal_transition(proposal=proposal, to=row.target, by=people[kind], note="  ")

    if kind in STEERS:
        assert "note" in raised.value.message_dict
    assert Proposal.objects.get(pk=proposal.pk).status == status
    assert not TransitionLog.objects.exists()


def test_a_blocked_move_links_to_where_it_can_be_unblocked(client):
    no_roles = make_proposal(status=Status.DISCUSSION, roles=())
    small_team = make_proposal(status=Status.TEAM_FORMING)
    start, launch = lifecycle.BY_NAME["start_team_forming"], lifecycle.BY_NAME["launch"]

    edit = reverse("proposals:edit", args=[no_roles.pk])
    assert lifecycle.guard_fix(no_roles, start) == ("Add the roles you are looking for", edit)
    team = reverse("proposals:detail", args=[small_team.pk]) + "#team"
    assert lifecycle.guard_fix(small_team, launch) == ("Invite people to the team", team)

    # Each link leads the proposer to a page where the fix can be made.
    client.force_login(no_roles.proposer)
    assert client.get(edit).status_code == 200
    client.force_login(small_team.proposer)
    assert 'id="team"' in client.get(team.removesuffix("#team")).content.decode()


def test_an_open_move_has_nothing_to_fix():
    proposal = make_proposal(status=Status.DISCUSSION)
    add_member(proposal)
    assert lifecycle.guard_fix(proposal, lifecycle.BY_NAME["start_team_forming"]) is None
    assert lifecycle.guard_fix(proposal, lifecycle.BY_NAME["archive"]) is None


def test_blocked_messages_are_translated():
    proposal = make_proposal(status=Status.TEAM_FORMING)
    with translation.override("ja"):
        reason = lifecycle.guard_failure(proposal, lifecycle.BY_NAME["launch"])
    assert "2人以上の仲間が必要です" in reason


@pytest.mark.parametrize("kind", KINDS)
def test_available_transitions_per_viewer(kind):
    proposal, people = _setup(Status.TEAM_FORMING, "ready")
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
