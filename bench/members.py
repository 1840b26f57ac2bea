"""The members page and the proposer's "people who might like to help" (issue 13): the render
after a change, at 100 and 10,000 members, next to the floor.

At each scale the community has as many members as proposals: the database grows to the scale's
member count with `proposals.demo.bulk_seed_members` (the demo's bulk path for members: realistic
profiles, about one in ten shown to teams only, most open to suggestions), after the other
benchmarks of that scale have run. Measured, each request (and every floor request next to it)
right after a real change through the services (bench/changes.py's ProfileChanger: a member edits
their profile, cheers, edits it back, takes the cheer back):

    GET /members/         the directory's first page, three demo members in turn; the people it
                          shows have a little history of their own (cheers on proposals the
                          viewers are part of, so their cards have 共通点), given through the
                          services; the changes are theirs
    the proposal page     a team-forming proposal with open roles and themes, as its proposer (who
                          sees the panel); the changes are made by people the panel shows
    people_for_proposal() the panel's selector alone, among every member (the candidates), each
                          call next to a floor request

The issue sets no figure: the table gives the time in floors and the growth from 100 members
("—" as target). A second table gives the queries each one makes at each scale: they must not
grow with the members (the issue's constant query counts).
"""

import gc
import sys
import time
from dataclasses import dataclass

from .changes import ProfileChanger
from .harness import (
    FLOOR_PATH,
    TIMING_HEADER,
    BenchmarkError,
    Measure,
    Timing,
    print_table,
    timing_rows,
)

SCALES = (100, 10_000)
QUICK_SCALES = (100, 1_000)
ORDER = 70  # after the other benchmarks of a scale: they measure before the members grow
PROPOSER = "mei"
VIEWERS = ("haruto", "yui", "kenji")
THEMES = ("子ども・教育", "広報・デザイン", "地域づくり")
ROLES = (("デザイナー", 2, "月2時間"), ("広報", 1, "週1時間"), ("当日スタッフ", 4, "当日3時間"))
TEAM = (("sota", "当日スタッフ"), ("aoi", "デザイナー"))
CHEERED_BY_EACH = 2  # proposals each member on the first page has cheered (their history)
CHANGED_MEMBERS = 8
DIRECTORY = "/members/"
MEASURES = (
    Measure("members_directory", f"members page {DIRECTORY} (first page)"),
    Measure("members_helpers_page", "proposal page as its proposer (helpers panel)"),
    Measure("members_helpers_call", "people_for_proposal() alone"),
)
CALL = "members_helpers_call"
NO_TARGET = "—"


@dataclass(frozen=True)
class Fixture:
    proposal_id: int
    proposer_id: int
    viewer_ids: tuple[int, ...]


def grow_members(scale: int) -> tuple[int, int, float]:
    """Members up to `scale` (never fewer than there are); returns (members now, added, seconds)."""
    from members.models import User
    from proposals import demo

    missing = scale - User.objects.count()
    started = time.monotonic()
    if missing > 0:
        demo.bulk_seed_members(missing)
    return User.objects.count(), max(missing, 0), time.monotonic() - started


def build_fixture() -> Fixture:
    """The team-forming proposal the helpers panel is measured on, through the services."""
    from members.models import User
    from proposals import services
    from proposals.choices import Status

    people = User.objects.in_bulk(
        [PROPOSER, *VIEWERS, *(name for name, _role in TEAM)], field_name="username"
    )
    proposer = people[PROPOSER]
    proposal = services.proposal_submit(
        proposer=proposer,
        title="子ども食堂のチラシづくりと当日の運営(ベンチマーク)",
        summary="チラシをつくる人、知らせる人、当日手伝ってくれる人を探しています。",
        body="## やりたいこと\n\n- チラシをつくる\n- SNSで知らせる\n- 当日みんなで運営する",
        tags=list(THEMES),
        roles=[services.RoleInput(name=n, count=c, pace=p) for n, c, p in ROLES],
    )
    for to in (Status.DISCUSSION, Status.TEAM_FORMING):
        proposal = services.proposal_transition(proposal=proposal, to=to, by=proposer)
    for username, role in TEAM:
        request = services.membership_request(proposal=proposal, user=people[username], role=role)
        services.membership_accept(membership=request, by=proposer)
    return Fixture(
        proposal_id=proposal.pk,
        proposer_id=proposer.pk,
        viewer_ids=tuple(people[name].pk for name in VIEWERS),
    )


