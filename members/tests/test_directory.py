"""The members page (issue 13, 知る・繋がる): filters, what each card shows, 共通点, who is listed,
and a page's cost."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from members import selectors
from members.models import ProfileVisibility, User
from members.tests.factories import UserFactory
from proposals import services as proposal_services
from proposals.tests.factories import add_member, make_proposal

pytestmark = pytest.mark.django_db

DIRECTORY = reverse("members:directory")


def names(response) -> list[str]:
    return [card.member.username for card in response.context["cards"]]


@pytest.fixture
def viewer():
    return UserFactory(username="viewer", interests=["福祉", "環境"])


@pytest.fixture
def viewer_client(client, viewer):
    client.force_login(viewer)
    return client


@pytest.fixture
def people():
    """A small community, joined at known times (newest first on the page)."""
    now = timezone.now()
    specs = [
        (
            "aoi",
            "あおい",
            "地域のNPOで働いています。\n写真も好きです。",
            ["福祉"],
            "デザイン、写真",
            "週末に2時間",
        ),
        ("ren", "れん", "エンジニアです", ["IT・デジタル", "環境"], "Python, web", "平日の夜"),
        (
            "mio",
            "",
            "学生です。子ども食堂のボランティアをしています",
            ["子ども・教育"],
            "料理",
            "週末",
        ),
        ("kai", "かい", "", [], "", ""),
    ]
    made = {}
    for age, (username, display, bio, interests, skills, availability) in enumerate(specs):
        made[username] = UserFactory(
            username=username,
            display_name=display,
            bio=bio,
            interests=interests,
            skills=skills,
            availability=availability,
        )
        # kai joined long ago; the others this month, aoi last.
        joined = now - (timedelta(days=400) if username == "kai" else timedelta(minutes=age))
        User.objects.filter(pk=made[username].pk).update(date_joined=joined)
    return made


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["aoi", "ren", "mio", "kai"]),
        ({"theme": "福祉"}, ["aoi"]),
        ({"theme": "環境"}, ["ren"]),
        ({"theme": "#子ども・教育"}, ["mio"]),
        ({"theme": "福"}, []),  # an interest is matched whole, as the themes are
        ({"skill": "デザイン"}, ["aoi"]),
        ({"skill": "python"}, ["ren"]),
        ({"availability": "週末"}, ["aoi", "mio"]),
        ({"availability": "週末 2時間"}, ["aoi"]),
        ({"new": "1"}, ["aoi", "ren", "mio"]),
        ({"q": "NPO"}, ["aoi"]),
        ({"q": "れん"}, ["ren"]),
        ({"q": "mio"}, ["mio"]),
        ({"q": "子ども", "availability": "週末"}, ["mio"]),
        ({"q": "nobody-has-this"}, []),
    ],
)
def test_the_filters_narrow_the_members(viewer_client, people, params, expected):
    response = viewer_client.get(DIRECTORY, params)
    assert response.status_code == 200
    assert names(response) == expected


def test_a_card_shows_the_first_line_interests_skills_availability_and_recent_activity(
    viewer_client, people
):
    aoi, ren = people["aoi"], people["ren"]
    mine = make_proposal(proposer=aoi, title="写真で伝えるNPOの活動")
    joined = make_proposal(proposer=ren, title="子ども食堂のウェブサイト", status="team_forming")
    add_member(joined, aoi, role="designer")
    cheered = make_proposal(proposer=ren, title="川辺の清掃")
    proposal_services.cheer_set(proposal=cheered, user=aoi, cheered=True)

    response = viewer_client.get(DIRECTORY)
    card = next(card for card in response.context["cards"] if card.member == aoi)
    assert card.first_line == "地域のNPOで働いています。"
    assert [link.title for link in card.proposed] == [mine.title]
    assert [link.title for link in card.joined] == [joined.title]
    assert [link.title for link in card.cheered] == [cheered.title]
    html = response.content.decode()
    for text in ("あおい", "地域のNPOで働いています。", "デザイン、写真", "週末に2時間"):
        assert text in html
    assert "写真も好きです。" not in html  # only the first line
    assert f'href="{mine.get_absolute_url()}"' in html
    assert f'href="{joined.get_absolute_url()}"' in html
    assert f'href="{reverse("members:profile", args=["aoi"])}"' in html


def test_only_the_latest_few_of_each_kind_are_shown(viewer_client, people):
    aoi = people["aoi"]
    titles = [f"アイデア{n}" for n in range(5)]
    for title in titles:
        make_proposal(proposer=aoi, title=title)
    card = next(
        card for card in viewer_client.get(DIRECTORY).context["cards"] if card.member == aoi
    )
    assert [link.title for link in card.proposed] == titles[::-1][: selectors.RECENT_SHOWN]


def test_in_common_are_shared_interests_and_proposals_both_cheered_or_joined(
    viewer_client, viewer, people
):
    aoi, ren, mio = people["aoi"], people["ren"], people["mio"]
    both_cheered = make_proposal(proposer=mio, title="みんなで読書会")
    for person in (viewer, aoi):
        proposal_services.cheer_set(proposal=both_cheered, user=person, cheered=True)
    same_team = make_proposal(proposer=viewer, title="福祉の勉強会", status="team_forming")
    add_member(same_team, ren, role="designer")
    only_viewer = make_proposal(proposer=mio, title="ひとりで応援")
    proposal_services.cheer_set(proposal=only_viewer, user=viewer, cheered=True)

    cards = {card.member.username: card for card in viewer_client.get(DIRECTORY).context["cards"]}
    expected = {
        # username: (interests in common, proposals in common)
        "aoi": (["福祉"], [both_cheered.title]),
        "ren": (["環境"], [same_team.title]),
        # mio proposed both proposals the viewer cheered: she is on their teams.
        "mio": ([], [only_viewer.title, both_cheered.title]),
        "kai": ([], []),
    }
    for username, (interests, proposals) in expected.items():
        card = cards[username]
        assert card.common_interests == interests, username
        assert [link.title for link in card.common_proposals] == proposals, username
    assert not cards["kai"].has_common


def test_in_common_names_the_latest_few_proposals_however_many_are_shared(
    viewer_client, viewer, people
):
    # Two members active for years share many proposals: the card names the newest few (found
    # by the bench: every shared proposal made a 1.6 MB members page at 10,000 proposals).
    aoi, mio = people["aoi"], people["mio"]
    shared = []
    for n in range(4):
        cheered = make_proposal(proposer=mio, title=f"どちらも応援{n}")
        for person in (viewer, aoi):
            proposal_services.cheer_set(proposal=cheered, user=person, cheered=True)
        team = make_proposal(proposer=viewer, title=f"同じチーム{n}", status="team_forming")
        add_member(team, aoi, role="designer")
        shared += [cheered, team]
    only_aoi = make_proposal(proposer=mio, title="あおいさんだけが応援")
    proposal_services.cheer_set(proposal=only_aoi, user=aoi, cheered=True)

    cards = {card.member.username: card for card in viewer_client.get(DIRECTORY).context["cards"]}

    newest = sorted(shared, key=lambda proposal: proposal.pk, reverse=True)
    assert [link.title for link in cards["aoi"].common_proposals] == [
        proposal.title for proposal in newest[: selectors.RECENT_SHOWN]
    ]
    # mio proposed the cheered ones: she is on their teams, the viewer cheers them.
    assert [link.title for link in cards["mio"].common_proposals] == [
        f"どちらも応援{n}" for n in (3, 2, 1)
    ]


def test_the_page_shows_in_common_in_words(client, people):
    viewer = UserFactory(interests=["福祉"])
    client.force_login(viewer)
    html = client.get(DIRECTORY, {"theme": "福祉"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    common = html[html.index('class="member-common"') :]
    common = common[: common.index("</div>")]
    assert "In common" in common
    assert "<li>福祉</li>" in common


def test_team_only_members_are_listed_for_their_teammates_and_themselves_only(client, people):
    aoi, ren = people["aoi"], people["ren"]
    User.objects.filter(pk=aoi.pk).update(profile_visibility=ProfileVisibility.TEAM)
    stranger = UserFactory()
    teammate = UserFactory()
    proposal = make_proposal(proposer=ren, status="team_forming")
    add_member(proposal, aoi, role="designer")
    add_member(proposal, teammate, role="designer")

    client.force_login(stranger)
    assert "aoi" not in names(client.get(DIRECTORY))
    assert client.get(reverse("members:profile", args=["aoi"])).status_code == 404
    # Their name still shows where they take part: the proposal's team.
    assert "あおい" in client.get(proposal.get_absolute_url()).content.decode()

    for person in (teammate, ren):
        client.force_login(person)
        assert "aoi" in names(client.get(DIRECTORY))
        assert client.get(reverse("members:profile", args=["aoi"])).status_code == 200
    client.force_login(User.objects.get(pk=aoi.pk))
    assert client.get(reverse("members:profile", args=["aoi"])).status_code == 200


def test_a_request_to_join_is_no_team(client, people):
    """Only accepted members are a team: asking to join does not open a team-only profile."""
    aoi, ren = people["aoi"], people["ren"]
    User.objects.filter(pk=aoi.pk).update(profile_visibility=ProfileVisibility.TEAM)
    proposal = make_proposal(proposer=aoi, status="team_forming")
    proposal_services.membership_request(proposal=proposal, user=ren, role="designer")
    client.force_login(ren)
    assert "aoi" not in names(client.get(DIRECTORY))
    assert client.get(reverse("members:profile", args=["aoi"])).status_code == 404


def test_deactivated_members_are_not_listed(viewer_client, people):
    User.objects.filter(pk=people["kai"].pk).update(is_active=False)
    assert "kai" not in names(viewer_client.get(DIRECTORY))


def test_the_page_comes_in_pages_of_24(viewer_client):
    UserFactory.create_batch(selectors.DIRECTORY_PAGE_SIZE + 2)
    first = viewer_client.get(DIRECTORY)
    assert len(first.context["cards"]) == selectors.DIRECTORY_PAGE_SIZE
    second = viewer_client.get(DIRECTORY, {"page": 2})
    assert len(second.context["cards"]) == 2


@pytest.mark.parametrize(
    "params",
    [
        {"page": "abc"},
        {"page": "999"},
        {"theme": "\x00"},
        {"q": "a\x00b", "skill": "x" * 5000},
        {"availability": "%_%", "new": "maybe"},
    ],
)
def test_odd_input_is_a_page_never_an_error(viewer_client, people, params):
    assert viewer_client.get(DIRECTORY, params).status_code == 200


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(DIRECTORY)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def _community(size: int, viewer: User) -> None:
    """`size` members, each with a proposal, a team and a cheer shared with the viewer."""
    shared = make_proposal(proposer=viewer, title="共通のアイデア", status="team_forming")
    for n in range(size):
        person = UserFactory(
            interests=["福祉", f"テーマ{n}"], skills="デザイン", bio=f"こんにちは{n}"
        )
        make_proposal(proposer=person, title=f"提案{n}")
        proposal_services.cheer_set(proposal=shared, user=person, cheered=True)
        if n % 2:
            add_member(shared, person, role="designer")


@pytest.mark.parametrize("filtered", [False, True])
def test_a_page_costs_the_same_queries_for_5_or_50_members(client, filtered):
    viewer = UserFactory(interests=["福祉"])
    client.force_login(viewer)
    params = {"theme": "福祉", "skill": "デザイン"} if filtered else {}
    counts = []
    for size in (5, 45):
        _community(size, viewer)
        client.get(DIRECTORY, params)  # warm: sessions, the content types
        with CaptureQueriesContext(connection) as queries:
            response = client.get(DIRECTORY, params)
        assert response.status_code == 200
        assert response.context["cards"]
        counts.append(len(queries))
    assert counts[0] == counts[1]
