"""Who meets whom, on fixed data: the pure pairing, no database."""

from itertools import combinations

import pytest

from introductions.pairing import Candidate, make_groups, pair_key


def people(table: dict[int, tuple[str, ...]], teams: dict[int, set[int]] | None = None):
    teams = teams or {}
    return [
        Candidate(id=pk, interests=themes, teams=frozenset(teams.get(pk, ())))
        for pk, themes in table.items()
    ]


def pairs_of(pairing) -> set[tuple[int, int]]:
    return {pair_key(a, b) for group in pairing.groups for a, b in combinations(group.ids, 2)}


def test_people_meet_someone_who_shares_a_theme():
    pairing = make_groups(
        people(
            {
                1: ("防災",),
                2: ("子ども・教育",),
                3: ("防災", "環境"),
                4: ("子ども・教育", "福祉"),
            }
        ),
        met=set(),
        seed="s",
    )

    assert {group.ids: group.shared for group in pairing.groups} == {
        (1, 3): ("防災",),
        (2, 4): ("子ども・教育",),
    }
    assert pairing.left_out == ()


def test_themes_match_whatever_their_case_and_spacing_and_read_as_first_written():
    pairing = make_groups(people({1: ("Open  Data",), 2: ("open data",)}), met=set(), seed="s")

    assert [group.shared for group in pairing.groups] == [("Open Data",)]


def test_an_odd_count_makes_exactly_one_group_of_three():
    pairing = make_groups(people({pk: ("環境",) for pk in range(1, 8)}), met=set(), seed="seven")

    sizes = sorted(len(group.ids) for group in pairing.groups)
    assert sizes == [2, 2, 3]
    assert sorted(pk for group in pairing.groups for pk in group.ids) == list(range(1, 8))


def test_nobody_meets_someone_they_met_before_even_with_more_in_common():
    table = {1: ("a", "b", "c"), 2: ("a", "b", "c"), 3: ("a",), 4: ("a",)}
    pairing = make_groups(people(table), met={(1, 2)}, seed="s")

    assert (1, 2) not in pairs_of(pairing)
    assert len(pairing.groups) == 2


def test_people_on_a_team_together_meet_others_when_they_can():
    table = {1: ("食",), 2: ("食",), 3: ("食",), 4: ("食",)}
    on_teams = {1: {10}, 2: {10}, 3: {11}, 4: {11}}

    pairing = make_groups(people(table, on_teams), met=set(), seed="s")

    assert pairs_of(pairing).isdisjoint({(1, 2), (3, 4)})


def test_team_mates_still_meet_when_nobody_else_shares_their_theme():
    table = {1: ("音楽",), 2: ("音楽",)}

    pairing = make_groups(people(table, {1: {10}, 2: {10}}), met=set(), seed="s")

    assert pairs_of(pairing) == {(1, 2)}


def test_people_sharing_no_theme_with_anyone_free_still_meet_someone_new():
    pairing = make_groups(people({1: ("農業",), 2: (), 3: ("宇宙",)}), met=set(), seed="s")

    assert len(pairing.groups) == 1
    [group] = pairing.groups
    assert sorted(group.ids) == [1, 2, 3]
    assert group.shared == ()


def test_someone_who_met_everyone_left_sits_this_round_out():
    pairing = make_groups(people({1: ("x",), 2: ("x",)}), met={(1, 2)}, seed="s")

    assert pairing.groups == ()
    assert pairing.left_out == (1, 2)


def test_the_one_left_over_joins_a_pair_they_have_met_neither_of():
    table = {1: ("x",), 2: ("x",), 3: ("x",), 4: ("x",), 5: ("y",)}
    # 1 and 2 can only meet each other, 3 and 4 too; 5 met 1 before.
    met = {(1, 3), (1, 4), (2, 3), (2, 4), (1, 5)}

    pairing = make_groups(people(table), met=met, seed="s")

    assert sorted(group.ids for group in pairing.groups) == [(1, 2), (3, 4, 5)]
    assert pairing.left_out == ()


@pytest.mark.parametrize("seed", ["2025-06-09", "2025-06-23"])
def test_the_same_seed_gives_the_same_groups(seed):
    table = {pk: (("a", "b", "c")[pk % 3], ("d", "e")[pk % 2]) for pk in range(1, 40)}

    assert make_groups(people(table), met=set(), seed=seed) == make_groups(
        people(dict(reversed(table.items()))), met=set(), seed=seed
    )


def test_a_round_of_many_never_repeats_and_introduces_everyone_it_can():
    table = {pk: (f"t{pk % 7}", f"u{pk % 5}") for pk in range(1, 402)}
    first = make_groups(people(table), met=set(), seed="one")
    second = make_groups(people(table), met=pairs_of(first), seed="two")

    assert pairs_of(second).isdisjoint(pairs_of(first))
    for pairing in (first, second):
        assert sum(len(group.ids) == 3 for group in pairing.groups) == 1
        assert sum(len(group.ids) for group in pairing.groups) == 401
        assert all(group.shared for group in pairing.groups)
