"""GET/POST /api/v1/proposals, GET/PATCH /api/v1/proposals/{id}."""

from html.parser import HTMLParser

import pytest

from members.tests.factories import UserFactory
from proposals import services
from proposals.models import Proposal, Tag
from proposals.tests.factories import add_member, make_proposal

pytestmark = pytest.mark.django_db

MINIMAL = {"title": "公園の清掃を月1で", "summary": "近所の公園を、月に一度みんなで掃除したい。"}


def test_submit_with_only_a_title_and_summary(as_member):
    api = as_member()

    response = api.post("/proposals", MINIMAL)

    assert response.status_code == 201
    data = response.json()
    assert data["title"] == MINIMAL["title"]
    assert data["status"] == "idea"
    assert data["proposer"]["id"] == api.user.pk
    assert data["member_count"] == 1
    assert [m["role"] for m in data["members"]] == ["proposer"]
    proposal = Proposal.objects.get(pk=data["id"])
    assert proposal.proposer == api.user


def test_submit_with_everything(as_member):
    api = as_member()

    response = api.post(
        "/proposals",
        {
            **MINIMAL,
            "body": "## なぜ\n\n**きれいな公園**で子どもが遊べるように。",
            "tags": ["環境", "#地域づくり", "環境"],
            "roles": [{"name": "広報", "count": 2, "pace": "週1h"}, {"name": "当日スタッフ"}],
        },
    )

    assert response.status_code == 201
    data = response.json()
    assert "<strong>きれいな公園</strong>" in data["body_html"]
    assert sorted(data["tags"]) == ["地域づくり", "環境"]
    assert data["open_roles"] == [
        {"name": "広報", "wanted": 2, "filled": 0, "open": 2, "pace": "週1h"},
        {"name": "当日スタッフ", "wanted": 1, "filled": 0, "open": 1, "pace": ""},
    ]


def test_an_idempotency_key_makes_a_repeated_submit_create_one_proposal(as_member):
    api = as_member()

    first = api.post("/proposals", MINIMAL, **{"Idempotency-Key": "double-click-1"})
    second = api.post("/proposals", MINIMAL, **{"Idempotency-Key": "double-click-1"})
    other = api.post("/proposals", MINIMAL, **{"Idempotency-Key": "double-click-2"})

    assert first.status_code == second.status_code == other.status_code == 201
    assert first.json()["id"] == second.json()["id"] != other.json()["id"]
    assert Proposal.objects.count() == 2


def test_an_idempotency_key_with_a_nul_is_a_400_naming_it(as_member):
    response = as_member().post("/proposals", MINIMAL, **{"Idempotency-Key": "double\x00click"})

    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["details"]
    assert not Proposal.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "title"),
        ({**MINIMAL, "title": ""}, "title"),
        ({**MINIMAL, "title": "   "}, "title"),
        ({**MINIMAL, "title": "x" * 121}, "title"),
        ({**MINIMAL, "summary": "x" * 281}, "summary"),
        ({**MINIMAL, "body": "x" * 20_001}, "body"),
        ({**MINIMAL, "title": 42}, "title"),
        ({**MINIMAL, "title": None}, "title"),
        ({**MINIMAL, "title": "nul\x00byte"}, "title"),
        ({**MINIMAL, "tags": "環境"}, "tags"),
        ({**MINIMAL, "tags": ["x" * 41]}, "tags.0"),
        ({**MINIMAL, "tags": [f"t{i}" for i in range(11)]}, "tags"),
        ({**MINIMAL, "roles": [{"name": "広報", "count": 0}]}, "roles.0.count"),
        ({**MINIMAL, "roles": [{"name": "広報", "count": "2"}]}, "roles.0.count"),
        ({**MINIMAL, "roles": [{"name": "広報", "count": 10**30}]}, "roles.0.count"),
        ({**MINIMAL, "roles": [{"count": 1}]}, "roles.0.name"),
        ({**MINIMAL, "roles": [{"name": "proposer"}]}, "roles"),
    ],
)
def test_bad_input_is_refused_with_field_details_and_nothing_is_saved(as_member, payload, field):
    api = as_member()
    tags_before = Tag.objects.count()

    response = api.post("/proposals", payload)

    assert response.status_code == 400
    data = response.json()
    assert data["message"]
    assert field in data["details"], data
    assert all(isinstance(m, str) and m for m in data["details"][field])
    assert not Proposal.objects.exists()
    assert Tag.objects.count() == tags_before


@pytest.mark.parametrize(
    "raw",
    ["{", '{"title": "x",}', "not json", "\xff\xfe", '"just a string"', "[]", "null", "1e999"],
)
def test_malformed_or_non_object_json_is_a_400(as_member, raw):
    api = as_member()

    response = api.post("/proposals", raw=raw)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json()["message"]
    assert not Proposal.objects.exists()


class _Elements(HTMLParser):
    def __init__(self, html: str):
        super().__init__()
        self.found: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


