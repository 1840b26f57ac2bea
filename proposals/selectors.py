"""Every non-trivial read. Each selector runs a fixed number of queries, whatever the data size."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from . import permissions
from .choices import MembershipStatus, Status
from .lifecycle import guard_failure, targets_from
from .models import Cheer, Comment, Follow, Membership, Proposal, TransitionLog


def proposal_list(
    *,
    user=None,
    status: str | None = None,
    tag: str | None = None,
    q: str | None = None,
    mine: bool = False,
) -> QuerySet[Proposal]:
    proposals = Proposal.objects.select_related("proposer").prefetch_related(
        "tags",
        "roles_wanted",
        Prefetch(
            "memberships",
            queryset=Membership.objects.filter(status=MembershipStatus.ACCEPTED),
            to_attr="accepted_memberships",
        ),
    )
    if status:
        proposals = proposals.filter(status=status)
    if tag:
        proposals = proposals.filter(tags__name=tag)
    if q:
        for word in q.split()[:5]:
            proposals = proposals.filter(
                Q(title__icontains=word) | Q(summary__icontains=word) | Q(body__icontains=word)
            )
    if mine and user is not None and user.is_authenticated:
        proposals = proposals.filter(
            Q(proposer=user)
            | Q(
                pk__in=Membership.objects.filter(
                    user=user, status=MembershipStatus.ACCEPTED
                ).values("proposal_id")
            )
        )
    return proposals


def proposal_detail(*, pk: int) -> Proposal:
    """A proposal with everything its page shows, in a fixed number of queries."""
    return (
        Proposal.objects.select_related("proposer")
        .prefetch_related(
            "tags",
            "roles_wanted",
            Prefetch(
                "memberships",
                queryset=Membership.objects.select_related("user").filter(
                    status__in=[MembershipStatus.ACCEPTED, MembershipStatus.REQUESTED]
                ),
                to_attr="current_memberships",
            ),
            Prefetch(
                "comments",
                queryset=Comment.objects.select_related("author"),
                to_attr="all_comments",
            ),
            Prefetch(
                "transitions",
                queryset=TransitionLog.objects.select_related("actor"),
                to_attr="history",
            ),
        )
        .get(pk=pk)
    )


def accepted_members(proposal: Proposal) -> list[Membership]:
    if hasattr(proposal, "current_memberships"):
        return [m for m in proposal.current_memberships if m.status == MembershipStatus.ACCEPTED]
    if hasattr(proposal, "accepted_memberships"):
        return proposal.accepted_memberships
    return list(
        proposal.memberships.filter(status=MembershipStatus.ACCEPTED).select_related("user")
    )


def pending_requests(proposal: Proposal) -> list[Membership]:
    return [m for m in proposal.current_memberships if m.status == MembershipStatus.REQUESTED]


@dataclass(frozen=True)
class OpenRole:
    name: str
    wanted: int
    filled: int
    pace: str

    @property
    def open(self) -> int:
        return max(0, self.wanted - self.filled)


def open_roles(proposal: Proposal) -> list[OpenRole]:
    """Roles wanted, with how many are still open: they shrink as people are accepted."""
    filled: dict[str, int] = defaultdict(int)
    for membership in accepted_members(proposal):
        filled[membership.role] += 1
    return [
        OpenRole(name=role.name, wanted=role.count, filled=filled[role.name], pace=role.pace)
        for role in proposal.roles_wanted.all()
    ]


@dataclass(frozen=True)
class TransitionOption:
    name: str
    target: str
    label: str
    note_required: bool
    note_label: str
    blocked_reason: str | None

    @property
    def allowed(self) -> bool:
        return self.blocked_reason is None


def transition_options(*, proposal: Proposal, user) -> list[TransitionOption]:
    """The moves this person may make from here, each either possible now or blocked with a reason."""
    if not permissions.can_steer(user, proposal):
        return []
    return [
        TransitionOption(
            name=spec.name,
            target=spec.target,
            label=str(spec.label),
            note_required=spec.note_required,
            note_label=str(spec.note_label),
            blocked_reason=guard_failure(proposal, spec),
        )
        for spec in targets_from(proposal.status)
    ]


@dataclass(frozen=True)
class TimelineEntry:
    kind: str  # "created" | "transition" | "joined" | "comment"
    at: datetime
    actor: object
    item: object = None


def proposal_timeline(*, proposal: Proposal) -> list[TimelineEntry]:
    """Transitions, joins and comments, oldest first (uses proposal_detail's prefetches)."""
    entries = [TimelineEntry("created", proposal.created_at, proposal.proposer)]
    entries += [TimelineEntry("transition", t.created_at, t.actor, t) for t in proposal.history]
    entries += [
        TimelineEntry("joined", m.decided_at, m.user, m)
        for m in accepted_members(proposal)
        if not m.is_proposer and m.decided_at
    ]
    entries += [
        TimelineEntry("comment", c.created_at, c.author, c)
        for c in proposal.all_comments
        if not c.is_hidden
    ]
    return sorted(entries, key=lambda entry: entry.at)


def time_in_state(*, proposal: Proposal, now: datetime | None = None) -> dict[str, timedelta]:
    """How long the proposal has spent in each stage, from its transition log."""
    now = now or timezone.now()
    history = getattr(proposal, "history", None)
    if history is None:
        history = list(proposal.transitions.all())
    spent: dict[str, timedelta] = defaultdict(timedelta)
    state, since = Status.IDEA.value, proposal.created_at
    for entry in history:
        spent[entry.from_status] += entry.created_at - since
        state, since = entry.to_status, entry.created_at
    spent[state] += now - since
    return dict(spent)


@dataclass(frozen=True)
class ViewerState:
    cheered: bool
    following: bool
    membership: Membership | None


def viewer_state(*, proposal: Proposal, user) -> ViewerState:
    if not user.is_authenticated:
        return ViewerState(False, False, None)
    membership = next((m for m in proposal.current_memberships if m.user_id == user.pk), None)
    return ViewerState(
        cheered=Cheer.objects.filter(proposal=proposal, user=user).exists(),
        following=Follow.objects.filter(proposal=proposal, user=user).exists(),
        membership=membership,
    )
