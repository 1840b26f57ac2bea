"""GET /api/v1/board: the board's columns, built by the same selector as the page."""

from datetime import datetime
from typing import Annotated

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from pydantic import StringConstraints

from .. import selectors

router = Router(tags=["board"])


class BoardQuery(Schema):
    theme: Annotated[str, StringConstraints(max_length=40)] = ""
    q: Annotated[str, StringConstraints(max_length=100)] = ""
    mine: bool = False
    looking: bool = False
    interests: bool = False
    archived: bool = False


class BoardPerson(Schema):
    id: int
    username: str
    display_name: str


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


class BoardColumnOut(Schema):
    status: str
    label: str
    explanation: str
    count: int
    has_more: bool
    cards: list[BoardCardOut]


class BoardOut(Schema):
    filters: dict[str, str]
    columns: list[BoardColumnOut]


class BoardError(Schema):
    message: str
    details: dict[str, list[str]] = {}


def _card(card: selectors.BoardCard) -> dict:
    proposal = card.proposal
    return {
        "id": proposal.pk,
        "title": proposal.title,
        "summary": proposal.summary,
        "url": proposal.get_absolute_url(),
        "status": proposal.status,
        "proposer": {
            "id": proposal.proposer.pk,
            "username": proposal.proposer.username,
            "display_name": proposal.proposer.public_name,
        },
        "themes": [tag.name for tag in proposal.board_themes],
        "open_roles": [
            {"name": role.name, "open": role.open, "pace": role.pace} for role in card.open_roles
        ],
        "team_size": proposal.member_count,
        "cheers": proposal.cheer_count,
        "comments": proposal.comment_count,
        "status_changed_at": proposal.status_changed_at,
        "last_activity_at": proposal.last_activity_at,
        "quiet_days": card.quiet_days,
        "moves": [
            {
                "target": move.target,
                "label": move.label,
                "note_required": move.note_required,
                "allowed": move.allowed,
                "blocked_reason": move.blocked_reason,
            }
            for move in card.moves
        ],
    }


@router.get(
    "/board",
    response={200: BoardOut, 400: BoardError, 401: BoardError},
    summary="The board: every column with its count and first page of cards",
)
def board(request: HttpRequest, query: Query[BoardQuery]):
    """Same filters as the page (`theme`, `q`, `mine`, `looking`, `interests`, `archived`).

    Sends an ETag; a request with a matching `If-None-Match` gets 304 and no body.
    """
    user = request.auth
    filters = selectors.BoardFilters.from_params(query.dict())
    etag = f'"{selectors.board_fingerprint(user=user, filters=filters)}-api"'
    if etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]:
        response = HttpResponse(status=304)
    else:
        body = _board_json(request, user=user, filters=filters)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    return response


def _board_json(request: HttpRequest, *, user, filters: selectors.BoardFilters) -> bytes:
    """The 200 body, validated and rendered as Ninja would."""
    columns = selectors.board_columns(user=user, filters=filters)
    board = BoardOut.model_validate(
        {
            "filters": filters.as_params(),
            "columns": [
                {
                    "status": column.status,
                    "label": column.label,
                    "explanation": column.explanation,
                    "count": column.count,
                    "has_more": column.has_more,
                    "cards": [_card(card) for card in column.cards],
                }
                for column in columns
            ],
        }
    )
    from incubator.api import api  # the API imports this module: import it when called

    return api.create_response(request, board.model_dump(), status=200).content
