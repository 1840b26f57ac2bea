"""What the board's cards read, as plain SQL rows: no QuerySet to build, no model instance per row.

The board shows up to a hundred cards. Read through the ORM, its proposals, proposers, roles,
themes and places cost about three times their SQL: building and compiling five querysets (an
`IN` of a hundred keys is prepared key by key) and making an instance of every row. Here each
read is one statement written once, with the tables' and columns' names taken from the models,
so a renamed field still breaks loudly (a test reads every column). The queries select the
cards' proposals themselves (`proposal_rows`) and then, for those keys, three kinds of row
(`team_rows`, `role_rows`, `theme_rows`). selectors.board_columns and board_cards call them.
Before those, the board's validator reads how many proposals there are and the latest change
(`proposal_extent`; with filters set, the columns' counts of what they match, `stage_counts`), a
rendered board its columns' counts (`stage_counts`), and its columns pick their first cards' keys
(`column_keys`), for the filters' condition selectors compiled.
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from functools import lru_cache

from django.db import connection
from django.utils.dateparse import parse_datetime

from members.models import User

from .choices import MembershipStatus
from .models import AuthorAnswer, Cheer, Membership, Proposal, RoleWanted, SlackOrigin, Tag


def _table(model) -> str:
    return _quoted_table(connection.vendor, model)


def _column(model, name: str) -> str:
    return _quoted_column(connection.vendor, model, name)


# A statement's names, quoted once per database (a board's statements name some fifty).
@lru_cache(maxsize=256)
def _quoted_table(vendor: str, model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


@lru_cache(maxsize=1024)
def _quoted_column(vendor: str, model, name: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(name).column)


def _keys(ids: Sequence[int]) -> str:
    return ", ".join(["%s"] * len(ids))


def moment(value) -> datetime | None:
    """A timestamp as the driver returned it, as the ORM returns it: aware, in UTC. (PostgreSQL's
    driver gives aware datetimes already; SQLite stores UTC text, as Django writes it.)"""
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def _rows(sql: str, params: Sequence) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _latest_change() -> str:
    """A scalar subquery for the latest `updated_at` of any proposal: one step down its index."""
    p = _table(Proposal)
    changed = f"{p}.{_column(Proposal, 'updated_at')}"
    return f"(SELECT {changed} FROM {p} ORDER BY {changed} DESC LIMIT 1)"


def proposal_extent() -> tuple[int, datetime | None]:
    """How many proposals there are, in any stage, and the latest change to any of them, in one
    row. Both are cheap where a count per stage is not: SQLite counts a whole table from its
    index's pages without reading their entries (0.006 ms at 10,000 proposals and 0.016 ms at
    50,000, where the five stages' counts took 0.2 ms and 1.9 ms); PostgreSQL reads one narrow
    index once rather than five stages' parts of another (and, where vacuum has not been, the
    table once rather than once a stage)."""
    p = _table(Proposal)
    total, latest = _rows(f"SELECT (SELECT COUNT(*) FROM {p}), {_latest_change()}", [])[0]
    return total, moment(latest)


def stage_counts(
    statuses: Sequence[str], condition: str | None, params: Sequence
) -> tuple[list[int], datetime | None]:
    """How many proposals in each of `statuses` meet `condition` (SQL on the proposal table that
    follows an AND, with its `params`; None: it meets none, "": every proposal), and the latest
    change to any proposal, in one row. One count per stage, each down the stage's index: a
    grouped count over the stages (which the ORM writes) aggregated every row and cost twice as
    much at 10,000 proposals, besides building and compiling the queryset."""
    p = _table(Proposal)
    latest = _latest_change()
    if condition is None:
        return [0] * len(statuses), moment(_rows(f"SELECT {latest}", [])[0][0])
    status = f"{p}.{_column(Proposal, 'status')}"
    counts = [f"(SELECT COUNT(*) FROM {p} WHERE {status} = %s{condition})" for _ in statuses]
    row = _rows(
        f"SELECT {', '.join(counts)}, {latest}",
        [value for stage in statuses for value in (stage, *params)],
    )[0]
    return list(row[:-1]), moment(row[-1])


def column_keys(
    columns: Sequence[tuple[str, Sequence[str], int]], condition: str, params: Sequence
) -> tuple[str, list]:
    """A statement for the keys of each column's first cards: (stage, order, how many) per
    column, where order names the proposal's fields as QuerySet.order_by does ("-pk" last, to
    break ties) — each an index-ordered, limited SELECT, joined by UNION ALL, so the rows are
    read by primary key (an OR of IN-subqueries made PostgreSQL scan the table)."""
    p = _table(Proposal)
    status = f"{p}.{_column(Proposal, 'status')}"
    pages, values = [], []
    for number, (stage, order, limit) in enumerate(columns):
        by = ", ".join(
            f"{p}.{_column(Proposal, 'id' if name.lstrip('-') == 'pk' else name.lstrip('-'))}"
            + (" DESC" if name.startswith("-") else " ASC")
            for name in order
        )
        pages.append(
            f"SELECT * FROM (SELECT {p}.{_column(Proposal, 'id')} FROM {p} WHERE {status} = %s"
            f"{condition} ORDER BY {by} LIMIT {int(limit)}) AS column_{number}"
        )
        values.extend([stage, *params])
    return " UNION ALL ".join(pages), values


# The proposal's columns a card reads, in this order (selectors.CardProposal's first fields).
PROPOSAL_COLUMNS = (
    "id",
    "title",
    "summary",
    "status",
    "status_changed_at",
    "last_activity_at",
    "member_count",
    "cheer_count",
    "comment_count",
    "proposer",
)


def proposal_rows(keys_sql: str, params: Sequence, *, viewer_id: int | None) -> list[tuple]:
    """The proposals whose keys `keys_sql` selects, each as (the PROPOSAL_COLUMNS, the proposer's
    username and display name, whether the viewer cheered it, the name of the Slack message's
    author whose idea it is while they have not confirmed it yet, else ""), in no particular
    order."""
    p, u, c, o = _table(Proposal), _table(User), _table(Cheer), _table(SlackOrigin)
    columns = ", ".join(f"{p}.{_column(Proposal, name)}" for name in PROPOSAL_COLUMNS)
    key = f"{p}.{_column(Proposal, 'id')}"
    if viewer_id is None:
        cheered, cheered_params = "0", []
    else:
        cheered = (
            f"EXISTS (SELECT 1 FROM {c} WHERE {c}.{_column(Cheer, 'proposal')} = {key} "
            f"AND {c}.{_column(Cheer, 'user')} = %s)"
        )
        cheered_params = [viewer_id]
    author = "idea_author"
    sql = (
        f"SELECT {columns}, {u}.{_column(User, 'username')}, {u}.{_column(User, 'display_name')}, "
        f"{cheered}, {author}.{_column(User, 'username')}, "
        f"{author}.{_column(User, 'display_name')} FROM {p} INNER JOIN {u} ON "
        f"{u}.{_column(User, 'id')} = {p}.{_column(Proposal, 'proposer')} "
        f"LEFT JOIN {o} ON {o}.{_column(SlackOrigin, 'proposal')} = {key} "
        f"AND {o}.{_column(SlackOrigin, 'author_answer')} = %s "
        f"LEFT JOIN {u} {author} ON {author}.{_column(User, 'id')} = "
        f"{o}.{_column(SlackOrigin, 'author')} WHERE {key} IN ({keys_sql})"
    )
    return [
        (
            *row[:4],
            moment(row[4]),
            moment(row[5]),
            *row[6:12],
            bool(row[12]),
            row[14] or row[13] or "",
        )
        for row in _rows(sql, [*cheered_params, AuthorAnswer.PENDING.value, *params])
    ]


def team_rows(ids: Sequence[int]) -> list[tuple[int, int, str, str, str]]:
    """(proposal id, user id, username, display name, role) of each accepted place, in the order
    people joined."""
    if not ids:
        return []
    m, u = _table(Membership), _table(User)
    sql = (
        f"SELECT {m}.{_column(Membership, 'proposal')}, {m}.{_column(Membership, 'user')}, "
        f"{u}.{_column(User, 'username')}, {u}.{_column(User, 'display_name')}, "
        f"{m}.{_column(Membership, 'role')} FROM {m} INNER JOIN {u} ON "
        f"{u}.{_column(User, 'id')} = {m}.{_column(Membership, 'user')} "
        f"WHERE {m}.{_column(Membership, 'proposal')} IN ({_keys(ids)}) "
        f"AND {m}.{_column(Membership, 'status')} = %s ORDER BY {m}.{_column(Membership, 'id')}"
    )
    return _rows(sql, [*ids, MembershipStatus.ACCEPTED.value])


def role_rows(ids: Sequence[int]) -> list[tuple[int, str, int, str]]:
    """(proposal id, role, places wanted, pace) of each role asked for, in the proposer's order."""
    if not ids:
        return []
    r = _table(RoleWanted)
    names = ", ".join(f"{r}.{_column(RoleWanted, name)}" for name in ("name", "count", "pace"))
    sql = (
        f"SELECT {r}.{_column(RoleWanted, 'proposal')}, {names} FROM {r} "
        f"WHERE {r}.{_column(RoleWanted, 'proposal')} IN ({_keys(ids)}) "
        f"ORDER BY {r}.{_column(RoleWanted, 'id')}"
    )
    return _rows(sql, ids)


def theme_rows(ids: Sequence[int]) -> list[tuple[int, str]]:
    """(proposal id, theme) of each theme, in Tag's own order (the suggested ones first, then by
    name): a proposal's themes read the same on its card and on its page."""
    if not ids:
        return []
    through = Proposal.tags.through
    t, x = _table(Tag), _table(through)
    sql = (
        f"SELECT {x}.{_column(through, 'proposal')}, {t}.{_column(Tag, 'name')} FROM {x} "
        f"INNER JOIN {t} ON {t}.{_column(Tag, 'id')} = {x}.{_column(through, 'tag')} "
        f"WHERE {x}.{_column(through, 'proposal')} IN ({_keys(ids)}) "
        f"ORDER BY {t}.{_column(Tag, 'suggested')} DESC, {t}.{_column(Tag, 'name')}"
    )
    return _rows(sql, ids)
