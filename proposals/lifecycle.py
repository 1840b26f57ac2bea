"""The lifecycle (ARCHITECTURE §2): THE one table of transitions, and what is derived from it.

Each row says where a proposal may go from where, who may move it, what must be true first
(guards), the words a person sees, and what the move changes on the proposal. Everything else
reads this table: the FSM methods on `Proposal` (`ProposalLifecycle`, built below), the service
`proposals.services.proposal_transition`, the buttons, the board's drop targets, the API and Slack.
A rule change is one edit here.

This module imports no models (models import it); the proposal is only a type hint.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_fsm import transition

from incubator.links import pk_url

from . import permissions
from .choices import ACTIVE_STATUSES, Status

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from .models import Proposal


@dataclass(frozen=True)
class Blocked:
    """Why a move cannot happen yet, kindly put, and the link that fixes it (if there is a page)."""

    reason: str
    fix_label: str = ""
    fix_url: str = ""


Guard = Callable[["Proposal"], Blocked | None]
Who = Callable[[object, "Proposal"], bool]
OnApply = Callable[["Proposal", str], None]


# Guards: pure functions of the proposal (no writes), None when the move may happen.


def _page(proposal: Proposal, view: str, anchor: str = "") -> str:
    """The proposal's page where a person can fix what blocks; none for an unsaved proposal."""
    return pk_url(view)(proposal.pk) + anchor if proposal.pk else ""


def roles_are_named(proposal: Proposal) -> Blocked | None:
    """People can only offer to help once the proposal says how (reads the roles a page already
    loaded: `card_roles`, which the cards and the proposal page have, or a prefetch)."""
    loaded = getattr(proposal, "card_roles", None)
    if loaded if loaded is not None else list(proposal.roles_wanted.all()):
        return None
    return Blocked(
        reason=gettext("First say which roles you are looking for (edit the proposal)."),
        fix_label=gettext("Add the roles you are looking for"),
        fix_url=_page(proposal, "proposals:edit"),
    )


def team_is_big_enough(proposal: Proposal) -> Blocked | None:
    """At least MIN_TEAM_SIZE accepted members, the proposer included."""
    if proposal.member_count >= settings.MIN_TEAM_SIZE:
        return None
    return Blocked(
        reason=gettext(
            "A team needs at least %(minimum)d members, counting the proposer; it has %(count)d."
        )
        % {"minimum": settings.MIN_TEAM_SIZE, "count": proposal.member_count},
        fix_label=gettext("Invite people to the team"),
        fix_url=_page(proposal, "proposals:detail", "#team"),
    )


# What a move changes on the proposal besides its stage (only this row's own fields).


def record_outcome(proposal: Proposal, note: str) -> None:
    proposal.outcome_note = note


def record_pause_reason(proposal: Proposal, note: str) -> None:
    proposal.archive_reason = note


def clear_pause_reason(proposal: Proposal, note: str) -> None:
    proposal.archive_reason = ""


@dataclass(frozen=True)
class TransitionSpec:
    name: str
    sources: tuple[str, ...]
    target: str
    label: str | Promise
    note_required: bool = False
    note_label: str | Promise = ""
    # Who may make the move: a predicate (user, proposal) from proposals.permissions.
    who: Who = permissions.can_steer
    # Checked in order; the first that blocks is the one a person is told about.
    guards: tuple[Guard, ...] = ()
    on_apply: OnApply | None = None

    def permits(self, user, proposal: Proposal) -> bool:
        return bool(self.who(user, proposal))

    def blocked(self, proposal: Proposal) -> Blocked | None:
        for guard in self.guards:
            blocked = guard(proposal)
            if blocked is not None:
                return blocked
        return None


