"""The foundation's pages: the proposal list, a heavy detail page and the API list.

The detail page belongs to a proposal with 200 comments, 30 members and 50 transitions, built
once through the real services. Pages are cached until the next change: each page is measured as
a repeat visit (the target) and as the first visit after a change (a cache miss, no target). Targets (issue 2): at 10,000 proposals within 1.5× of the time at
100; the list and the detail page within 3× of the floor.
"""

from dataclasses import dataclass

from .harness import TIMING_HEADER, BenchmarkError, print_table, timing_rows

SCALES = (100, 10_000)
ORDER = 10
FLOOR_LIMIT = 3.0
COMMENTS, MEMBERS, TRANSITIONS = 200, 30, 50
API_LIST = "/api/v1/proposals"
# name, what the row is called, whether the floor target applies. Pages are cached until the
# next change (incubator/fragments.py): the plain rows are a repeat visit, the "after a change"
# rows the first visit after someone changed something (a cache miss), measured with no target.
PAGES = (
    ("list", "proposal list page", True),
    ("list_changed", "proposal list page, after a change", False),
    ("detail", "detail (200 comments, 30 members, 50 moves)", True),
    ("detail_changed", "detail, after a change", False),
    ("api_list", f"GET {API_LIST}", False),
)


@dataclass(frozen=True)
class Fixture:
    viewer_id: int
    detail_pk: int
    token: str


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
    return Fixture(viewer_id=proposer.pk, detail_pk=proposal.pk, token=raw)


def run(context) -> None:
    from members.models import User

    if "pages" not in context.state:
        fixture = build_fixture()
        viewer = User.objects.get(pk=fixture.viewer_id)
        context.state["pages"] = (fixture, context.client(viewer), context.client())
    from proposals import freshness

    fixture, browser, api_client = context.state["pages"]
    detail = f"/proposals/{fixture.detail_pk}/"
    context.measure("list", "/proposals/", client=browser)
    context.measure("list_changed", "/proposals/", client=browser, before=freshness.changed)
    context.measure("detail", detail, client=browser)
    context.measure("detail_changed", detail, client=browser, before=freshness.changed)
    try:
        context.measure(
            "api_list",
            API_LIST,
            client=api_client,
            headers={"Authorization": f"Bearer {fixture.token}"},
        )
    except BenchmarkError as error:
        context.state.setdefault("pages_errors", []).append(str(error))


def report(context) -> None:
    measures = [
        (name, label, FLOOR_LIMIT if floor_target else None) for name, label, floor_target in PAGES
    ]
    rows = timing_rows(context, measures, SCALES)
    print_table(
        "Foundation pages (server time through the Django test client; ms)",
        TIMING_HEADER,
        rows,
    )
    for error in context.state.get("pages_errors", []):
        print(f"  not measured: {error}")
