"""The board's plain-SQL rows (proposals/card_rows.py) say what the ORM says of the same rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from members.tests.factories import UserFactory
from proposals import card_rows, selectors, services
from proposals.choices import Status
from proposals.models import Proposal, Tag
from proposals.tests.factories import add_member, make_proposal

pytestmark = pytest.mark.django_db


def _keys(*proposals) -> tuple[str, list]:
    return (
        Proposal.objects.filter(pk__in=[p.pk for p in proposals])
        .values("pk")
        .query.sql_with_params()
    )


def test_a_proposal_row_holds_the_same_values_as_the_model():
    viewer = UserFactory()
    proposal = make_proposal(
        proposer=UserFactory(display_name="さくら <b>"),
        tags=["子ども", "食"],
        status=Status.TEAM_FORMING,
    )
    services.cheer_set(proposal=proposal, user=viewer, cheered=True)
    other = make_proposal(title="もう一つ")
    stored = Proposal.objects.select_related("proposer").get(pk=proposal.pk)

    rows = {
        row[0]: row for row in card_rows.proposal_rows(*_keys(proposal, other), viewer_id=viewer.pk)
    }

    assert rows[proposal.pk] == (
        stored.pk,
        stored.title,
        stored.summary,
        stored.status,
        stored.status_changed_at,
        stored.last_activity_at,
        stored.member_count,
        stored.cheer_count,
        stored.comment_count,
        stored.proposer_id,
        stored.proposer.username,
        "さくら <b>",
        True,
        "",  # no Slack message's author waiting to confirm it is theirs
    )
    # Aware, as the ORM's: a card's "in this stage for…" compares them with now().
    assert rows[proposal.pk][4].utcoffset() is not None
    assert rows[other.pk][12] is False
    assert card_rows.proposal_rows(*_keys(other), viewer_id=None)[0][12] is False


def test_team_roles_and_themes_come_in_their_orders():
    Tag.objects.create(name="龍 提案された", suggested=True)
    proposal = make_proposal(roles=("designer", "writer"), tags=["食", "子ども", "龍 提案された"])
    first, second = UserFactory(), UserFactory()
    add_member(proposal, first, role="writer")
    add_member(proposal, second, role="designer")
    pending = UserFactory()
    services.membership_request(proposal=proposal, user=pending, role="designer")

    team = card_rows.team_rows([proposal.pk])
    roles = card_rows.role_rows([proposal.pk])
    themes = card_rows.theme_rows([proposal.pk])

    # Only accepted places, in the order people joined (the proposer first).
    assert [row[1] for row in team] == [proposal.proposer_id, first.pk, second.pk]
    assert [row[1:] for row in roles] == [("designer", 2, "週2h"), ("writer", 2, "週2h")]
    # Tag's own order, as the proposal page lists them: the suggested ones first, then by name.
    assert [name for _pk, name in themes] == ["龍 提案された", *sorted(["食", "子ども"])]
    assert card_rows.team_rows([]) == card_rows.role_rows([]) == card_rows.theme_rows([]) == []


def test_the_board_card_fills_places_from_the_team_rows():
    proposal = make_proposal(roles=("designer",), status=Status.TEAM_FORMING)
    add_member(proposal, UserFactory(), role="designer")
    viewer = UserFactory()

    filters = selectors.BoardFilters.from_params({})
    [card] = selectors.board_cards(user=viewer, filters=filters, status=Status.TEAM_FORMING)

    assert card.proposal.get_absolute_url() == proposal.get_absolute_url()
    assert [(role.name, role.filled, role.wanted) for role in card.open_roles] == [
        ("designer", 1, 2)
    ]
    assert len(card.proposal.board_team) == 2


def _filter_cases():
    return [
        selectors.BoardFilters(),
        selectors.BoardFilters(theme="食"),
        selectors.BoardFilters(q="食堂 手伝い"),
        selectors.BoardFilters(mine=True),
        selectors.BoardFilters(looking=True),
        selectors.BoardFilters(interests=True, archived=True),
        selectors.BoardFilters(theme="食", mine=True, within=()),  # matches nothing at all
    ]


def test_the_boards_counts_and_first_cards_are_the_ones_its_queryset_finds():
    """The counts and the columns' keys (card_rows.stage_counts, column_keys, with the filters'
    condition compiled once) are what board_queryset finds, filter by filter."""
    member = UserFactory(interests=["食"])
    mine = make_proposal(proposer=member, tags=["食"], status=Status.DISCUSSION)
    joined = make_proposal(title="公園の掃除", summary="一緒に", status=Status.TEAM_FORMING)
    add_member(joined, member)
    make_proposal(tags=["子ども"], status=Status.TEAM_FORMING)
    make_proposal(title="読書会", summary="静かに", roles=(), status=Status.RUNNING)
    make_proposal(tags=["食"], status=Status.ARCHIVED)
    for _ in range(3):
        make_proposal(tags=["食"])
    assert mine.pk and joined.pk

    for filters in _filter_cases():
        found = selectors.board_queryset(user=member, filters=filters)
        version = selectors.board_version(user=member, filters=filters)
        assert version.counts == {
            status: found.filter(status=status).count() for status in filters.statuses
        }, filters
        for column in selectors.board_columns(user=member, filters=filters, counts=version.counts):
            expected = list(
                found.filter(status=column.status)
                .order_by(*selectors._board_order(column.status))
                .values_list("pk", flat=True)[: selectors.BOARD_PAGE_SIZE]
            )
            assert [card.proposal.pk for card in column.cards] == expected, filters


def test_without_filters_the_validator_counts_the_columns_only_when_the_board_is_rendered():
    """An unchanged poll asks only for the validator: one cheap statement (every proposal's count
    and the latest change), no count per column; a board rendered after all counts them once."""
    make_proposal()
    make_proposal(status=Status.DISCUSSION)
    make_proposal(status=Status.ARCHIVED)
    member = UserFactory()
    assert not member.is_moderator  # asked once per viewer (its own query)

    with CaptureQueriesContext(connection) as validator:
        version = selectors.board_version(user=member, filters=selectors.BoardFilters())
    with CaptureQueriesContext(connection) as counting:
        counts = version.counts
        assert version.counts is counts

    assert (len(validator), len(counting)) == (1, 1)
    assert counts == {
        Status.IDEA: 1,
        Status.DISCUSSION: 1,
        Status.TEAM_FORMING: 0,
        Status.RUNNING: 0,
        Status.DONE: 0,
    }


def test_the_proposals_extent_is_their_count_and_latest_change():
    assert card_rows.proposal_extent() == (0, None)
    first = make_proposal()
    latest = make_proposal(status=Status.ARCHIVED)
    latest.refresh_from_db()

    assert card_rows.proposal_extent() == (2, latest.updated_at)
    assert first.updated_at < latest.updated_at