TRANSITIONS: tuple[TransitionSpec, ...] = (
    TransitionSpec(
        name="open_discussion",
        sources=(Status.IDEA,),
        target=Status.DISCUSSION,
        label=_("Open the discussion"),
    ),
    TransitionSpec(
        name="start_team_forming",
        sources=(Status.DISCUSSION,),
        target=Status.TEAM_FORMING,
        label=_("Start forming a team"),
        guards=(roles_are_named,),
    ),
    TransitionSpec(
        name="launch",
        sources=(Status.TEAM_FORMING,),
        target=Status.RUNNING,
        label=_("Launch"),
        guards=(team_is_big_enough,),
    ),
    TransitionSpec(
        name="complete",
        sources=(Status.RUNNING,),
        target=Status.DONE,
        label=_("Mark as done"),
        note_required=True,
        note_label=_("Outcome: what happened, what did you learn?"),
        on_apply=record_outcome,
    ),
    TransitionSpec(
        name="back_to_discussion",
        sources=(Status.TEAM_FORMING,),
        target=Status.DISCUSSION,
        label=_("Back to discussion"),
    ),
    TransitionSpec(
        name="recruit_more",
        sources=(Status.RUNNING,),
        target=Status.TEAM_FORMING,
        label=_("Recruit more people"),
    ),
    TransitionSpec(
        name="archive",
        sources=tuple(ACTIVE_STATUSES),
        target=Status.ARCHIVED,
        label=_("Pause (archive)"),
        note_required=True,
        note_label=_("Reason, in kind words (e.g. “not now, maybe later”)"),
        on_apply=record_pause_reason,
    ),
    TransitionSpec(
        name="reopen",
        sources=(Status.ARCHIVED,),
        target=Status.IDEA,
        label=_("Reopen"),
        on_apply=clear_pause_reason,
    ),
)

BY_NAME = {spec.name: spec for spec in TRANSITIONS}


def spec_for(source: str, target: str) -> TransitionSpec | None:
    """The transition that leads from source to target (at most one per pair, by design)."""
    for spec in TRANSITIONS:
        if source in spec.sources and spec.target == target:
            return spec
    return None


def targets_from(source: str) -> tuple[TransitionSpec, ...]:
    """The transitions out of `source`, in the table's order."""
    return _TARGETS.get(source, ())


# Looked up by stage (a board asks for every card's moves).
_TARGETS: dict[str, tuple[TransitionSpec, ...]] = {
    source: tuple(spec for spec in TRANSITIONS if source in spec.sources)
    for source in {source for spec in TRANSITIONS for source in spec.sources}
}


def guard_failure(proposal: Proposal, spec: TransitionSpec) -> str | None:
    """Why a permitted transition cannot happen yet, in words for a person; None when it can."""
    blocked = spec.blocked(proposal)
    return blocked.reason if blocked else None


def guard_fix(proposal: Proposal, spec: TransitionSpec) -> tuple[str, str] | None:
    """When a guard blocks: (link label, url) of the page where a person can unblock it."""
    blocked = spec.blocked(proposal)
    if blocked is None or not blocked.fix_url:
        return None
    return blocked.fix_label, blocked.fix_url


def allowed_targets(proposal: Proposal, user) -> list[str]:
    """The stages this person can move the proposal to right now (drop targets, API, Slack)."""
    return [
        spec.target
        for spec in targets_from(proposal.status)
        if spec.permits(user, proposal) and spec.blocked(proposal) is None
    ]


# The FSM, derived: one django-fsm-2 transition method per row, on a mixin `Proposal` inherits.
# django-fsm-2 collects transition methods when the model class is prepared, so they have to be
# on a base class (not attached afterwards). Its conditions are the guards and its permission is
# the row's `who`, so `can_proceed`, `has_transition_perm` and `get_available_*_transitions`
# answer exactly as the table does.


def _fsm_method(spec: TransitionSpec):
    def apply(self: Proposal, note: str = "") -> None:
        if spec.on_apply is not None:
            spec.on_apply(self, note)

    def guards_pass(proposal: Proposal) -> bool:
        return spec.blocked(proposal) is None

    def may(proposal: Proposal, user) -> bool:  # django-fsm-2 passes (instance, user)
        return spec.permits(user, proposal)

    apply.__name__ = spec.name
    apply.__qualname__ = f"ProposalLifecycle.{spec.name}"
    apply.__doc__ = f"{', '.join(spec.sources)} → {spec.target} (lifecycle.BY_NAME[{spec.name!r}])"
    return transition(
        field="status",
        source=list(spec.sources),
        target=spec.target,
        conditions=[guards_pass],
        permission=may,
        custom={"spec": spec},
    )(apply)


ProposalLifecycle = type(
    "ProposalLifecycle",
    (),
    {
        "__module__": __name__,
        "__doc__": "The lifecycle table's transitions as django-fsm-2 methods on the status field.",
        **{spec.name: _fsm_method(spec) for spec in TRANSITIONS},
    },
)
