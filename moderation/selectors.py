"""The moderation page's reads, a fixed number of queries each."""

from dataclasses import dataclass

from django.db.models import QuerySet

from proposals import selectors as proposal_selectors
from proposals.choices import MembershipStatus, Status
from proposals.models import Comment, Membership, Proposal
from workers.events import Channel, headline
from workers.models import Delivery, DeliveryStatus

SHOWN = 30


def recent_comments(*, limit: int = SHOWN) -> QuerySet[Comment]:
    """The latest comments anywhere, hidden ones included."""
    return Comment.objects.select_related("author", "proposal", "hidden_by").order_by(
        "-created_at", "-id"
    )[:limit]


def hidden_comments(*, limit: int = SHOWN) -> QuerySet[Comment]:
    return (
        Comment.objects.filter(is_hidden=True)
        .select_related("author", "proposal", "hidden_by")
        .order_by("-created_at", "-id")[:limit]
    )


@dataclass(frozen=True)
class MovableProposal:
    proposal: Proposal
    options: list[proposal_selectors.TransitionOption]


def movable_proposals(*, user, text: str = "", limit: int = SHOWN) -> list[MovableProposal]:
    """Proposals with a move left (all but finished ones), most recently active first; `text`
    narrows them down by words in the title, summary or body."""
    proposals = (
        Proposal.objects.exclude(status=Status.DONE)
        .filter(proposal_selectors.matching(text))
        .select_related("proposer")
        .prefetch_related("roles_wanted")
        .order_by("-last_activity_at", "-id")[:limit]
    )
    return [
        MovableProposal(
            proposal=proposal,
            options=proposal_selectors.transition_options(proposal=proposal, user=user),
        )
        for proposal in proposals
    ]


@dataclass(frozen=True)
class FailedDelivery:
    delivery: Delivery
    # What the message said, in the active language.
    text: str


def failed_deliveries(*, limit: int = SHOWN) -> list[FailedDelivery]:
    """Messages that could not be delivered (email or Slack), the latest first."""
    deliveries = (
        Delivery.objects.filter(status=DeliveryStatus.FAILED)
        .exclude(channel=Channel.INAPP)
        .select_related("event", "recipient", "proposal")
        .order_by("-updated_at", "-id")[:limit]
    )
    return [
        FailedDelivery(
            delivery=delivery, text=headline(delivery.event.kind, delivery.event.payload)
        )
        for delivery in deliveries
    ]


def pending_applications(*, limit: int = SHOWN) -> QuerySet[Membership]:
    """Join requests still waiting for an answer, on any proposal: the longest waiting first."""
    return (
        Membership.objects.filter(status=MembershipStatus.REQUESTED)
        .select_related("proposal", "user")
        .order_by("created_at", "id")[:limit]
    )
