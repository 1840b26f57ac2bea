"""What the proposal page's lists read, as plain SQL rows: its team, its history and its latest
comments, with the name of each person, and the viewer's cheer and follow, one statement each
and no model instance per row (its roles and themes are the cards' rows, card_rows).

Read through the ORM, each of the three lists cost the page about a millisecond (a queryset to
build and compile, then two model instances per row: 30 places, 50 moves, 30 comments), against
a tenth of that for its SQL; the themes' and roles' prefetches and the viewer's two `Exists`
annotations cost as much again. As in card_rows, the statements are written once with the tables'
and columns' names taken from the models (a renamed field breaks loudly), and
selectors.proposal_detail puts the rows into small dataclasses.
"""

from collections.abc import Sequence

from members.models import User

from .card_rows import _column, _rows, _table, moment
from .models import Cheer, Comment, Follow, Membership, TransitionLog

# A place on the team as the page, the API and the rules read it, in this order.
MEMBERSHIP_COLUMNS = (
    "id",
    "user",
    "role",
    "availability",
    "message",
    "status",
    "response",
    "created_at",
    "decided_at",
    "until",
    "updated_at",
)
HISTORY_COLUMNS = ("id", "name", "from_status", "to_status", "note", "created_at", "actor")
COMMENT_COLUMNS = ("id", "author", "body_html", "is_hidden", "created_at", "edited_at", "slack_ts")
_DATETIMES = {"created_at", "decided_at", "updated_at", "edited_at"}


def _person(table: str, key: str, *, outer: bool = False) -> tuple[str, str]:
    """The person's name columns and the join that brings them."""
    u = _table(User)
    join = "LEFT OUTER JOIN" if outer else "INNER JOIN"
    names = f"{u}.{_column(User, 'username')}, {u}.{_column(User, 'display_name')}"
    return names, f"{join} {u} ON {u}.{_column(User, 'id')} = {table}.{key}"


def _read(model, columns: Sequence[str], person: str, where: str, params: Sequence, *,
          order: str, outer: bool = False, limit: int | None = None) -> list[tuple]:  # fmt: skip
    t = _table(model)
    names, join = _person(t, _column(model, person), outer=outer)
    selected = ", ".join(f"{t}.{_column(model, name)}" for name in columns)
    sql = (
        f"SELECT {selected}, {names} FROM {t} {join} "
        f"WHERE {t}.{_column(model, 'proposal')} = %s{where} ORDER BY {order}"
    )
    if limit is not None:
        sql += " LIMIT %s"
        params = [*params, limit]
    moments = [index for index, name in enumerate(columns) if name in _DATETIMES]
    rows = []
    for row in _rows(sql, params):
        row = list(row)
        for index in moments:
            row[index] = moment(row[index])
        rows.append(tuple(row))
    return rows


def membership_rows(proposal_id: int, statuses: Sequence[str]) -> list[tuple]:
    """(the MEMBERSHIP_COLUMNS, username, display name) of the places in `statuses`, in the order
    people asked."""
    m = _table(Membership)
    status = f"{m}.{_column(Membership, 'status')}"
    return _read(
        Membership,
        MEMBERSHIP_COLUMNS,
        "user",
        f" AND {status} IN ({', '.join(['%s'] * len(statuses))})",
        [proposal_id, *statuses],
        order=f"{m}.{_column(Membership, 'created_at')}, {m}.{_column(Membership, 'id')}",
    )


def viewer_marks(proposal_id: int, user_id: int) -> tuple[bool, bool]:
    """Whether the member cheers the proposal, and whether they follow it."""
    c, f = _table(Cheer), _table(Follow)
    sql = (
        f"SELECT EXISTS (SELECT 1 FROM {c} WHERE {c}.{_column(Cheer, 'proposal')} = %s "
        f"AND {c}.{_column(Cheer, 'user')} = %s), "
        f"EXISTS (SELECT 1 FROM {f} WHERE {f}.{_column(Follow, 'proposal')} = %s "
        f"AND {f}.{_column(Follow, 'user')} = %s)"
    )
    cheered, following = _rows(sql, [proposal_id, user_id, proposal_id, user_id])[0]
    return bool(cheered), bool(following)


def history_rows(proposal_id: int) -> list[tuple]:
    """(the HISTORY_COLUMNS, the actor's username and display name, None when the actor is gone)
    of every move, oldest first."""
    t = _table(TransitionLog)
    return _read(
        TransitionLog,
        HISTORY_COLUMNS,
        "actor",
        "",
        [proposal_id],
        order=f"{t}.{_column(TransitionLog, 'created_at')}, {t}.{_column(TransitionLog, 'id')}",
        outer=True,
    )


def comment_rows(
    proposal_id: int, visible: tuple[str, Sequence], *, limit: int | None
) -> list[tuple]:
    """(the COMMENT_COLUMNS, the author's username and display name) of the latest `limit` (None:
    all) comments that `visible` (SQL over the comment table's columns, and its parameters, from
    permissions.comments_visible_sql) lets through, latest first."""
    c = _table(Comment)
    where, params = visible
    created, key = _column(Comment, "created_at"), _column(Comment, "id")
    return _read(
        Comment,
        COMMENT_COLUMNS,
        "author",
        f" AND ({where})" if where else "",
        [proposal_id, *params],
        order=f"{c}.{created} DESC, {c}.{key} DESC",
        limit=limit,
    )


def comment_columns() -> dict[str, str]:
    """The comment table's columns by field name, qualified, for permissions' SQL."""
    c = _table(Comment)
    return {name: f"{c}.{_column(Comment, name)}" for name in ("is_hidden", "author")}
