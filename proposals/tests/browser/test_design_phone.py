"""The design system in a real browser: the phone-first board (stage tabs, filters in a sheet, a
one-row header, the first card in the upper half of the first screen), the desktop's equal widths,
the list filtering as the board does, and screenshots of both pages (ja/en, desktop/phone)."""

import re

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from members.tests.factories import UserFactory
from proposals import services
from proposals.choices import Status
from proposals.models import Proposal
from proposals.tests.factories import add_member, make_proposal

from .conftest import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


def a_living_board(member) -> dict:
    """A board as a member sees it on an ordinary day: every stage, their own proposal, a team
    they are on, one they cheered, places still open and a long title."""
    others = UserFactory.create_batch(5)
    mine = make_proposal(
        proposer=member, title="子ども食堂の配膳ボランティア", tags=["子ども・教育"], roles=()
    )
    make_proposal(
        proposer=others[0],
        status=Status.DISCUSSION,
        title="NPOを知る勉強会：はじめての人向けに、地域で活動している団体の話を月に一度ゆっくり聞く会",
        tags=["学び合い"],
        roles=(),
    )
    forming = make_proposal(
        proposer=others[1],
        status=Status.TEAM_FORMING,
        title="地域の防災マップ",
        tags=["防災"],
        roles=("デザイナー", "エンジニア"),
    )
    add_member(forming, user=member, role="デザイナー")
    for person in others[2:4]:
        add_member(forming, user=person, role="エンジニア")
    running = make_proposal(
        proposer=others[2], status=Status.RUNNING, title="海岸のごみ拾い", tags=["環境"], roles=()
    )
    services.cheer_toggle(proposal=running, user=member)
    Proposal.objects.filter(pk=running.pk).update(
        last_activity_at=timezone.now() - timezone.timedelta(days=40)
    )
    make_proposal(proposer=others[3], status=Status.DONE, title="古着の交換会", tags=["環境"])
    reading = make_proposal(
        proposer=others[4], title="朝の読書会", tags=["学び合い"], roles=("広報",)
    )
    return {"mine": mine, "forming": forming, "running": running, "reading": reading}


@pytest.fixture
def visit(live_server, in_browser_thread):
    """Run `journey(page)` as `member`, logged in by copying a test client's session cookie."""

    def run(member, journey, *, language="en", viewport=PHONE):
        client = Client()
        client.force_login(member)
        session = client.cookies[settings.SESSION_COOKIE_NAME].value

        def in_browser(browser):
            context = browser.new_context(viewport=viewport, locale=language)
            context.add_cookies(
                [
                    {"name": name, "value": value, "url": live_server.url}
                    for name, value in (
                        (settings.SESSION_COOKIE_NAME, session),
                        (settings.LANGUAGE_COOKIE_NAME, language),
                    )
                ]
            )
            page = context.new_page()
            page.set_default_timeout(10_000)
            try:
                return journey(page, live_server.url)
            finally:
                context.close()

        return in_browser_thread(in_browser)

    return run


def open_board(page, base_url, query=""):
    page.goto(f"{base_url}/{query}")
    page.wait_for_function("() => window.incubatorBoard && window.incubatorUi && window.htmx")


@pytest.mark.parametrize("language", ["en", "ja"])
def test_on_a_phone_the_first_card_starts_in_the_upper_half_under_a_one_row_header(visit, language):
    member = UserFactory(display_name="がんちゃん", interests=["福祉"])
    a_living_board(member)

    def journey(page, base_url):
        open_board(page, base_url)
        cards = page.locator("#cards-idea .board-card")
        expect(cards.first).to_be_visible()
        # The card shown first (on a phone the member's own come first, whatever the order).
        first_top = min(box["y"] for box in map(lambda card: card.bounding_box(), cards.all()))
        header = page.locator(".site-header").bounding_box()
        # One row: the header is as tall as one line of tappable items, and nothing wraps.
        tops = page.locator(".site-header-inner > *:visible, .site-nav > *:visible").evaluate_all(
            "items => items.map(item => Math.round(item.getBoundingClientRect().top))"
        )
        return first_top, header["height"], tops

    card_top, header_height, tops = visit(member, journey, language=language)

    assert card_top < PHONE["height"] / 2
    assert header_height < 64
    assert max(tops) - min(tops) < 16


