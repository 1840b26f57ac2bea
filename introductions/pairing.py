"""Who meets whom in a round: a pure function of the candidates, the pairs that met in the last
year and a seed (the same three give the same groups).

    never      two people introduced to each other in the last year (`met`)
    first      someone who shares a theme, preferring someone not on a team with them, then
               the most themes shared
    then       people left without such a partner meet each other (still never twice a year)
    odd        the one person left joins a pair they have met neither of: the round's one trio

Greedy, and linear in the number of people: each theme keeps a list of the people who hold it
(compacted as they are paired), and one look compares at most SCAN possible partners per theme,
so a theme that everyone shares is never scanned whole for each of them. People with the rarest
themes choose first, while their few possible partners are still free.
"""

import random
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

SCAN = 30


@dataclass(frozen=True)
class Candidate:
    id: int
    interests: tuple[str, ...]  # as the member wrote them
    teams: frozenset[int] = frozenset()  # the proposals they are on (as proposer or member)


@dataclass(frozen=True)
class Group:
    ids: tuple[int, ...]
    shared: tuple[str, ...]  # themes at least two of them hold, the most widely held first


@dataclass(frozen=True)
class Pairing:
    groups: tuple[Group, ...]
    left_out: tuple[int, ...]  # nobody they had not met was left for them


def pair_key(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def theme_key(name: str) -> str:
    """Themes match whatever their spacing and case ("Open Data" is "open  data")."""
    return " ".join(name.split()).casefold()


class _Pool:
    """A list of people, of whom those already paired are dropped once they are half of it."""

    def __init__(self, people: list[int]):
        self.people = people
        self.gone = 0

    def live(self, partner: list[int]) -> list[int]:
        if self.gone * 2 > len(self.people):
            self.people = [i for i in self.people if partner[i] < 0]
            self.gone = 0
        return self.people


def make_groups(
    candidates: Iterable[Candidate], *, met: set[tuple[int, int]], seed: str
) -> Pairing:
    people = sorted(candidates, key=lambda candidate: candidate.id)
    random.Random(seed).shuffle(people)
    ids = [person.id for person in people]
    themes = [frozenset(theme_key(name) for name in person.interests) for person in people]
    teams = [person.teams for person in people]
    partner = [-1] * len(people)

    holders: dict[str, list[int]] = {}
    for index, held in enumerate(themes):
        for theme in held:
            holders.setdefault(theme, []).append(index)
    pools = {theme: _Pool(members) for theme, members in holders.items()}
    everyone = _Pool(list(range(len(people))))

    def score(i: int, j: int) -> tuple[bool, int]:
        return teams[i].isdisjoint(teams[j]), len(themes[i] & themes[j])

    def free_for(i: int, j: int) -> bool:
        return j != i and partner[j] < 0 and pair_key(ids[i], ids[j]) not in met

    def best_in(i: int, pool: _Pool, best: int, best_score, ceiling) -> tuple[int, object]:
        seen = 0
        for j in pool.live(partner):
            if not free_for(i, j):
                continue
            found = score(i, j)
            if best_score is None or found > best_score:
                best, best_score = j, found
            seen += 1
            if seen >= SCAN or best_score == ceiling:
                break
        return best, best_score

    def pair(i: int, j: int) -> None:
        partner[i], partner[j] = j, i
        for index in (i, j):
            for theme in themes[index]:
                pools[theme].gone += 1
        everyone.gone += 2

    # People with the rarest themes first (a stable sort: the seed orders equals).
    choices = [sum(len(holders[theme]) - 1 for theme in held) for held in themes]
    for i in sorted(range(len(people)), key=lambda index: choices[index]):
        if partner[i] >= 0 or not choices[i]:
            continue
        ceiling = (True, len(themes[i]))
        best, best_score = -1, None
        for theme in sorted(themes[i]):
            best, best_score = best_in(i, pools[theme], best, best_score, ceiling)
            if best_score == ceiling:
                break
        if best >= 0 and best_score[1] > 0:
            pair(i, best)

    # Whoever shares no theme with anyone still free meets someone new all the same.
    for i in range(len(people)):
        if partner[i] < 0:
            best, _score = best_in(i, everyone, -1, None, (True, len(themes[i])))
            if best >= 0:
                pair(i, best)

    pairs = [(i, partner[i]) for i in range(len(people)) if i < partner[i]]
    groups = [[i, j] for i, j in pairs]
    left = [i for i in range(len(people)) if partner[i] < 0]
    if left:
        # The count is odd (or someone has met everyone left): one of them joins a pair.
        joining = left[0]
        best, best_score = -1, None
        for number, group in enumerate(groups):
            if any(pair_key(ids[joining], ids[k]) in met for k in group):
                continue
            found = (
                all(teams[joining].isdisjoint(teams[k]) for k in group),
                sum(len(themes[joining] & themes[k]) for k in group),
            )
            if best_score is None or found > best_score:
                best, best_score = number, found
        if best >= 0:
            groups[best].append(joining)
            left = left[1:]

    return Pairing(
        groups=tuple(_group(people, group) for group in groups),
        left_out=tuple(sorted(ids[i] for i in left)),
    )


def _group(people: list[Candidate], group: list[int]) -> Group:
    members = sorted((people[i] for i in group), key=lambda person: person.id)
    counts: Counter[str] = Counter()
    spelling: dict[str, str] = {}  # each theme as its first holder wrote it
    for person in members:
        held: dict[str, str] = {}
        for name in person.interests:
            held.setdefault(theme_key(name), " ".join(name.split()))
        for key, name in held.items():
            spelling.setdefault(key, name)
            counts[key] += 1
    shared = sorted((key for key in spelling if counts[key] >= 2), key=lambda key: -counts[key])
    return Group(
        ids=tuple(person.id for person in members), shared=tuple(spelling[key] for key in shared)
    )