@pytest.mark.parametrize(
    "markdown",
    [
        "<script>alert(1)</script>",
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        '<a href="#" hx-get="/admin/" hx-trigger="load">x</a>',
        '<img src=x onerror="alert(1)">',
        "<div hx-post='/api/v1/proposals/1/cheer'>x</div>",
    ],
)
def test_markdown_is_sanitised(as_member, markdown):
    api = as_member()

    response = api.post("/proposals", {**MINIMAL, "body": markdown})

    assert response.status_code == 201
    data = response.json()
    assert data["body"] == markdown
    for tag, attrs in _Elements(data["body_html"]).found:
        assert tag not in {"script", "img", "div", "iframe"}
        assert not any(name.startswith(("on", "hx-")) for name in attrs)
        assert not attrs.get("href", "").lower().startswith("javascript:")


def test_safe_markdown_links_survive(as_member):
    data = as_member().post("/proposals", {**MINIMAL, "body": "[site](https://example.org)"}).json()

    [(tag, attrs)] = _Elements(data["body_html"]).found[1:]
    assert (tag, attrs["href"]) == ("a", "https://example.org")


def test_detail_shows_status_team_roles_history_and_what_the_caller_may_do(as_member):
    proposal = make_proposal(roles=("designer",))
    member = add_member(proposal, role="designer").user
    services.proposal_transition(proposal=proposal, to="discussion", by=proposal.proposer)
    api = as_member(proposal.proposer)

    data = api.get(f"/proposals/{proposal.pk}").json()

    assert data["status"] == "discussion"
    assert data["status_label"] == "Discussion"
    assert {m["person"]["id"]: m["role"] for m in data["members"]} == {
        proposal.proposer.pk: "proposer",
        member.pk: "designer",
    }
    assert data["open_roles"] == [
        {"name": "designer", "wanted": 2, "filled": 1, "open": 1, "pace": "週2h"}
    ]
    assert [(h["from_status"], h["to_status"]) for h in data["history"]] == [("idea", "discussion")]
    assert data["history"][0]["actor"]["id"] == proposal.proposer.pk
    assert {t["to"] for t in data["available_transitions"]} == {"team_forming", "archived"}
    assert data["blocked_transitions"] == []
    assert data["viewer"]["can_edit"] is True


def test_blocked_transitions_come_with_their_reason(as_member):
    proposal = make_proposal(status="team_forming")
    api = as_member(proposal.proposer)

    data = api.get(f"/proposals/{proposal.pk}").json()

    assert {t["to"] for t in data["available_transitions"]} == {"discussion", "archived"}
    [blocked] = data["blocked_transitions"]
    assert blocked["to"] == "running"
    assert "at least 2 members" in blocked["reason"]


def test_other_members_see_no_transitions_and_no_join_requests(as_member):
    proposal = make_proposal()
    services.membership_request(proposal=proposal, user=UserFactory(), role="designer")

    owner_view = as_member(proposal.proposer).get(f"/proposals/{proposal.pk}").json()
    other_view = as_member().get(f"/proposals/{proposal.pk}").json()

    assert len(owner_view["join_requests"]) == 1
    assert other_view["available_transitions"] == other_view["blocked_transitions"] == []
    assert other_view["join_requests"] == []
    assert other_view["viewer"] == {
        "can_edit": False,
        "can_join": True,
        "cheered": False,
        "following": False,
        "membership_status": None,
    }


def test_people_are_shown_by_display_name_else_username(as_member):
    named = UserFactory(display_name="花子")
    plain = UserFactory(display_name="")
    proposal = make_proposal(proposer=named)
    add_member(proposal, user=plain)
    asking = UserFactory(display_name="")
    services.membership_request(proposal=proposal, user=asking, role="designer")
    services.proposal_transition(proposal=proposal, to="discussion", by=named)

    data = as_member(named).get(f"/proposals/{proposal.pk}").json()
    [listed] = as_member().get("/proposals").json()["items"]

    assert data["proposer"]["display_name"] == listed["proposer"]["display_name"] == "花子"
    assert {m["person"]["display_name"] for m in data["members"]} == {"花子", plain.username}
    assert data["join_requests"][0]["person"]["display_name"] == asking.username
    assert data["history"][0]["actor"]["display_name"] == "花子"


def test_me_describes_the_caller(as_member):
    me = UserFactory(display_name="", interests=["環境", "食"], bio="料理が好き")

    data = as_member(me).get("/me").json()

    assert data["id"] == me.pk
    assert data["display_name"] == ""
    assert data["public_name"] == me.username
    assert data["interests"] == ["環境", "食"]
    assert data["bio"] == "料理が好き"
    assert data["is_moderator"] is False
    assert as_member(UserFactory(moderator=True)).get("/me").json()["is_moderator"] is True


@pytest.mark.parametrize("path", ["/proposals/999999", "/proposals/9223372036854775807"])
def test_unknown_proposal_is_a_json_404(as_member, path):
    response = as_member().get(path)

    assert response.status_code == 404
    assert response.json()["message"]


