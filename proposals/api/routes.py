"""The proposals part of the JSON API v1. Thin: parse, call a service or selector, and return what
it gives: the response schemas (schemas.py) read it."""

from dataclasses import dataclass
from typing import Annotated

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Header, Path, Query, Router, Status
from pydantic import StringConstraints

from .. import selectors, services
from ..models import Membership, Proposal
from .schemas import (
    NO_NUL,
    CheerOut,
    CommentIn,
    CommentOut,
    CommentPage,
    ConflictOut,
    DecisionIn,
    ErrorOut,
    JoinRequestIn,
    MembershipOut,
    MeOut,
    ProposalIn,
    ProposalOut,
    ProposalPage,
    ProposalPatch,
    RoleIn,
    StatusValue,
    TransitionIn,
)

router = Router(tags=["proposals"])

MAX_ID = 2**63 - 1
ObjectId = Annotated[int, Path(ge=1, le=MAX_ID)]
PageNumber = Annotated[int, Query(ge=1, le=100_000)]
PageSize = Annotated[int, Query(ge=1, le=100)]
QueryText = Annotated[str, StringConstraints(max_length=200, pattern=NO_NUL)]

# Every write may also answer 403: a browser session must send its CSRF token.
READ_ERRORS = {400: ErrorOut, 401: ErrorOut, 404: ErrorOut}
WRITE_ERRORS = {**READ_ERRORS, 403: ErrorOut}
CONFLICT_ERRORS = {**WRITE_ERRORS, 409: ConflictOut}


# Results the schemas read ----------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """One page of a list, read by ProposalPage and CommentPage."""

    items: list
    count: int
    page: int
    page_size: int


def _page(queryset: QuerySet, page: int, page_size: int) -> Page:
    start = (page - 1) * page_size
    items = list(queryset[start : start + page_size])
    return Page(items=items, count=queryset.count(), page=page, page_size=page_size)


@dataclass(frozen=True)
class Cheering:
    """What a cheer toggle leaves: whether the caller cheers now, and the count."""

    cheered: bool
    cheer_count: int


def _detail(pk: int) -> Proposal:
    """The proposal as ProposalOut reads it: everything it shows prefetched, comments aside."""
    return selectors.proposal_detail(pk=pk, comments=0)


def _roles(roles: list[RoleIn]) -> list[services.RoleInput]:
    return [services.RoleInput(**role.model_dump()) for role in roles]


# An unknown id raises DoesNotExist, which the API answers with a JSON 404 (incubator/api.py).
def _proposal(pk: int) -> Proposal:
    return Proposal.objects.get(pk=pk)


def _join_request(pk: int) -> Membership:
    return Membership.objects.select_related("proposal").get(pk=pk)


# Endpoints -------------------------------------------------------------------------------------


@router.get("/me", response={200: MeOut, 401: ErrorOut}, summary="Who I am")
def me(request: HttpRequest):
    return request.auth


@router.get(
    "/proposals",
    response={200: ProposalPage, 400: ErrorOut, 401: ErrorOut},
    summary="List proposals",
)
def proposal_list(
    request: HttpRequest,
    status: StatusValue | None = None,
    tag: Annotated[str, StringConstraints(max_length=40, pattern=NO_NUL)] | None = None,
    q: QueryText | None = None,
    mine: bool = False,
    page: PageNumber = 1,
    page_size: PageSize = 20,
):
    """Newest activity first. `q` matches words in the title, summary and body; `mine` keeps the
    proposals I proposed or joined."""
    proposals = selectors.proposal_list(user=request.auth, status=status, tag=tag, q=q, mine=mine)
    return _page(proposals, page, page_size)


@router.post(
    "/proposals",
    response={201: ProposalOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut},
    summary="Submit a proposal",
)
def proposal_create(
    request: HttpRequest,
    payload: ProposalIn,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            max_length=64,
            pattern=NO_NUL,
            description="Repeating a request with the same key returns the first proposal.",
        ),
    ] = None,
):
    proposal = services.proposal_submit(
        proposer=request.auth,
        title=payload.title,
        summary=payload.summary,
        body=payload.body,
        tags=payload.tags,
        roles=_roles(payload.roles),
        submission_key=idempotency_key or "",
        is_public=payload.is_public,
    )
    return Status(201, _detail(proposal.pk))