def test_stage_tabs_show_counts_and_switch_the_visible_column(visit):
    member = UserFactory()
    a_living_board(member)
    for number in range(6):
        make_proposal(status=Status.RUNNING, title=f"続いている企画 {number}", roles=())

    def journey(page, base_url):
        open_board(page, base_url)
        tabs = page.locator("[data-stage-tabs] .tab")
        expect(tabs).to_have_count(5)
        expect(tabs.first).to_have_attribute("aria-current", "true")
        expect(page.get_by_role("link", name="Running 7 proposals")).to_be_visible()
        running_card = page.locator("#cards-running .board-card").first
        idea_card = page.locator("#cards-idea .board-card").first
        assert not running_card.is_visible() or not in_view(page, running_card)
        assert in_view(page, idea_card)

        page.get_by_role("link", name="Running 7 proposals").click()
        expect(tabs.nth(3)).to_have_attribute("aria-current", "true")
        expect(tabs.first).not_to_have_attribute("aria-current", "true")
        page.wait_for_function(
            """() => {
              const card = document.querySelector('#cards-running .board-card');
              const box = card.getBoundingClientRect();
              return box.left >= 0 && box.right <= window.innerWidth;
            }"""
        )
        seen = {"running": in_view(page, running_card), "idea": in_view(page, idea_card)}

        # The tabs stay at the top while the column scrolls, and the poll keeps the stage.
        page.mouse.wheel(0, 600)
        page.wait_for_function("() => window.scrollY > 300")
        tabs_top = page.locator("[data-stage-tabs]").bounding_box()["y"]
        page.evaluate("window.incubatorBoard.poll()")
        expect(tabs.nth(3)).to_have_attribute("aria-current", "true")
        return seen, tabs_top

    seen, tabs_top = visit(member, journey)

    assert seen == {"running": True, "idea": False}
    assert tabs_top == 0


def in_view(page, locator) -> bool:
    box = locator.bounding_box()
    width = page.viewport_size["width"]
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width


@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_filters_sheet_opens_and_applies(visit, language):
    member = UserFactory()
    living = a_living_board(member)

    def journey(page, base_url):
        open_board(page, base_url)
        toggle = page.locator("[data-sheet-toggle]")
        expect(page.locator("#filter-q")).to_be_hidden()  # on a phone, behind the button
        toggle.click()
        sheet = page.get_by_role("dialog")
        expect(sheet).to_be_visible()
        expect(sheet).to_have_attribute("aria-modal", "true")
        expect(toggle).to_have_attribute("aria-expanded", "true")
        sheet.locator("input[name=looking]").check()
        sheet.locator("button[type=submit][data-sheet-close]").click()

        expect(sheet).to_be_hidden()
        expect(page).to_have_url(re.compile(r"looking=1"))
        expect(page.locator(".board-card")).to_have_count(2)
        expect(page.locator(f"#card-{living['forming'].pk}")).to_have_count(1)
        expect(page.locator(f"#card-{living['reading'].pk}")).to_have_count(1)
        expect(toggle.locator("[data-filter-count]")).to_have_text("1")
        expect(toggle).to_be_focused()
        # Escape closes the sheet, as it closes a dialog.
        toggle.click()
        expect(page.locator("[data-sheet]")).to_be_visible()
        page.keyboard.press("Escape")
        expect(page.locator("[data-sheet]")).to_be_hidden()
        if language == "en":
            toggle.click()
            expect(page.get_by_role("dialog", name="Filters")).to_be_visible()
            expect(page.get_by_role("button", name="Show results")).to_be_visible()
            expect(page.get_by_label("Looking for people")).to_be_checked()

    visit(member, journey, language=language)