@pytest.mark.parametrize("bad_id", ["abc", "0", "-1", "1.5", "99999999999999999999999"])
def test_ids_that_are_not_ids_are_a_400(as_member, bad_id):
    response = as_member().get(f"/proposals/{bad_id}")

    assert response.status_code == 400
    assert "id" in response.json()["details"]


def test_list_is_paginated_with_a_total(as_member):
    proposer = UserFactory()
    for n in range(5):
        make_proposal(proposer=proposer, title=f"案 {n}")

    page = as_member().get("/proposals", page=2, page_size=2).json()

    assert page["count"] == 5
    assert (page["page"], page["page_size"]) == (2, 2)
    assert len(page["items"]) == 2
    assert as_member().get("/proposals", page=9).json()["items"] == []


def test_list_filters_by_status_tag_text_and_mine(as_member):
    me = UserFactory()
    running = make_proposal(status="running", title="読み聞かせの会")
    tagged = make_proposal(tags=["防災"], title="防災マップ")
    mine = make_proposal(proposer=me, title="わたしの案")
    joined = make_proposal(title="参加した案")
    add_member(joined, me)
    api = as_member(me)

    def ids(**params):
        return {item["id"] for item in api.get("/proposals", **params).json()["items"]}

    assert ids(status="running") == {running.pk}
    assert ids(tag="防災") == {tagged.pk}
    assert ids(q="読み聞かせ") == {running.pk}
    assert ids(mine="true") == {mine.pk, joined.pk}
    assert ids() == {running.pk, tagged.pk, mine.pk, joined.pk}


@pytest.mark.parametrize(
    "params",
    [
        {"status": "someday"},
        {"page": "0"},
        {"page": "x"},
        {"page_size": "1000"},
        {"mine": "perhaps"},
        {"q": "x" * 201},
        {"q": "a\x00b"},
    ],
)
def test_bad_list_parameters_are_a_400(as_member, params):
    response = as_member().get("/proposals", **params)

    assert response.status_code == 400
    assert set(params) <= set(response.json()["details"])


def test_the_proposer_edits_only_what_they_send(as_member):
    proposal = make_proposal(tags=["環境"])
    api = as_member(proposal.proposer)

    response = api.patch(f"/proposals/{proposal.pk}", {"summary": "新しい一行", "body": "**太字**"})

    assert response.status_code == 200
    data = response.json()
    assert data["summary"] == "新しい一行"
    assert data["title"] == proposal.title
    assert data["tags"] == ["環境"]
    assert "<strong>太字</strong>" in data["body_html"]


def test_edit_replaces_tags_and_roles_when_given(as_member):
    proposal = make_proposal(roles=("designer",))
    api = as_member(proposal.proposer)

    data = api.patch(
        f"/proposals/{proposal.pk}", {"tags": ["福祉"], "roles": [{"name": "会計", "count": 1}]}
    ).json()

    assert data["tags"] == ["福祉"]
    assert [role["name"] for role in data["open_roles"]] == ["会計"]


def test_others_cannot_edit(as_member):
    proposal = make_proposal()

    response = as_member().patch(f"/proposals/{proposal.pk}", {"title": "乗っ取り"})

    assert response.status_code == 403
    assert response.json()["message"]
    proposal.refresh_from_db()
    assert proposal.title != "乗っ取り"


def test_a_moderator_can_edit(as_member):
    proposal = make_proposal()

    response = as_member(UserFactory(moderator=True)).patch(
        f"/proposals/{proposal.pk}", {"title": "整えたタイトル"}
    )

    assert response.status_code == 200
    assert response.json()["title"] == "整えたタイトル"


@pytest.mark.parametrize(
    "payload", [{"title": ""}, {"title": "x" * 121}, {"summary": 3}, {"body": ["x"]}]
)
def test_bad_edits_change_nothing(as_member, payload):
    proposal = make_proposal()

    response = as_member(proposal.proposer).patch(f"/proposals/{proposal.pk}", payload)

    assert response.status_code == 400
    assert set(payload) <= set(response.json()["details"])
    fresh = Proposal.objects.get(pk=proposal.pk)
    assert (fresh.title, fresh.summary, fresh.body) == (
        proposal.title,
        proposal.summary,
        proposal.body,
    )


def test_editing_an_unknown_proposal_is_a_404(as_member):
    assert as_member().patch("/proposals/424242", {"title": "x"}).status_code == 404


def test_a_body_too_large_to_read_is_a_json_400(as_member):
    response = as_member().post("/proposals", {**MINIMAL, "body": "x" * 3_000_000})

    assert response.status_code == 400
    assert response.json()["message"]
    assert not Proposal.objects.exists()


def test_any_unicode_text_round_trips(as_member):
    title = "🌱 みんなの畑 — café ✓ עברית 𠮷"
    response = as_member().post("/proposals", {**MINIMAL, "title": title, "tags": ["🌱"]})

    assert response.status_code == 201
    assert (response.json()["title"], response.json()["tags"]) == (title, ["🌱"])
