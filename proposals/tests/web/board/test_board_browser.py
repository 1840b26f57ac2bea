"""The board in a real browser: drag and drop, the menu, the dialog, filters, show more, the poll."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from members.services import api_token_create
from members.tests.factories import UserFactory
from proposals import services
from proposals.choices import Status
from proposals.models import Proposal
from proposals.tests.factories import add_member, make_proposal

from .browser_support import SCREENSHOTS, drag, drop
from .conftest import bulk_proposals

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def column(page, status):
    return page.locator(f"#cards-{status}")


def card(page, proposal):
    return page.locator(f"#card-{proposal.pk}")


def status_of(proposal) -> str:
    return Proposal.objects.get(pk=proposal.pk).status


def test_drag_idea_to_discussion_highlights_allowed_columns_and_sticks(open_board):
    member = UserFactory()
    proposal = make_proposal(proposer=member, title="駅前の花壇づくり")
    page = open_board(member)

    drag(page, card(page, proposal), column(page, "discussion"))
    expect(page.locator('.board-column[data-status="discussion"]')).to_have_class(
        "board-column board-stage-discussion is-drop-target"
    )
    expect(page.locator('.board-column[data-status="running"]')).to_have_class(
        "board-column board-stage-running is-not-target"
    )
    drop(page)

    expect(column(page, "discussion").locator(f"#card-{proposal.pk}")).to_be_visible()
    expect(page.locator("#board-status")).to_have_text("“駅前の花壇づくり” moved to Discussion.")
    assert status_of(proposal) == Status.DISCUSSION
    page.reload()
    expect(column(page, "discussion").locator(f"#card-{proposal.pk}")).to_be_visible()
    expect(page.locator(".is-drop-target")).to_have_count(0)


def test_drag_idea_to_running_snaps_back_with_a_message(open_board):
    member = UserFactory()
    proposal = make_proposal(proposer=member)
    page = open_board(member)

    drag(page, card(page, proposal), column(page, "running"))
    drop(page)

    expect(page.locator("#board-status")).to_have_text(
        "A proposal can't go from “Idea” to “Running”."
    )
    expect(page.locator("#board-status")).to_have_class("board-status is-refused")
    expect(column(page, "idea").locator(f"#card-{proposal.pk}")).to_be_visible()
    expect(column(page, "running").locator(".board-card")).to_have_count(0)
    assert status_of(proposal) == Status.IDEA


def test_complete_asks_for_an_outcome_note_first(open_board):
    member = UserFactory()
    proposal = make_proposal(proposer=member, status=Status.RUNNING)
    page = open_board(member)

    drag(page, card(page, proposal), column(page, "done"))
    drop(page)
    dialog = page.locator("#board-note-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator("#board-note-label")).to_have_text(
        "Outcome: what happened, what did you learn?"
    )
    assert status_of(proposal) == Status.RUNNING
    dialog.locator("#board-note").fill("20人が参加。次は夏に。")
    dialog.get_by_role("button", name="Move").click()

    expect(page.locator("#board-status")).to_have_text(f"“{proposal.title}” moved to Done.")
    expect(column(page, "done").locator(f"#card-{proposal.pk}")).to_be_visible()
    proposal.refresh_from_db()
    assert proposal.status == Status.DONE
    assert proposal.outcome_note == "20人が参加。次は夏に。"


def test_the_note_dialog_speaks_japanese_without_an_ascii_colon_and_its_button_is_the_primary(
    open_board,
):
    member = UserFactory()
    proposal = make_proposal(proposer=member, status=Status.RUNNING)
    page = open_board(member, language="ja")

    drag(page, card(page, proposal), column(page, "done"))
    drop(page)
    dialog = page.locator("#board-note-dialog")
    expect(dialog).to_be_visible()
    title = dialog.locator("#board-note-title").inner_text()
    assert title and ":" not in title
    colour = "element => getComputedStyle(element).backgroundColor"
    submit = dialog.locator("button[type=submit], button[value=move]").first
    assert submit.evaluate(colour) == page.locator(".nav-new").evaluate(colour)


def test_cancelling_the_note_dialog_puts_the_card_back(open_board):
    member = UserFactory()
    proposal = make_proposal(proposer=member, status=Status.RUNNING)
    page = open_board(member)

    drag(page, card(page, proposal), column(page, "done"))
    drop(page)
    page.locator("#board-note-dialog").get_by_role("button", name="Cancel").click()

    expect(page.locator("#board-status")).to_have_text("Nothing was moved.")
    expect(column(page, "running").locator(f"#card-{proposal.pk}")).to_be_visible()
    assert status_of(proposal) == Status.RUNNING


def test_keyboard_move_to_menu(open_board):
    member = UserFactory()
    proposal = make_proposal(proposer=member, title="読書会")
    page = open_board(member)

    menu = card(page, proposal).locator(".move-menu summary")
    menu.focus()
    page.keyboard.press("Enter")
    options = card(page, proposal).locator("button[data-move-to]")
    expect(options).to_have_text(["Open the discussion", "Pause (archive)"])
    page.keyboard.press("Tab")
    expect(options.first).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.locator("#board-status")).to_have_text("“読書会” moved to Discussion.")
    moved = column(page, "discussion").locator(f"#card-{proposal.pk}")
    expect(moved).to_be_visible()
    expect(moved.locator(".move-menu summary")).to_be_focused()
    assert status_of(proposal) == Status.DISCUSSION


@pytest.mark.parametrize("viewport", [None, {"width": 390, "height": 844}], ids=["desk", "phone"])
def test_a_blocked_move_is_shown_disabled_with_why_and_the_way_to_unblock_it(open_board, viewport):
    member = UserFactory()
    proposal = make_proposal(proposer=member, status=Status.DISCUSSION, title="読書会", roles=())
    page = open_board(member, viewport=viewport)
    if viewport:
        page.locator('[data-stage="discussion"]').click()

    menu = card(page, proposal).locator(".move-menu summary")
    menu.focus()
    page.keyboard.press("Enter")
    blocked = card(page, proposal).get_by_role("button", name="Start forming a team")
    expect(blocked).to_be_disabled()
    why = card(page, proposal).locator(".move-blocked-reason")
    expect(why).to_contain_text("First say which roles you are looking for")
    expect(blocked).to_have_attribute("aria-describedby", why.get_attribute("id"))
    why.get_by_role("link", name="Add the roles you are looking for").click()
    expect(page).to_have_url(re.compile(rf"/proposals/{proposal.pk}/edit/$"))
    assert status_of(proposal) == Status.DISCUSSION


def test_another_members_card_cannot_be_dragged(open_board):
    member = UserFactory()
    other = make_proposal(title="ほかの人の提案")
    page = open_board(member)

    target = card(page, other)
    expect(target).not_to_have_attribute("data-movable", "true")
    expect(target.locator(".move-menu")).to_have_count(0)
    drag(page, target, column(page, "discussion"))
    expect(page.locator(".is-drop-target")).to_have_count(0)
    drop(page)

    expect(column(page, "idea").locator(f"#card-{other.pk}")).to_be_visible()
    assert status_of(other) == Status.IDEA


def test_show_more_loads_the_next_cards_in_place(open_board):
    member = UserFactory()
    bulk_proposals(25, status=Status.IDEA)
    page = open_board(member)

    expect(column(page, "idea").locator(".board-card")).to_have_count(20)
    page.locator("#more-idea").get_by_role("button", name="Show more").click()

    expect(column(page, "idea").locator(".board-card")).to_have_count(25)
    expect(page.locator("#more-idea button")).to_have_count(0)
    expect(column(page, "idea").locator(".board-card").nth(20).locator("a")).to_be_focused()


def test_each_filter_updates_the_board_and_the_url_and_back_works(open_board):
    member = UserFactory(interests=["福祉"])
    mine = make_proposal(proposer=member, title="公園の清掃", tags=["環境"])
    welfare = make_proposal(title="見守り活動", tags=["福祉"])
    team = make_proposal(status=Status.TEAM_FORMING, title="仲間募集中の企画")
    full = make_proposal(status=Status.TEAM_FORMING, title="満員の企画", roles=("designer",))
    add_member(full, role="designer")
    add_member(full, role="designer")
    page = open_board(member)
    page.evaluate("window.stillTheSamePage = true")
    cards = page.locator(".board-card")
    expect(cards).to_have_count(4)

    page.get_by_label("Search", exact=True).fill("見守り")
    expect(cards).to_have_count(1)
    expect(card(page, welfare)).to_be_visible()
    expect(page).to_have_url(re.compile(r"q=%E8%A6%8B%E5%AE%88%E3%82%8A"))
    page.get_by_label("Search", exact=True).fill("")
    expect(cards).to_have_count(4)

    page.get_by_label("Theme", exact=True).select_option("環境")
    expect(cards).to_have_count(1)
    expect(card(page, mine)).to_be_visible()
    page.get_by_label("Theme", exact=True).select_option("")
    expect(cards).to_have_count(4)

    page.get_by_label("Mine (proposed or joined)").check()
    expect(cards).to_have_count(1)
    expect(card(page, mine)).to_be_visible()
    expect(page).to_have_url(re.compile(r"mine=1"))
    page.get_by_label("Mine (proposed or joined)").uncheck()
    expect(cards).to_have_count(4)

    # Open roles in any stage where people can join: the full team is the one left out.
    page.get_by_label("Looking for people").check()
    expect(cards).to_have_count(3)
    expect(card(page, team)).to_be_visible()
    expect(card(page, full)).to_have_count(0)
    page.get_by_label("Looking for people").uncheck()
    expect(cards).to_have_count(4)

    page.get_by_label("Matches my interests").check()
    expect(cards).to_have_count(1)
    expect(card(page, welfare)).to_be_visible()
    expect(page).to_have_url(re.compile(r"interests=1"))

    page.go_back()
    expect(cards).to_have_count(4)
    expect(page.get_by_label("Matches my interests")).not_to_be_checked()
    page.go_forward()
    expect(cards).to_have_count(1)
    expect(page.get_by_label("Matches my interests")).to_be_checked()
    assert page.evaluate("window.stillTheSamePage") is True


def test_the_paused_toggle_shows_the_archived_column(open_board):
    member = UserFactory()
    paused = make_proposal(status=Status.ARCHIVED, title="ひと休みの企画")
    page = open_board(member)
    expect(page.locator("#cards-archived")).to_have_count(0)

    page.get_by_label("Show paused proposals").check()

    expect(column(page, "archived").locator(f"#card-{paused.pk}")).to_be_visible()
    expect(page).to_have_url(re.compile(r"archived=1"))


def test_a_change_made_through_the_api_appears_without_a_reload(open_board, live_server):
    member = UserFactory()
    proposal = make_proposal(title="よそで動いた提案")
    _row, token = api_token_create(user=proposal.proposer, name="elsewhere")
    page = open_board(member)
    page.evaluate("window.stillTheSamePage = true")
    expect(column(page, "idea").locator(f"#card-{proposal.pk}")).to_be_visible()

    moved = page.context.request.post(
        f"{live_server.url}/api/v1/proposals/{proposal.pk}/transitions",
        data={"to": "discussion"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert moved.status == 200, moved.text()

    expect(column(page, "discussion").locator(f"#card-{proposal.pk}")).to_be_visible()
    expect(column(page, "idea").locator(f"#card-{proposal.pk}")).to_have_count(0)
    assert page.evaluate("window.stillTheSamePage") is True


def test_no_refresh_while_dragging(open_board):
    member = UserFactory()
    mine = make_proposal(proposer=member)
    elsewhere = make_proposal()
    page = open_board(member)

    drag(page, card(page, mine), column(page, "discussion"))
    services.proposal_transition(proposal=elsewhere, to=Status.DISCUSSION, by=elsewhere.proposer)
    page.wait_for_timeout(2500)
    expect(column(page, "discussion").locator(f"#card-{elsewhere.pk}")).to_have_count(0)
    drop(page)

    expect(column(page, "discussion").locator(f"#card-{mine.pk}")).to_be_visible()
    expect(column(page, "discussion").locator(f"#card-{elsewhere.pk}")).to_be_visible()


@pytest.mark.parametrize("language", ["en", "ja"])
@pytest.mark.parametrize(
    ("device", "viewport"),
    [("desktop", {"width": 1440, "height": 1000}), ("phone", {"width": 390, "height": 844})],
)
def test_screenshots(open_board, language, device, viewport):
    member = UserFactory(display_name="がんちゃん", interests=["福祉"])
    make_proposal(proposer=member, title="子ども食堂の配膳ボランティア", tags=["子ども・教育"])
    make_proposal(status=Status.DISCUSSION, title="NPOを知る勉強会", tags=["学び合い"])
    forming = make_proposal(
        status=Status.TEAM_FORMING, title="地域の防災マップ", tags=["防災"], roles=("デザイナー",)
    )
    add_member(forming, role="デザイナー")
    quiet = make_proposal(status=Status.RUNNING, proposer=member, title="海岸のごみ拾い")
    Proposal.objects.filter(pk=quiet.pk).update(
        last_activity_at=timezone.now() - timezone.timedelta(days=40), cheer_count=4
    )
    make_proposal(status=Status.DONE, title="古着の交換会", tags=["環境"])
    page = open_board(member, language=language, viewport=viewport)
    if device == "phone":
        # On a phone the menu replaces dragging.
        assert page.evaluate(
            "Sortable.get(document.querySelector('#cards-idea')).option('disabled')"
        )
    expect(page.locator("#cards-running .card-quiet")).to_be_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"board-{device}-{language}.png", full_page=True)
    card(page, quiet).locator(".move-menu summary").click()
    page.screenshot(path=SCREENSHOTS / f"board-{device}-{language}-menu.png", full_page=False)


CONTRAST_SCRIPT = """(selectors) => {
  const parse = (color) => color.match(/[\\d.]+/g).map(Number);
  const channel = (value) => {
    const c = value / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const background = (element) => {
    for (let node = element; node; node = node.parentElement) {
      const [r, g, b, a = 1] = parse(getComputedStyle(node).backgroundColor);
      if (a > 0) return [r, g, b];
    }
    return [255, 255, 255];
  };
  return selectors.flatMap((selector) =>
    [...document.querySelectorAll(selector)].slice(0, 3).map((element) => {
      const [fg, bg] = [luminance(parse(getComputedStyle(element).color)), luminance(background(element))];
      return [selector, (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05)];
    })
  );
}"""


def test_text_on_the_board_meets_wcag_aa_contrast(open_board):
    member = UserFactory()
    quiet = make_proposal(proposer=member, status=Status.TEAM_FORMING, tags=["福祉"])
    Proposal.objects.filter(pk=quiet.pk).update(
        last_activity_at=timezone.now() - timezone.timedelta(days=45)
    )
    page = open_board(member)
    drag(page, card(page, quiet), column(page, "running"))
    drop(page)
    expect(page.locator("#board-status")).not_to_be_empty()

    ratios = page.evaluate(
        CONTRAST_SCRIPT,
        [
            ".board-intro p",
            ".board-column-label",
            ".board-column-count",
            ".board-column-explanation",
            ".board-empty",
            ".card-title a",
            ".card-proposer",
            ".card-themes li",
            ".card-roles",
            ".card-stats li",
            ".card-time",
            ".card-quiet",
            ".move-menu summary",
            ".move-blocked",
            ".board-status",
            ".board-filters label",
        ],
    )

    assert {selector for selector, _ratio in ratios} >= {".card-quiet", ".board-status"}
    too_faint = [(selector, round(ratio, 2)) for selector, ratio in ratios if ratio < 4.5]
    assert too_faint == []


def test_a_refresh_keeps_the_cards_opened_with_show_more(open_board):
    member = UserFactory()
    bulk_proposals(25, status=Status.IDEA)
    elsewhere = make_proposal(status=Status.RUNNING)
    page = open_board(member)
    page.locator("#more-idea").get_by_role("button", name="Show more").click()
    expect(column(page, "idea").locator(".board-card")).to_have_count(25)

    services.proposal_transition(proposal=elsewhere, to=Status.TEAM_FORMING, by=elsewhere.proposer)

    expect(column(page, "team_forming").locator(f"#card-{elsewhere.pk}")).to_be_visible()
    expect(column(page, "idea").locator(".board-card")).to_have_count(25)


def test_a_menu_closes_when_clicking_elsewhere_and_the_board_stays_current(open_board):
    member = UserFactory()
    mine = make_proposal(proposer=member)
    elsewhere = make_proposal()
    page = open_board(member)
    card(page, mine).locator(".move-menu summary").click()
    expect(card(page, mine).locator(".move-menu")).to_have_attribute("open", "")

    page.locator(".board-intro h1").click()
    expect(card(page, mine).locator(".move-menu")).not_to_have_attribute("open", "")
    services.proposal_transition(proposal=elsewhere, to=Status.DISCUSSION, by=elsewhere.proposer)

    expect(column(page, "discussion").locator(f"#card-{elsewhere.pk}")).to_be_visible()
