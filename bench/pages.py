"""The proposal list, a heavy proposal page and the API list: the render after a change.

The detail page belongs to a proposal with 200 comments, 30 members and 50 transitions, built
once through the real services. Every timed request (and every floor request next to it) comes
right after a real change through the services to a proposal the page shows (bench/changes.py),
and the viewers take turns: on the list three members, on the proposal page its proposer, a team
member and a member outside the team. Targets (issue 9): the list and the proposal page within
10× the floor at 10,000 proposals, and at 10,000 within 1.2× of their cost at 100, in floors.

In a whole `make bench`, the members benchmark (bench/members.py) has grown the community by the
time this one runs at 10,000: its members are open to suggestions, so the page as its proposer
and as the team member (a moderator) then shows "people who might like to help" it did not show
at 100 (some 9 KB more each), and the proposal page's growth includes them. `--only pages` measures the same page at both scales.
"""

import sys
from dataclasses import dataclass

from .changes import Changer, shown_proposals
from .harness import (
    FLOOR_LIMIT,
    GROWTH_LIMIT,
    TIMING_HEADER,
    BenchmarkError,
    Measure,
    print_table,
    timing_rows,
)

SCALES = (100, 10_000)
QUICK_SCALES = (100, 1_000)
ORDER = 10
COMMENTS, MEMBERS, TRANSITIONS = 200, 30, 50
API_LIST = "/api/v1/proposals"
MEASURES = (
    Measure(
        "list", "proposal list /proposals/", FLOOR_LIMIT, GROWTH_LIMIT, floor_limit_at_target=True
    ),
    Measure(
        "detail",
        "detail (200 comments, 30 members, 50 moves)",
        FLOOR_LIMIT,
        GROWTH_LIMIT,
        floor_limit_at_target=True,
    ),
    Measure("api_list", f"GET {API_LIST}"),
)


@dataclass(frozen=True)
class Fixture:
    proposer_id: int
    team_member_id: int
    outsider_id: int
    changer_id: int
    detail_pk: int
    token: str


def _member(username: str):
    from members.models import User

    user, _created = User.objects.get_or_create(
        username=username,
        defaults={"email": f"{username}@example.org", "display_name": username},
    )
    return user


def build_fixture() -> Fixture:
    from django.conf import settings

    from members.models import User
    from members.services import api_token_create
    from proposals import services
    from proposals.choices import Status

    proposer = User.objects.get(username="haruto")
    helpers = list(User.objects.exclude(pk=proposer.pk).order_by("pk")[: MEMBERS - 1])
    for number in range(len(helpers) + 1, MEMBERS):
        helpers.append(
            User.objects.create_user(
                username=f"bench{number:02d}",
                email=f"bench{number:02d}@example.org",
                password="bench-pass",
                display_name=f"ベンチ参加者{number}",
            )
        )
    proposal = services.proposal_submit(
        proposer=proposer,
        title="コメント200件の提案(ベンチマーク)",
        summary="詳細ページの重さを測るための提案です。",
        body="## 背景\n\n**たくさんの人**が関わっている提案です。\n\n- 仲間\n- 記録\n- 応援",
        tags=["学び合い", "地域づくり"],
        roles=[services.RoleInput(name="サポーター", count=MEMBERS, pace="週1時間")],
    )

    def move(to: str, note: str = "") -> None:
        nonlocal proposal
        proposal = services.proposal_transition(proposal=proposal, to=to, by=proposer, note=note)

    move(Status.DISCUSSION)
    move(Status.TEAM_FORMING)
    for helper in helpers:
        request = services.membership_request(
            proposal=proposal, user=helper, role="サポーター", availability="週末に2時間くらい"
        )
        services.membership_accept(membership=request, by=proposer)
    for index in range(TRANSITIONS - 2):
        move(Status.RUNNING if index % 2 == 0 else Status.TEAM_FORMING)
    people = [proposer, *helpers]
    for index in range(COMMENTS):
        services.comment_create(
            proposal=proposal,
            author=people[index % len(people)],
            body=f"コメント {index + 1}: **いいですね**。[資料](https://example.org/{index}) を見ました。",
        )
    proposal.refresh_from_db()
    history = proposal.transitions.count()
    if (proposal.comment_count, proposal.member_count, history) != (COMMENTS, MEMBERS, TRANSITIONS):
        raise BenchmarkError(
            f"detail fixture has {proposal.comment_count} comments, {proposal.member_count} "
            f"members, {history} transitions (MIN_TEAM_SIZE={settings.MIN_TEAM_SIZE})"
        )
    _token, raw = api_token_create(user=proposer, name="bench")
    return Fixture(
        proposer_id=proposer.pk,
        team_member_id=helpers[0].pk,
        outsider_id=_member("bench-outsider").pk,
        changer_id=_member("bench-changer").pk,
        detail_pk=proposal.pk,
        token=raw,
    )


def list_viewers() -> list:
    """Three members: the first demo member and the next two (by pk)."""
    from members.models import User

    first = User.objects.get(username="haruto")
    others = list(User.objects.exclude(pk=first.pk).order_by("pk")[:2])
    return [first, *others]


def _setup(context) -> dict:
    from members.models import User

    if "pages" in context.state:
        return context.state["pages"]
    fixture = build_fixture()
    users = User.objects.in_bulk([fixture.proposer_id, fixture.team_member_id, fixture.outsider_id])
    detail_viewers = [context.client(users[pk]) for pk in users]
    list_clients = [context.client(user) for user in list_viewers()]
    response = list_clients[0].get("/proposals/")
    shown = shown_proposals(response.content.decode())
    if not shown:
        raise BenchmarkError(f"the list (HTTP {response.status_code}) links to no proposal")
    state = {
        "fixture": fixture,
        "detail_viewers": detail_viewers,
        "list_viewers": list_clients,
        "api_client": context.client(),
        # One changer per page, each with a cycle of its own (changes.Changer).
        "detail_change": Changer([fixture.detail_pk], fixture.changer_id),
        "list_change": Changer(shown[:20], fixture.changer_id),
    }
    context.state["pages"] = state
    return state


def run(context) -> None:
    state = _setup(context)
    fixture = state["fixture"]
    context.measure(
        "list", "/proposals/", clients=state["list_viewers"], change=state["list_change"]
    )
    context.measure(
        "detail",
        f"/proposals/{fixture.detail_pk}/",
        clients=state["detail_viewers"],
        change=state["detail_change"],
    )
    context.measure(
        "api_list",
        API_LIST,
        clients=[state["api_client"]],
        headers={"Authorization": f"Bearer {fixture.token}"},
        change=state["list_change"],
    )


def report(context) -> None:
    module = sys.modules[__name__]
    print_table(
        "Pages, the render after a change (Django test client, ms; every request and every "
        "interleaved floor request right after a real change; 3 viewers in turn)",
        TIMING_HEADER,
        timing_rows(context, MEASURES, context.scales(module), context.target_scale(module)),
    )