def first_page_ids(viewer_id: int) -> list[int]:
    """The members the directory's first page shows this viewer (the page's own query)."""
    from members import selectors
    from members.models import User

    viewer = User.objects.get(pk=viewer_id)
    members = selectors.directory_members(viewer=viewer, filters=selectors.DirectoryFilters())
    return list(members.values_list("pk", flat=True)[: selectors.DIRECTORY_PAGE_SIZE])


def give_history(member_ids: list[int], proposal_ids: list[int]) -> int:
    """Each member cheers CHEERED_BY_EACH of the proposals (in turn) through the services, unless
    they did already; returns how many cheers were added."""
    from members.models import User
    from proposals import services
    from proposals.models import Proposal

    proposals = Proposal.objects.in_bulk(proposal_ids)
    added = 0
    for index, member in enumerate(User.objects.filter(pk__in=member_ids).order_by("pk")):
        # Cheers are for other people's ideas.
        theirs = [pk for pk in proposal_ids if proposals[pk].proposer_id != member.pk]
        for turn in range(CHEERED_BY_EACH):
            pk = theirs[(index * CHEERED_BY_EACH + turn) % len(theirs)]
            added += services.cheer_set(proposal=proposals[pk], user=member, cheered=True)
    return added


def _viewers_proposals(viewer_ids: tuple[int, ...], count: int, exclude: int) -> list[int]:
    """The newest proposals the viewers proposed (so a cheer on them is 共通点 on the page)."""
    from proposals.models import Proposal

    return list(
        Proposal.objects.filter(proposer_id__in=viewer_ids)
        .exclude(pk=exclude)
        .order_by("-created_at", "-pk")
        .values_list("pk", flat=True)[:count]
    )


def helpers_proposal(pk: int):
    """The proposal as the proposal page loads it for the panel (its themes prefetched)."""
    from proposals.models import Proposal

    return Proposal.objects.prefetch_related("tags", "roles_wanted").get(pk=pk)


_STATE_KEY = "members"


def _setup(context) -> dict:
    from members.models import User
    from members.suggestions import people_for_proposal
    from proposals.models import Proposal

    state = context.state.setdefault(
        _STATE_KEY, {"seeding": {}, "queries": {}, "shown_proposed": {}}
    )
    if "fixture" not in state:
        state["fixture"] = build_fixture()
        users = User.objects.in_bulk([state["fixture"].proposer_id, *state["fixture"].viewer_ids])
        state["proposer"] = context.client(users[state["fixture"].proposer_id])
        state["viewers"] = [context.client(users[pk]) for pk in state["fixture"].viewer_ids]
    fixture = state["fixture"]
    state["seeding"][context.scale] = grow_members(context.scale)
    # The first page as the first viewer sees it (the others see nearly the same people).
    shown = first_page_ids(fixture.viewer_ids[0])
    if not shown:
        raise BenchmarkError("the members page shows nobody")
    # How busy they are: the cards' windows rank everything they did (the demo members, the
    # newest to join, proposed every bulk proposal).
    state["shown_proposed"][context.scale] = Proposal.objects.filter(proposer_id__in=shown).count()
    cheered = _viewers_proposals(fixture.viewer_ids, 2 * CHEERED_BY_EACH + 4, fixture.proposal_id)
    if len(cheered) < CHEERED_BY_EACH + 2:
        raise BenchmarkError("the viewers have proposed too little to be cheered")
    # History on some proposals, the changes' cheers on others: a cheer always changes something.
    give_history(shown, cheered[2:])
    # The viewers' proposals are cheered: by the people shown, not by the viewers themselves.
    changed = [pk for pk in shown if pk not in fixture.viewer_ids][:CHANGED_MEMBERS]
    state["directory_change"] = ProfileChanger(changed, cheered[:2])
    # The changes to the panel come from people it shows: a skill added moves them up or down.
    helpers = [
        found.member.pk
        for found in people_for_proposal(proposal=helpers_proposal(fixture.proposal_id))
    ]
    if not helpers:
        raise BenchmarkError("nobody is suggested for the helpers' proposal")
    state["helpers_change"] = ProfileChanger(helpers[:CHANGED_MEMBERS], [fixture.proposal_id])
    return state


