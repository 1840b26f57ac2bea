"""The moderators' insight page (issue 15): the render after a change, at 10,000 proposals and
100,000 transitions.

`seed_demo --proposals` leaves about two transitions per proposal, so before measuring this module
adds the missing ones (bulk inserts into the bench's own database, never through the product) up
to TRANSITIONS_PER_PROPOSAL per proposal. Every added pair is a real round trip the lifecycle
allows, placed inside a stay that already ended (between two logged moves, or between the
proposal's creation and its first move): a pause and a reopen of an idea, a step back and forth
between discussion and team forming, or between team forming and running. The log therefore still
leads from idea to each proposal's status, and no proposal row changes (its status, its last
move, its last activity), so the other benchmarks' pages stay as they were. The dates lie within
each proposal's life, and `seed_demo` makes every proposal within its history
(proposals.demo.HISTORY, 8 weeks): both periods measured here hold all 100,000 moves, the most
work either can have.

Two moderators take turns, on the page's default period (the last 12 weeks) and on the last 52
weeks; every timed request (and every floor request next to it) comes right after a real change
through the services (bench/changes.py) to one of the newest proposals, so each request sees
figures the previous one did not (a cheer or a comment from someone else: first responses and
active members). The issue sets no target: the table gives the time in floors.
"""

import random
import sys
from collections import defaultdict
from datetime import datetime, timedelta
from itertools import pairwise

from .changes import Changer
from .harness import TIMING_HEADER, BenchmarkError, Measure, print_table, timing_rows

SCALES = (10_000,)
QUICK_SCALES = (1_000,)
ORDER = 60
TRANSITIONS_PER_PROPOSAL = 10
# A proposal whose log is longer than this is a fixture of another benchmark (bench/pages.py's
# proposal with 50 moves): it is left alone.
PADDED_AT_MOST = 8
CHANGED_PROPOSALS = 20
PAUSE_NOTE = "少し休みます"  # a pause's reason, as the lifecycle asks for one
PATH = "/insight/"
MEASURES = (
    Measure("insight_default", "insight page, default period (12 weeks)"),
    Measure("insight_52", "insight page, last 52 weeks"),
)


def _round_trips():
    """Per stage: the (name, to) pair of a round trip leaving it and the (name) coming back."""
    from proposals.choices import Status

    return {
        Status.IDEA: (("archive", Status.ARCHIVED), "reopen"),
        Status.DISCUSSION: (("start_team_forming", Status.TEAM_FORMING), "back_to_discussion"),
        Status.TEAM_FORMING: (("launch", Status.RUNNING), "recruit_more"),
        Status.RUNNING: (("recruit_more", Status.TEAM_FORMING), "launch"),
        Status.ARCHIVED: (("reopen", Status.IDEA), "archive"),
    }


def closed_stays(created: datetime, moves: list[tuple[datetime, str]]) -> list[tuple]:
    """(stage, entered, left) of every stay that ended: from the creation (an idea) and each
    logged move (in order) to the next move."""
    from proposals.choices import Status

    entries = [(created, Status.IDEA), *moves]
    return [(status, entered, left) for (entered, status), (left, _next) in pairwise(entries)]