@router.get(
    "/proposals/{id}",
    response={200: ProposalOut, **READ_ERRORS},
    summary="A proposal with its team and history",
)
def proposal_get(request: HttpRequest, id: ObjectId):
    return _detail(id)


@router.patch(
    "/proposals/{id}", response={200: ProposalOut, **WRITE_ERRORS}, summary="Edit a proposal"
)
def proposal_edit(request: HttpRequest, id: ObjectId, payload: ProposalPatch):
    services.proposal_update(
        proposal=_proposal(id),
        by=request.auth,
        title=payload.title,
        summary=payload.summary,
        body=payload.body,
        tags=payload.tags,
        roles=None if payload.roles is None else _roles(payload.roles),
        is_public=payload.is_public,
    )
    return _detail(id)


@router.post(
    "/proposals/{id}/transitions",
    response={200: ProposalOut, **CONFLICT_ERRORS},
    summary="Move a proposal to another stage",
)
def proposal_transition(request: HttpRequest, id: ObjectId, payload: TransitionIn):
    """403 when the caller may not move it; 409 (with the stages it can go to) when the move is not
    possible from where it is now, or someone else moved it first."""
    services.proposal_transition(
        proposal=_proposal(id), to=payload.to, by=request.auth, note=payload.note
    )
    return _detail(id)


@router.post(
    "/proposals/{id}/join-requests",
    response={201: MembershipOut, **CONFLICT_ERRORS},
    summary="Ask to join the team",
)
def join_request_create(request: HttpRequest, id: ObjectId, payload: JoinRequestIn):
    membership = services.membership_request(
        proposal=_proposal(id),
        user=request.auth,
        role=payload.role,
        availability=payload.availability,
        message=payload.message,
        until=payload.end,
    )
    membership.user = request.auth  # the caller: MembershipOut reads it without a query
    return Status(201, membership)


@router.post(
    "/join-requests/{id}/accept",
    response={200: MembershipOut, **CONFLICT_ERRORS},
    summary="Accept a join request",
)
def join_request_accept(request: HttpRequest, id: ObjectId, payload: DecisionIn | None = None):
    membership = services.membership_accept(
        membership=_join_request(id), by=request.auth, response=payload.response if payload else ""
    )
    return membership


@router.post(
    "/join-requests/{id}/decline",
    response={200: MembershipOut, **CONFLICT_ERRORS},
    summary="Decline a join request",
)
def join_request_decline(request: HttpRequest, id: ObjectId, payload: DecisionIn | None = None):
    membership = services.membership_decline(
        membership=_join_request(id), by=request.auth, response=payload.response if payload else ""
    )
    return membership


@router.post(
    "/proposals/{id}/leave",
    response={200: MembershipOut, **CONFLICT_ERRORS},
    summary="Leave the team",
)
def team_leave(request: HttpRequest, id: ObjectId):
    """Also withdraws a pending request."""
    membership = services.membership_leave(proposal=_proposal(id), user=request.auth)
    membership.user = request.auth  # the caller: MembershipOut reads it without a query
    return membership


@router.get(
    "/proposals/{id}/comments",
    response={200: CommentPage, **READ_ERRORS},
    summary="The discussion, oldest first",
)
def comment_list(
    request: HttpRequest, id: ObjectId, page: PageNumber = 1, page_size: PageSize = 50
):
    comments = selectors.visible_comments(proposal=_proposal(id), viewer=request.auth)
    return _page(comments, page, page_size)


@router.post(
    "/proposals/{id}/comments",
    response={201: CommentOut, **WRITE_ERRORS},
    summary="Add a comment",
)
def comment_create(request: HttpRequest, id: ObjectId, payload: CommentIn):
    comment = services.comment_create(
        proposal=_proposal(id), author=request.auth, body=payload.body
    )
    return Status(201, comment)


@router.post(
    "/proposals/{id}/cheer",
    response={200: CheerOut, **WRITE_ERRORS},
    summary="Cheer (応援), or take the cheer back",
)
def cheer_toggle(request: HttpRequest, id: ObjectId):
    proposal = _proposal(id)
    cheered = services.cheer_toggle(proposal=proposal, user=request.auth)
    cheer_count = Proposal.objects.values_list("cheer_count", flat=True).get(pk=proposal.pk)
    return Cheering(cheered=cheered, cheer_count=cheer_count)