def test_the_phone_menu_holds_the_rest_of_the_navigation(visit):
    member = UserFactory(display_name="Hana Sato")

    def journey(page, base_url):
        open_board(page, base_url)
        expect(page.get_by_role("link", name="Settings")).to_be_hidden()
        page.locator(".site-menu > summary").click()
        for name in ("Proposals", "Your profile", "Settings"):
            expect(page.locator(".site-menu-panel").get_by_role("link", name=name)).to_be_visible()
        expect(page.get_by_role("button", name="Log out")).to_be_visible()
        expect(page.locator("#language-select-menu")).to_be_visible()
        page.mouse.click(200, 800)  # elsewhere, below the menu
        expect(page.get_by_role("link", name="Settings")).to_be_hidden()
        page.locator(".site-menu > summary").click()
        page.keyboard.press("Escape")
        expect(page.get_by_role("link", name="Settings")).to_be_hidden()
        expect(page.locator(".site-menu > summary")).to_be_focused()

    visit(member, journey)


def test_on_a_desk_the_header_and_the_board_are_equally_wide(visit):
    member = UserFactory()
    a_living_board(member)

    def journey(page, base_url):
        open_board(page, base_url)
        edges = {}
        for name, selector in (
            ("header", ".brand"),
            ("board", ".board-grid"),
        ):
            box = page.locator(selector).bounding_box()
            edges[name] = round(box["x"])
        header = page.locator(".site-header-inner").evaluate(
            "el => { const s = getComputedStyle(el); const r = el.getBoundingClientRect();"
            " return [r.left + parseFloat(s.paddingLeft), r.right - parseFloat(s.paddingRight)]; }"
        )
        grid = page.locator(".board-grid").bounding_box()
        return (
            edges,
            [round(x) for x in header],
            [round(grid["x"]), round(grid["x"] + grid["width"])],
        )

    edges, header, grid = visit(member, journey, viewport=DESKTOP)

    assert edges["header"] == edges["board"]
    assert header == grid


def test_the_list_filters_as_the_board_does(visit):
    member = UserFactory()
    living = a_living_board(member)

    def journey(page, base_url):
        page.goto(f"{base_url}/proposals/")
        page.wait_for_function("() => window.incubatorUi && window.htmx")
        cards = page.locator("#results .card")
        expect(cards).to_have_count(6)
        for label in ("Search", "Theme", "Stage", "Mine (proposed or joined)"):
            expect(page.get_by_label(label, exact=True)).to_be_visible()
        page.get_by_label("Looking for people").check()
        expect(cards).to_have_count(2)
        expect(page.get_by_role("link", name=living["forming"].title)).to_be_visible()
        expect(page).to_have_url(re.compile(r"looking=1"))
        page.get_by_label("Looking for people").uncheck()
        page.get_by_label("Mine (proposed or joined)").check()
        expect(cards).to_have_count(2)  # proposed, and on the team
        expect(page.get_by_role("link", name="Clear filters")).to_be_visible()

    visit(member, journey, viewport=DESKTOP)


@pytest.mark.parametrize("language", ["en", "ja"])
@pytest.mark.parametrize(("device", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_screenshots_of_the_board_and_the_list(visit, screenshot, language, device, viewport):
    member = UserFactory(display_name="がんちゃん", interests=["福祉"])
    a_living_board(member)

    def journey(page, base_url):
        open_board(page, base_url)
        expect(page.locator(".card-relation").first).to_be_visible()
        screenshot(page, f"design-board-{device}-{language}")
        if device == "phone":
            page.locator("[data-sheet-toggle]").click()
            expect(page.locator("[data-sheet].is-open")).to_be_visible()
            page.screenshot(path=str(SCREENSHOTS / f"design-board-{device}-{language}-filters.png"))
            page.keyboard.press("Escape")
            page.locator(".site-menu > summary").click()
            page.screenshot(path=str(SCREENSHOTS / f"design-board-{device}-{language}-menu.png"))
        page.goto(f"{base_url}/proposals/")
        expect(page.locator("#results .card").first).to_be_visible()
        screenshot(page, f"design-list-{device}-{language}")

    visit(member, journey, language=language, viewport=viewport)
