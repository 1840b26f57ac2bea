"""The moderators' exports: proposals, transitions, memberships and meetups, row by row.

What members chose to keep to themselves stays out: no e-mail addresses, no self-introductions,
no availability or messages sent with a join request, no meetup's online link; people appear only
by the name they show on the site. Rows are read in chunks, so an export of any size streams.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.db.models import QuerySet

from meetups.models import Meetup
from members.selectors import person_columns_left_out
from proposals.models import Membership, Proposal, TransitionLog

CHUNK = 2000

Row = dict[str, object]


def _name(person) -> str:
    return person.public_name if person is not None else ""


def _when(moment) -> str:
    return moment.isoformat() if moment is not None else ""


def _proposals() -> Iterator[Row]:
    proposals: QuerySet[Proposal] = (
        Proposal.objects.select_related("proposer")
        .defer(*person_columns_left_out("proposer"))
        .prefetch_related("tags")
        .order_by("pk")
    )
    for proposal in proposals.iterator(chunk_size=CHUNK):
        yield {
            "id": proposal.pk,
            "title": proposal.title,
            "summary": proposal.summary,
            "stage": proposal.status,
            "themes": " ".join(sorted(tag.name for tag in proposal.tags.all())),
            "proposer": _name(proposal.proposer),
            "members": proposal.member_count,
            "cheers": proposal.cheer_count,
            "comments": proposal.comment_count,
            "created_at": _when(proposal.created_at),
            "stage_changed_at": _when(proposal.status_changed_at),
            "last_activity_at": _when(proposal.last_activity_at),
        }


def _transitions() -> Iterator[Row]:
    moves = (
        TransitionLog.objects.select_related("actor")
        .defer(*person_columns_left_out("actor"))
        .order_by("created_at", "pk")
    )
    for move in moves.iterator(chunk_size=CHUNK):
        yield {
            "id": move.pk,
            "proposal_id": move.proposal_id,
            "transition": move.name,
            "from_stage": move.from_status,
            "to_stage": move.to_status,
            "by": _name(move.actor),
            "note": move.note,
            "created_at": _when(move.created_at),
        }


def _memberships() -> Iterator[Row]:
    memberships = (
        Membership.objects.select_related("user")
        .defer(*person_columns_left_out("user"), "availability", "message")
        .order_by("pk")
    )
    for membership in memberships.iterator(chunk_size=CHUNK):
        yield {
            "id": membership.pk,
            "proposal_id": membership.proposal_id,
            "member": _name(membership.user),
            "role": membership.role,
            "status": membership.status,
            "asked_at": _when(membership.created_at),
            "decided_at": _when(membership.decided_at),
        }


def _meetups() -> Iterator[Row]:
    meetups = Meetup.objects.only(
        "pk",
        "title",
        "kind",
        "status",
        "visibility",
        "starts_at",
        "ends_at",
        "proposal_id",
        "going_count",
    ).order_by("starts_at", "pk")
    for meetup in meetups.iterator(chunk_size=CHUNK):
        yield {
            "id": meetup.pk,
            "title": meetup.title,
            "kind": meetup.kind,
            "status": meetup.status,
            "visibility": meetup.visibility,
            "starts_at": _when(meetup.starts_at),
            "ends_at": _when(meetup.ends_at),
            "proposal_id": meetup.proposal_id or "",
            "going": meetup.going_count,
        }


@dataclass(frozen=True)
class Export:
    columns: tuple[str, ...]
    rows: Callable[[], Iterator[Row]]


EXPORTS: dict[str, Export] = {
    "proposals": Export(
        (
            "id",
            "title",
            "summary",
            "stage",
            "themes",
            "proposer",
            "members",
            "cheers",
            "comments",
            "created_at",
            "stage_changed_at",
            "last_activity_at",
        ),
        _proposals,
    ),
    "transitions": Export(
        ("id", "proposal_id", "transition", "from_stage", "to_stage", "by", "note", "created_at"),
        _transitions,
    ),
    "memberships": Export(
        ("id", "proposal_id", "member", "role", "status", "asked_at", "decided_at"),
        _memberships,
    ),
    "meetups": Export(
        (
            "id",
            "title",
            "kind",
            "status",
            "visibility",
            "starts_at",
            "ends_at",
            "proposal_id",
            "going",
        ),
        _meetups,
    ),
}