def pad_transitions(target: int, *, seed: str = "bench-insight", batch: int = 5_000) -> int:
    """Add round trips inside ended stays until there are `target` transitions; returns how many
    rows were added (an even number; none when there are enough already)."""
    from django.db import transaction
    from django.db.models import Count

    from proposals.models import Proposal, TransitionLog

    missing = target - TransitionLog.objects.count()
    if missing <= 0:
        return 0
    padded = (
        Proposal.objects.annotate(moves=Count("transitions"))
        .filter(moves__gt=0, moves__lte=PADDED_AT_MOST)
        .values_list("pk", "created_at", "proposer_id")
    )
    proposals = {pk: (created, owner) for pk, created, owner in padded}
    moves = defaultdict(list)
    for pk, moment, status in (
        TransitionLog.objects.filter(proposal_id__in=list(proposals))
        .order_by("proposal_id", "created_at", "pk")
        .values_list("proposal_id", "created_at", "to_status")
        .iterator(chunk_size=10_000)
    ):
        moves[pk].append((moment, status))
    trips = _round_trips()
    stays = [
        (pk, stay)
        for pk, (created, _owner) in proposals.items()
        for stay in closed_stays(created, moves[pk])
        if stay[0] in trips and stay[2] - stay[1] > timedelta(minutes=1)
    ]
    if not stays:
        raise BenchmarkError("no proposal has an ended stay to add transitions to")
    rng = random.Random(seed)
    pairs = (missing + 1) // 2
    per_stay = defaultdict(int)
    for index in range(pairs):
        per_stay[index % len(stays)] += 1
    rows = []
    for index, count in per_stay.items():
        pk, (status, entered, left) = stays[index]
        (away_name, away), back_name = trips[status]
        moments = sorted(
            entered + (left - entered) * rng.uniform(0.001, 0.999) for _ in range(2 * count)
        )
        owner = proposals[pk][1]
        for leave_at, return_at in zip(moments[::2], moments[1::2], strict=True):
            rows += [
                TransitionLog(
                    proposal_id=pk,
                    actor_id=owner,
                    name=away_name,
                    from_status=status,
                    to_status=away,
                    note=PAUSE_NOTE if away_name == "archive" else "",
                    created_at=leave_at,
                ),
                TransitionLog(
                    proposal_id=pk,
                    actor_id=owner,
                    name=back_name,
                    from_status=away,
                    to_status=status,
                    note=PAUSE_NOTE if back_name == "archive" else "",
                    created_at=return_at,
                ),
            ]
    with transaction.atomic():
        TransitionLog.objects.bulk_create(rows, batch_size=batch)
    return len(rows)


def _moderators() -> list:
    from django.contrib.auth.models import Group

    from members.models import MODERATORS_GROUP, User

    group, _created = Group.objects.get_or_create(name=MODERATORS_GROUP)
    moderators = []
    for number in (1, 2):
        user, _created = User.objects.get_or_create(
            username=f"bench-moderator-{number}",
            defaults={
                "email": f"bench-moderator-{number}@example.org",
                "display_name": f"ベンチ世話人{number}",
            },
        )
        user.groups.add(group)
        moderators.append(user)
    return moderators


def _setup(context) -> dict:
    from members.models import User
    from proposals.models import Proposal, TransitionLog

    state = context.state.setdefault("insight", {"seeding": {}})
    proposals = Proposal.objects.count()
    added = pad_transitions(TRANSITIONS_PER_PROPOSAL * proposals)
    transitions = TransitionLog.objects.count()
    state["seeding"][context.scale] = (proposals, transitions, added)
    if "viewers" not in state:
        changer, _created = User.objects.get_or_create(
            username="bench-insight-changer",
            defaults={"email": "bench-insight-changer@example.org"},
        )
        state["viewers"] = [context.client(user) for user in _moderators()]
        state["changer_id"] = changer.pk
    newest = list(
        Proposal.objects.order_by("-created_at", "-pk").values_list("pk", flat=True)[
            :CHANGED_PROPOSALS
        ]
    )
    state["change"] = Changer(newest, state["changer_id"])
    return state


def run(context) -> None:
    state = _setup(context)
    for name, query in (("insight_default", ""), ("insight_52", "?weeks=52")):
        context.measure(name, PATH + query, clients=state["viewers"], change=state["change"])


def report(context) -> None:
    module = sys.modules[__name__]
    seeding = context.state.get("insight", {}).get("seeding", {})
    counts = ", ".join(
        f"{proposals:,} proposals with {transitions:,} transitions ({added:,} added here)"
        for proposals, transitions, added in seeding.values()
    )
    print_table(
        "Insight page, the render after a change (Django test client as a moderator, ms; every "
        "request and every interleaved floor request right after a real change; 2 moderators in "
        f"turn; {counts or 'nothing seeded'}; no target in the issue)",
        TIMING_HEADER,
        timing_rows(context, MEASURES, context.scales(module), context.target_scale(module)),
    )
