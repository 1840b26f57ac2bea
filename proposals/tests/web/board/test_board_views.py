from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from members.tests.factories import UserFactory
from proposals import services
from proposals.choices import Status
from proposals.models import Proposal, TransitionLog
from proposals.tests.factories import add_member, make_proposal

from .conftest import bulk_proposals

pytestmark = pytest.mark.django_db

BOARD = reverse("proposals:board")


def _queries(client, url, **headers) -> int:
    """Queries of one visit."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, headers=headers)
    assert response.status_code == 200
    return len(captured)


def _card_ids(html: str, status: str) -> list[int]:
    """Card ids in one column, in order, read from the rendered board."""
    column = html.split(f'id="cards-{status}"', 1)[1].split("</ol>", 1)[0]
    return [int(part.split('"', 1)[0]) for part in column.split('data-id="')[1:]]


def test_columns_show_counts_explanations_and_cards(member_client, member):
    mine = make_proposal(proposer=member, title="公園の清掃をしたい")
    make_proposal(status=Status.RUNNING, title="オンライン勉強会")
    make_proposal(status=Status.ARCHIVED, title="休憩中の企画")

    response = member_client.get(BOARD)

    html = response.content.decode()
    assert response.status_code == 200
    for status in ("idea", "discussion", "team_forming", "running", "done"):
        assert f'data-status="{status}"' in html
    assert 'id="cards-archived"' not in html
    assert "No plan needed yet." in html
    assert "公園の清掃をしたい" in html and "オンライン勉強会" in html
    assert "休憩中の企画" not in html
    assert _card_ids(html, "idea") == [mine.pk]
    assert response["ETag"]


def test_archived_column_is_behind_a_toggle(member_client):
    make_proposal(status=Status.ARCHIVED, title="休憩中の企画")

    html = member_client.get(BOARD, {"archived": "1"}).content.decode()

    assert 'id="cards-archived"' in html
    assert "休憩中の企画" in html


def test_card_shows_open_roles_team_time_and_a_gentle_quiet_hint(member_client):
    proposal = make_proposal(status=Status.TEAM_FORMING, roles=("デザイナー",))
    add_member(proposal, role="デザイナー")
    Proposal.objects.filter(pk=proposal.pk).update(
        last_activity_at=timezone.now() - timezone.timedelta(days=40), cheer_count=3
    )

    html = member_client.get(BOARD).content.decode()

    assert "Looking for:" in html
    # Places as counts, filled of wanted (「デザイナー 1/2」), in words for screen readers, and the pace.
    assert '<span class="card-role-name">デザイナー</span> <span class="card-role-slots"' in html
    assert ">1/2</span>" in html and "1 of 2 places filled" in html
    assert '<span class="card-role-pace">週2h</span>' in html
    assert "team of 2" in html
    assert "3 cheers" in html
    assert "In this stage for" in html
    assert "Quiet for 40 days" in html


def test_recently_active_first_and_done_most_recently_finished_first(member_client):
    now = timezone.now()
    older, newer = make_proposal(), make_proposal()
    Proposal.objects.filter(pk=older.pk).update(last_activity_at=now - timezone.timedelta(days=2))
    finished_long_ago = make_proposal(status=Status.DONE)
    finished_now = make_proposal(status=Status.DONE)
    Proposal.objects.filter(pk=finished_long_ago.pk).update(
        status_changed_at=now - timezone.timedelta(days=30), last_activity_at=now
    )
    Proposal.objects.filter(pk=finished_now.pk).update(
        status_changed_at=now, last_activity_at=now - timezone.timedelta(days=9)
    )

    html = member_client.get(BOARD).content.decode()

    assert _card_ids(html, "idea") == [newer.pk, older.pk]
    assert _card_ids(html, "done") == [finished_now.pk, finished_long_ago.pk]


@pytest.mark.parametrize("url", [BOARD, "/api/v1/board"])
def test_constant_number_of_queries_with_5_and_500_proposals(member_client, member, url):
    bulk_proposals(5)
    make_proposal(proposer=member, status=Status.TEAM_FORMING)
    few = _queries(member_client, url)

    bulk_proposals(495)
    many = _queries(member_client, url)

    assert few == many
    # Without filters, the validator only counts the proposals (so that an unchanged poll never
    # counts the columns); a board that is rendered after all counts its columns in one more.
    assert many <= 11


def test_constant_number_of_queries_for_filters_and_htmx(member_client, member):
    bulk_proposals(5)
    url = f"{BOARD}?theme=環境&q=Bulk&mine=1&looking=1&interests=1&archived=1"
    few = _queries(member_client, url, HX_Request="true")
    bulk_proposals(495)
    assert _queries(member_client, url, HX_Request="true") == few <= 10


def test_unchanged_poll_answers_304_without_rendering(member_client):
    make_proposal()
    first = member_client.get(BOARD, headers={"HX-Request": "true"})
    etag = first["ETag"]

    with CaptureQueriesContext(connection) as captured:
        again = member_client.get(BOARD, headers={"HX-Request": "true", "If-None-Match": etag})

    assert again.status_code == 304
    assert again.content == b""
    assert again.templates == []
    assert len(captured) <= 4  # session, user, their moderator flag, one aggregate


def test_poll_sees_a_change_made_elsewhere(member_client):
    proposal = make_proposal()
    etag = member_client.get(BOARD, headers={"HX-Request": "true"})["ETag"]

    services.proposal_transition(proposal=proposal, to=Status.DISCUSSION, by=proposal.proposer)
    response = member_client.get(BOARD, headers={"HX-Request": "true", "If-None-Match": etag})

    assert response.status_code == 200
    assert response["ETag"] != etag
    assert _card_ids(response.content.decode(), "discussion") == [proposal.pk]


@pytest.mark.parametrize("query", ["", "?theme=食"])
def test_a_deleted_proposal_changes_the_validator_though_nothing_else_changed(member_client, query):
    """A deletion moves no `updated_at`: the validator's count (of every proposal without
    filters, of each column with them) is what tells the poll that a card has gone."""
    kept = make_proposal(title="残る", tags=["食"])
    gone = make_proposal(title="消える", tags=["食"])
    # Not the latest change either, so the latest `updated_at` stays where it was.
    Proposal.objects.filter(pk=gone.pk).update(updated_at=kept.updated_at - timedelta(days=1))
    url = BOARD + query
    etag = member_client.get(url, headers={"HX-Request": "true"})["ETag"]

    gone.delete()
    response = member_client.get(url, headers={"HX-Request": "true", "If-None-Match": etag})

    assert response.status_code == 200
    assert _card_ids(response.content.decode(), "idea") == [kept.pk]


def test_page_and_partial_have_different_etags(member_client):
    make_proposal()
    page = member_client.get(BOARD)
    partial = member_client.get(BOARD, headers={"HX-Request": "true"})
    assert page["ETag"] != partial["ETag"]
    assert "<html" in page.content.decode()
    assert "<html" not in partial.content.decode()
    assert 'id="board-columns"' in partial.content.decode()


def test_history_restore_gets_the_whole_page(member_client):
    response = member_client.get(
        BOARD, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert "<html" in response.content.decode()


class TestFilters:
    def test_theme(self, member_client):
        green = make_proposal(tags=["環境"], title="川辺の清掃")
        make_proposal(tags=["福祉"], title="見守り活動")
        html = member_client.get(BOARD, {"theme": "環境"}).content.decode()
        assert _card_ids(html, "idea") == [green.pk]

    def test_free_text(self, member_client):
        make_proposal(title="川辺の清掃", summary="月1回")
        wanted = make_proposal(title="読書会", summary="子どもと絵本を読む")
        html = member_client.get(BOARD, {"q": "絵本"}).content.decode()
        assert _card_ids(html, "idea") == [wanted.pk]

    def test_free_text_finds_the_body_as_the_list_does(self, member_client):
        wanted = make_proposal(title="読書会", summary="月1回", body="図書館で**紙芝居**も")
        make_proposal(title="川辺の清掃", summary="月1回")
        board = member_client.get(BOARD, {"q": "紙芝居"}).content.decode()
        listed = member_client.get("/proposals/", {"q": "紙芝居"}).content.decode()
        assert _card_ids(board, "idea") == [wanted.pk]
        assert f'href="/proposals/{wanted.pk}/"' in listed
        assert "川辺の清掃" not in listed

    def test_mine_means_proposed_or_joined(self, member_client, member):
        proposed = make_proposal(proposer=member)
        joined = make_proposal(status=Status.TEAM_FORMING)
        add_member(joined, user=member)
        make_proposal()
        html = member_client.get(BOARD, {"mine": "1"}).content.decode()
        assert _card_ids(html, "idea") == [proposed.pk]
        assert _card_ids(html, "team_forming") == [joined.pk]

    def test_looking_for_people_is_open_roles_in_any_stage_where_joining_is_possible(
        self, member_client
    ):
        open_team = make_proposal(status=Status.TEAM_FORMING, roles=("designer",))
        full_team = make_proposal(status=Status.TEAM_FORMING, roles=("designer",))
        add_member(full_team, role="designer")
        add_member(full_team, role="designer")
        discussing = make_proposal(status=Status.DISCUSSION, roles=("designer",))
        make_proposal(status=Status.DONE, roles=("designer",))
        html = member_client.get(BOARD, {"looking": "1", "archived": "1"}).content.decode()
        assert _card_ids(html, "team_forming") == [open_team.pk]
        assert _card_ids(html, "discussion") == [discussing.pk]
        assert _card_ids(html, "done") == []
        # Every card the filter keeps says so, and only those.
        assert html.count('class="card-roles"') == 2

    def test_matches_my_interests(self, member_client):
        matching = make_proposal(tags=["福祉"])
        make_proposal(tags=["環境"])
        html = member_client.get(BOARD, {"interests": "1"}).content.decode()
        assert _card_ids(html, "idea") == [matching.pk]

    def test_filters_are_kept_in_the_form(self, member_client):
        make_proposal(tags=["環境"])
        html = member_client.get(
            BOARD, {"theme": "環境", "q": "清掃", "mine": "1"}
        ).content.decode()
        assert 'value="清掃"' in html
        assert '<option value="環境" selected>' in html
        assert 'name="mine" value="1" checked' in html


def test_show_more_loads_the_next_twenty(member_client):
    proposals = bulk_proposals(45, status=Status.IDEA)
    newest_first = [p.pk for p in proposals]

    html = member_client.get(BOARD).content.decode()
    assert _card_ids(html, "idea") == newest_first[:20]
    assert "offset=20" in html

    more = member_client.get(reverse("board:more"), {"status": "idea", "offset": 20})
    more_html = more.content.decode()
    assert [int(p.split('"', 1)[0]) for p in more_html.split('data-id="')[1:]] == newest_first[
        20:40
    ]
    assert 'hx-swap-oob="true"' in more_html and "offset=40" in more_html

    last = member_client.get(reverse("board:more"), {"status": "idea", "offset": 40}).content
    assert last.decode().count('data-id="') == 5
    assert "Show more" not in last.decode()


def test_show_more_keeps_the_filters(member_client):
    bulk_proposals(25, status=Status.IDEA, title="Bulk")
    bulk_proposals(25, status=Status.IDEA, title="Other")
    html = member_client.get(BOARD, {"q": "Other"}).content.decode()
    assert "offset=20&amp;q=Other" in html
    more = member_client.get(reverse("board:more"), {"status": "idea", "offset": 20, "q": "Other"})
    assert more.content.decode().count('">Other ') == 5  # the titles' link texts


def test_show_more_refuses_nonsense(member_client):
    more = reverse("board:more")
    assert member_client.get(more, {"status": "nope"}).status_code == 400
    assert member_client.get(more, {"status": "idea", "offset": "x"}).status_code == 400


def test_anonymous_visitors_are_sent_to_log_in(client):
    """The board's address shows visitors the public page (entrance/); the board itself, its
    partials and its drops are for members."""
    public = client.get(BOARD)
    assert public.status_code == 200 and 'id="board"' not in public.content.decode()
    assert client.get(BOARD, headers={"HX-Request": "true"}).status_code == 302
    assert client.get(reverse("board:more"), {"status": "idea"}).status_code == 302
    assert client.post(reverse("board:move", args=[1])).status_code == 302


class TestMoving:
    def move(self, client, proposal, to, *, seen=None, note="", json=True):
        headers = {"Accept": "application/json"} if json else {}
        return client.post(
            reverse("board:move", args=[proposal.pk]),
            {"to": to, "from": seen or proposal.status, "note": note},
            headers=headers,
        )

    def test_own_card_is_draggable_with_its_allowed_targets(self, member_client, member):
        proposal = make_proposal(proposer=member)
        html = member_client.get(BOARD).content.decode()
        card = html.split(f'id="card-{proposal.pk}"', 1)[1].split("\n</li>", 1)[0]
        assert 'data-movable="true"' in card
        assert 'data-targets="discussion archived"' in card
        assert 'data-move-to="discussion"' in card and 'data-move-to="archived"' in card
        assert 'data-move-to="running"' not in card

    def test_another_members_card_is_not_draggable_and_has_no_menu(self, member_client):
        other = make_proposal()
        html = member_client.get(BOARD).content.decode()
        card = html.split(f'id="card-{other.pk}"', 1)[1].split("\n</li>", 1)[0]
        assert "data-movable" not in card
        assert "move-menu" not in card

    def test_moving_another_members_card_is_refused(self, member_client):
        other = make_proposal()
        response = self.move(member_client, other, Status.DISCUSSION)
        assert response.status_code == 403
        assert "Only the proposer or a moderator" in response.json()["message"]
        other.refresh_from_db()
        assert other.status == Status.IDEA

    def test_a_drop_moves_the_card_and_returns_the_board(self, member_client, member):
        proposal = make_proposal(proposer=member, title="駅前の花壇づくり")
        response = self.move(member_client, proposal, Status.DISCUSSION)
        body = response.json()
        assert response.status_code == 200
        assert body["ok"] is True
        assert body["message"] == "“駅前の花壇づくり” moved to Discussion."
        assert body["card"] == f"card-{proposal.pk}"
        assert _card_ids(body["columns_html"], "discussion") == [proposal.pk]
        proposal.refresh_from_db()
        assert proposal.status == Status.DISCUSSION
        assert TransitionLog.objects.filter(proposal=proposal).count() == 1

    def test_a_move_the_lifecycle_does_not_allow_snaps_back_with_a_reason(
        self, member_client, member
    ):
        proposal = make_proposal(proposer=member)
        response = self.move(member_client, proposal, Status.RUNNING)
        body = response.json()
        assert response.status_code == 409
        assert body["message"] == "A proposal can't go from “Idea” to “Running”."
        assert _card_ids(body["columns_html"], "idea") == [proposal.pk]

    def test_a_stale_board_gets_a_conflict(self, member_client, member):
        proposal = make_proposal(proposer=member)
        services.proposal_transition(proposal=proposal, to=Status.DISCUSSION, by=member)
        response = self.move(member_client, proposal, Status.ARCHIVED, seen=Status.IDEA, note="x")
        assert response.status_code == 409
        assert "Someone else just moved this proposal" in response.json()["message"]
        assert TransitionLog.objects.filter(proposal=proposal).count() == 1

    def test_complete_needs_an_outcome_note(self, member_client, member):
        proposal = make_proposal(proposer=member, status=Status.RUNNING)
        refused = self.move(member_client, proposal, Status.DONE)
        assert refused.status_code == 400
        assert "Outcome" in refused.json()["message"]

        done = self.move(member_client, proposal, Status.DONE, note="20人が参加。次は夏に。")
        assert done.status_code == 200
        proposal.refresh_from_db()
        assert proposal.status == Status.DONE
        assert proposal.outcome_note == "20人が参加。次は夏に。"

    def test_without_javascript_the_menu_posts_and_comes_back(self, member_client, member):
        proposal = make_proposal(proposer=member)
        response = self.move(member_client, proposal, Status.DISCUSSION, json=False)
        assert response.status_code == 302
        assert response["Location"] == BOARD
        proposal.refresh_from_db()
        assert proposal.status == Status.DISCUSSION

    def test_a_moderator_may_move_anyones_card(self, client):
        moderator = UserFactory(moderator=True)
        client.force_login(moderator)
        proposal = make_proposal()
        html = client.get(BOARD).content.decode()
        assert f'id="card-{proposal.pk}"' in html and 'data-movable="true"' in html
        assert self.move(client, proposal, Status.DISCUSSION).status_code == 200


def test_a_refresh_keeps_columns_opened_with_show_more(member_client):
    newest_first = [p.pk for p in bulk_proposals(45, status=Status.IDEA)]
    headers = {"HX-Request": "true"}

    refreshed = member_client.get(BOARD, {"shown": "idea:40,bogus:3,done:x"}, headers=headers)

    assert _card_ids(refreshed.content.decode(), "idea") == newest_first[:40]
    assert refreshed["ETag"] != member_client.get(BOARD, headers=headers)["ETag"]


def test_interests_filter_without_interests_explains_itself(client):
    client.force_login(UserFactory(interests=[]))
    partial = client.get(BOARD, {"interests": "1"}, headers={"HX-Request": "true"})
    assert "Add a few themes to your profile" in partial.content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {"q": "\x00"},
        {"q": "100% _done_ 'x'; --"},
        {"q": "あ" * 5000},
        {"theme": "\x00\n\t"},
        {"theme": "<script>alert(1)</script>"},
        {"mine": "maybe", "looking": "", "interests": "0", "archived": "yes"},
        {"shown": "idea:99999999999999999999,done:-1,:"},
    ],
)
def test_odd_filter_values_never_break_the_board(member_client, params):
    make_proposal(title="<b>太字</b>")
    page = member_client.get(BOARD, params)
    partial = member_client.get(BOARD, params, headers={"HX-Request": "true"})
    api = member_client.get("/api/v1/board", params)
    assert page.status_code == partial.status_code == 200
    assert api.status_code in (200, 400)
    assert "<script>alert(1)</script>" not in page.content.decode()
    assert "<b>太字</b>" not in page.content.decode()


def test_a_renamed_member_changes_the_boards_validator_so_the_poll_shows_the_new_name(
    member_client, member
):
    from members import services as member_services

    proposal = make_proposal()
    first = member_client.get(BOARD, headers={"HX-Request": "true"})
    member_services.profile_update(user=proposal.proposer, display_name="新しい名前")
    again = member_client.get(BOARD, headers={"HX-Request": "true", "If-None-Match": first["ETag"]})
    assert again.status_code == 200
    assert "新しい名前" in again.content.decode()
