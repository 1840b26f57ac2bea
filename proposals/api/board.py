"""GET /api/v1/board: the board's columns, built by the same selector as the page."""

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response
from ninja import Field, Query, Router, Schema
from pydantic import StringConstraints

from members.suggestions import suited_filters

from .. import selectors

router = Router(tags=["board"])


class BoardQuery(Schema):
    theme: Annotated[str, StringConstraints(max_length=40)] = ""
    q: Annotated[str, StringConstraints(max_length=100)] = ""
    mine: bool = False
    looking: bool = False
    interests: bool = False
    archived: bool = False
    suited: bool = False


class BoardPerson(Schema):
    id: int
    username: str
    display_name: str = Field(alias="public_name")


class BoardOpenRole(Schema):
    name: str
    open: int
    pace: str


class BoardMove(Schema):
    target: str
    label: str
    note_required: bool
    allowed: bool
    blocked_reason: str | None


# Read from a selectors.BoardCard: the proposal's own fields through resolvers, plain attribute
# reads (a dotted alias would cost a template-variable lookup per field and card).
class BoardCardOut(Schema):
    id: int
    title: str
    summary: str
    url: str
    status: str
    proposer: BoardPerson
    themes: list[str]
    open_roles: list[BoardOpenRole]
    team_size: int
    cheers: int
    comments: int
    status_changed_at: datetime
    last_activity_at: datetime
    quiet_days: int | None
    moves: list[BoardMove]

    @staticmethod
    def resolve_id(card: selectors.BoardCard) -> int:
        return card.proposal.pk

    @staticmethod
    def resolve_title(card: selectors.BoardCard) -> str:
        return card.proposal.title

    @staticmethod
    def resolve_summary(card: selectors.BoardCard) -> str:
        return card.proposal.summary

    @staticmethod
    def resolve_url(card: selectors.BoardCard) -> str:
        return card.proposal.get_absolute_url()

    @staticmethod
    def resolve_status(card: selectors.BoardCard) -> str:
        return card.proposal.status

    @staticmethod
    def resolve_proposer(card: selectors.BoardCard):
        return card.proposal.proposer

    @staticmethod
    def resolve_themes(card: selectors.BoardCard) -> list[str]:
        return [tag.name for tag in card.proposal.card_themes]

    @staticmethod
    def resolve_team_size(card: selectors.BoardCard) -> int:
        return card.proposal.member_count

    @staticmethod
    def resolve_cheers(card: selectors.BoardCard) -> int:
        return card.proposal.cheer_count

    @staticmethod
    def resolve_comments(card: selectors.BoardCard) -> int:
        return card.proposal.comment_count

    @staticmethod
    def resolve_status_changed_at(card: selectors.BoardCard) -> datetime:
        return card.proposal.status_changed_at

    @staticmethod
    def resolve_last_activity_at(card: selectors.BoardCard) -> datetime:
        return card.proposal.last_activity_at


class BoardColumnOut(Schema):
    status: str
    label: str
    explanation: str
    count: int
    has_more: bool
    cards: list[BoardCardOut]


@dataclass(frozen=True)
class Board:
    """The filters asked for and the columns they give, as BoardOut reads them."""

    filters: selectors.BoardFilters
    columns: list[selectors.BoardColumn]


class BoardOut(Schema):
    filters: dict[str, str]
    columns: list[BoardColumnOut]

    @staticmethod
    def resolve_filters(board: Board) -> dict[str, str]:
        return board.filters.as_params()


class BoardError(Schema):
    message: str
    details: dict[str, list[str]] = {}


@router.get(
    "/board",
    response={200: BoardOut, 400: BoardError, 401: BoardError},
    summary="The board: every column with its count and first page of cards",
)
def board(request: HttpRequest, query: Query[BoardQuery], response: HttpResponse):
    """Same filters as the page (`theme`, `q`, `mine`, `looking`, `interests`, `archived`,
    `suited`: teams looking for someone like the caller, as their profile's suggestions).

    Sends an ETag; a request with a matching `If-None-Match` gets 304 and no body.
    """
    user = request.auth
    filters = suited_filters(selectors.BoardFilters.from_params(query.dict()), member=user)
    # The fingerprint is one aggregate query: an unchanged board is answered before it is built.
    version = selectors.board_version(user=user, filters=filters)
    etag = f'"{version.fingerprint}-api"'
    unchanged = get_conditional_response(request, etag=etag)  # 304 when If-None-Match has it
    for answer in (response, unchanged):
        if answer is not None:
            answer["ETag"] = etag
            answer["Cache-Control"] = "private, no-cache"
    if unchanged is not None:
        return unchanged
    columns = selectors.board_columns(user=user, filters=filters, counts=version.counts)
    return Board(filters=filters, columns=columns)