def measure_call(context, name: str, call, *, client, change) -> Timing:
    """Time `call()` as context.measure times a request: after a change, a warm-up, each call
    next to a floor request (the pair's order alternating); stored as results[(name, scale)]."""
    for _index in range(context.warmup):
        change()
        call()
        change()
        client.get(FLOOR_PATH)
    samples, floor_samples, cpu, floor_cpu = [], [], [], []
    gc.collect()
    for index in range(context.iterations):
        pair = [("call", samples, cpu), ("floor", floor_samples, floor_cpu)]
        for kind, into, cpu_into in pair if index % 2 == 0 else reversed(pair):
            change()
            started, spent = time.perf_counter(), time.thread_time()
            if kind == "call":
                call()
            else:
                client.get(FLOOR_PATH)
            cpu_into.append((time.thread_time() - spent) * 1000)
            into.append((time.perf_counter() - started) * 1000)
    timing = Timing(
        tuple(samples),
        tuple(floor_samples),
        0,
        200,
        changed=True,
        cpu_samples=tuple(cpu),
        floor_cpu_samples=tuple(floor_cpu),
    )
    context.results[(name, context.scale)] = timing
    return timing


def count_queries(work) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        work()
    return len(captured.captured_queries)


def run(context) -> None:
    from members.suggestions import people_for_proposal

    state = _setup(context)
    fixture = state["fixture"]
    detail = f"/proposals/{fixture.proposal_id}/"
    context.measure(
        "members_directory", DIRECTORY, clients=state["viewers"], change=state["directory_change"]
    )
    context.measure(
        "members_helpers_page", detail, clients=[state["proposer"]], change=state["helpers_change"]
    )
    found: list = []

    def call():
        found[:] = people_for_proposal(proposal=state["proposal"])

    def change():
        state["helpers_change"]()
        # Loaded as the page loads it, before the call (untimed), like the request's own reads.
        state["proposal"] = helpers_proposal(fixture.proposal_id)

    measure_call(context, CALL, call, client=state["proposer"], change=change)
    if not found:
        context.errors[(CALL, context.scale)] = "nobody was suggested"
        del context.results[(CALL, context.scale)]
    change()
    state["queries"][context.scale] = {
        "members_directory": count_queries(lambda: state["viewers"][0].get(DIRECTORY)),
        "members_helpers_page": count_queries(lambda: state["proposer"].get(detail)),
        CALL: count_queries(call),
    }


def _no_target(rows: list) -> list:
    """Rows of a scale (not of a growth) say "—" where a target would be: the issue sets none;
    a call alone has no response, so no bytes."""
    target, size = TIMING_HEADER.index("target"), TIMING_HEADER.index("bytes")
    call = next(measure.label for measure in MEASURES if measure.name == CALL)
    shaped = []
    for row in rows:
        row = list(row)
        if not row[target]:
            row[target] = NO_TARGET
        if row[0] == call and str(row[size]) == "0":
            row[size] = "-"
        shaped.append(row)
    return shaped


def report(context) -> None:
    module = sys.modules[__name__]
    state = context.state.get(_STATE_KEY, {})
    scales = context.scales(module)
    seeding = state.get("seeding", {})
    shown = state.get("shown_proposed", {})
    counts = ", ".join(
        f"{members:,} members ({added:,} added in {seconds:.1f} s; the first page's people "
        f"proposed {shown.get(scale, 0):,})"
        for scale, (members, added, seconds) in seeding.items()
    )
    header = ["members" if cell == "proposals" else cell for cell in TIMING_HEADER]
    print_table(
        "Members page and helpers' suggestions, the render after a change (Django test client, "
        "ms; every request, call and interleaved floor request right after a real change; "
        f"as many proposals as members; {counts or 'nothing seeded'}; no target in the issue)",
        header,
        _no_target(timing_rows(context, MEASURES, scales, context.target_scale(module))),
    )
    queries = state.get("queries", {})
    if queries:
        print_table(
            "Members page and helpers' suggestions: queries per request (should not grow)",
            ["benchmark", *(f"{scale:,} members" for scale in queries)],
            [
                [measure.label, *(str(queries[scale][measure.name]) for scale in queries)]
                for measure in MEASURES
            ],
        )
