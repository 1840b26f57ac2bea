"""Pages around the product: signing in (truthful about sign-up) and a missing page, ja and en."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = {
    "ja": {
        "locale": "ja-JP",
        "create": "アカウントをつくる",
        "join": "コミュニティに参加する",
        "missing": "ページが見つかりませんでした",
    },
    "en": {
        "locale": "en-US",
        "create": "Create an account",
        "join": "Join the community",
        "missing": "We couldn’t find that page",
    },
}


@pytest.mark.parametrize("language", ["ja", "en"])
def test_open_sign_up_is_linked_from_the_login_page(
    in_browser_thread, live_server, screenshot, settings, language
):
    settings.INVITE_ONLY = False
    in_browser_thread(lambda chromium: _sign_up(chromium, live_server.url, screenshot, language))


def _sign_up(chromium, base_url, screenshot, language):
    text = TEXT[language]
    page = chromium.new_context(locale=text["locale"]).new_page()
    page.goto(f"{base_url}/accounts/login/")
    screenshot(page, f"{language}-desktop-login")

    page.get_by_role("link", name=text["create"]).click()

    page.wait_for_url(re.compile(r"/accounts/signup/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(text["join"])
    expect(page.locator(".site-header")).to_be_visible()
    screenshot(page, f"{language}-desktop-signup")


@pytest.mark.parametrize("language", ["ja", "en"])
def test_a_missing_page_is_our_own(in_browser_thread, live_server, screenshot, language):
    in_browser_thread(lambda chromium: _missing(chromium, live_server.url, screenshot, language))


def _missing(chromium, base_url, screenshot, language):
    text = TEXT[language]
    page = chromium.new_context(locale=text["locale"]).new_page()

    response = page.goto(f"{base_url}/no-such-page/")

    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text(text["missing"])
    expect(page.locator(".site-header")).to_be_visible()
    # Styled from our stylesheet (no debug page, nothing blocked by the CSP).
    assert page.evaluate("getComputedStyle(document.body).fontFamily") != "Times New Roman"
    screenshot(page, f"{language}-desktop-404")
