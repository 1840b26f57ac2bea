"""What a member's Slack App Home shows: one read, in a fixed number of queries however many
proposals and teams they have (each list is capped; the Home links to the web for the rest).

Beside members.selectors (which members.suggestions builds on) because it uses the one scorer of
"teams looking for someone like you" (members.suggestions)."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet

from proposals.choices import MembershipStatus
from proposals.models import Membership, Proposal

from . import suggestions
from .models import User
from .selectors import notifications_paused_until

# Each list shows at most this many; Block Kit allows 100 blocks in a Home, and a list longer
# than this is easier to read on the web.
HOME_LIST_MAX = 8
HOME_SUGGESTIONS_MAX = 3


@dataclass(frozen=True)
class HomeProposal:
    proposal_id: int
    title: str
    status: str


@dataclass(frozen=True)
class HomeMembership:
    """A place on a team, a request of theirs, or a request waiting for their answer."""

    membership_id: int
    proposal_id: int
    title: str
    status: str  # the proposal's stage
    role: str
    person: str = ""  # who asked (for a request waiting for their answer)
    message: str = ""


@dataclass(frozen=True)
class HomeSuggestion:
    proposal_id: int
    title: str
    why: str  # the scorer's own words: 「関心: … · スキル: …」, in the active language


@dataclass(frozen=True)
class Capped:
    items: tuple
    more: bool  # there are more than the Home shows


@dataclass(frozen=True)
class MemberHome:
    name: str
    username: str
    proposals: Capped
    teams: Capped
    to_answer: Capped
    my_requests: Capped
    suggested: tuple[HomeSuggestion, ...]
    paused_until: datetime | None


def _capped(rows: QuerySet, make, limit: int) -> Capped:
    found = list(rows[: limit + 1])
    return Capped(items=tuple(make(row) for row in found[:limit]), more=len(found) > limit)


def _membership(row: Membership) -> HomeMembership:
    return HomeMembership(
        membership_id=row.pk,
        proposal_id=row.proposal_id,
        title=row.proposal.title,
        status=row.proposal.status,
        role=row.role,
        person=row.user.public_name,
        message=row.message,
    )


def _memberships() -> QuerySet[Membership]:
    return Membership.objects.select_related("proposal", "user").only(
        "id",
        "role",
        "message",
        "proposal_id",
        "proposal__title",
        "proposal__status",
        "user__username",
        "user__display_name",
    )


def member_home(*, member: User, limit: int = HOME_LIST_MAX) -> MemberHome:
    """The member's proposals with their stage, the teams they are in, the join requests waiting
    for their answer (on their own proposals), their own requests still waiting, and the teams
    looking for someone like them. Eight queries, whatever the numbers."""
    proposals = _capped(
        Proposal.objects.filter(proposer=member)
        .only("id", "title", "status")
        .order_by("-last_activity_at", "-id"),
        lambda row: HomeProposal(proposal_id=row.pk, title=row.title, status=row.status),
        limit,
    )
    teams = _capped(
        _memberships()
        .filter(user=member, status=MembershipStatus.ACCEPTED)
        .exclude(proposal__proposer=member)
        .order_by("-decided_at", "-id"),
        _membership,
        limit,
    )
    to_answer = _capped(
        _memberships()
        .filter(proposal__proposer=member, status=MembershipStatus.REQUESTED)
        .order_by("created_at", "id"),
        _membership,
        limit,
    )
    my_requests = _capped(
        _memberships()
        .filter(user=member, status=MembershipStatus.REQUESTED)
        .order_by("-created_at", "-id"),
        _membership,
        limit,
    )
    suggested = tuple(
        HomeSuggestion(
            proposal_id=found.proposal.pk, title=found.proposal.title, why=found.match.explanation
        )
        for found in suggestions.teams_for_member(member=member, limit=HOME_SUGGESTIONS_MAX)
    )
    return MemberHome(
        name=member.public_name,
        username=member.username,
        proposals=proposals,
        teams=teams,
        to_answer=to_answer,
        my_requests=my_requests,
        suggested=suggested,
        paused_until=notifications_paused_until(user=member),
    )
