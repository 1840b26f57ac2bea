"""A member posts an idea, opens the discussion, another asks to join, the first accepts: ja and en."""

import re

import pytest
from playwright.sync_api import expect

from members.tests.factories import UserFactory
from proposals.choices import MembershipStatus
from proposals.models import Membership, Proposal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pass-word-123"

TEXT = {
    "ja": {
        "locale": "ja-JP",
        "log_in": "ログイン",
        "post": "アイデアを投稿する",
        "roles": "募集したい役割（任意）",
        "open_discussion": "話し合いを始める",
        "discussion": "話し合い",
        "join": "参加してみたい",
        "send": "参加希望を送る",
        "withdraw": "参加希望を取り下げる",
        "accept": "迎え入れる",
        "on_team": "さんがチームに加わりました",
        "more": "もう少しくわしく（任意）",
        "cheering": "応援中",
        "title": "公園でゆるく朝ヨガ",
        "summary": "月に一度、近所の公園でだれでも参加できる朝ヨガをやってみたい。",
        "role": "広報",
    },
    "en": {
        "locale": "en-US",
        "log_in": "Log in",
        "post": "Post the idea",
        "roles": "Roles you are looking for (optional)",
        "open_discussion": "Open the discussion",
        "discussion": "Discussion",
        "join": "I’d like to join",
        "send": "Send my request",
        "withdraw": "Withdraw my request",
        "accept": "Welcome aboard",
        "on_team": "is on the team now",
        "more": "More about it (optional)",
        "cheering": "Cheering",
        "title": "Morning yoga in the park",
        "summary": "Once a month, an easy morning yoga session anyone nearby can join.",
        "role": "outreach",
    },
}


def log_in(page, base_url: str, username: str, text: dict) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.locator("input[name=login]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main").get_by_role("button", name=text["log_in"]).click()
    page.wait_for_url(re.compile(r"^(?!.*accounts/login).*$"))


@pytest.mark.parametrize("language", ["ja", "en"])
def test_post_an_idea_and_build_a_team(in_browser_thread, live_server, screenshot, language):
    in_browser_thread(lambda chromium: _journey(chromium, live_server.url, screenshot, language))


def _journey(chromium, base_url: str, screenshot, language: str) -> None:
    text = TEXT[language]
    proposer = UserFactory(display_name="Aoi" if language == "en" else "あおい")
    joiner = UserFactory(display_name="Ren" if language == "en" else "れん")

    proposer_context = chromium.new_context(
        locale=text["locale"], viewport={"width": 1280, "height": 900}
    )
    page = proposer_context.new_page()
    log_in(page, base_url, proposer.username, text)

    # Submit an idea: a title, one line and one role wanted.
    page.goto(f"{base_url}/proposals/new/")
    expect(page.locator("html")).to_have_attribute("lang", language)
    page.locator("input[name=title]").fill(text["title"])
    page.locator("input[name=summary]").fill(text["summary"])
    page.get_by_text(text["more"]).click()
    page.locator("textarea[name=body]").fill("**Sunday** mornings <script>alert(1)</script>")
    expect(page.locator("#preview strong")).to_have_text("Sunday")  # the live preview (htmx)
    assert page.locator("#preview script").count() == 0
    page.get_by_text(text["roles"]).click()
    page.locator("input[name='form-0-name']").fill(text["role"])
    screenshot(page, f"{language}-1-submit")
    page.get_by_role("button", name=text["post"]).dblclick()
    page.wait_for_url(re.compile(r"/proposals/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(text["title"])
    assert Proposal.objects.filter(title=text["title"]).count() == 1
    proposal = Proposal.objects.get(title=text["title"])

    # It is on the list.
    page.goto(f"{base_url}/proposals/")
    expect(page.get_by_role("link", name=text["title"])).to_be_visible()
    page.locator("select[name=status]").select_option("running")  # filtered in place by htmx
    page.wait_for_url(re.compile(r"status=running"))
    expect(page.get_by_role("link", name=text["title"])).to_have_count(0)
    page.locator("select[name=status]").select_option("idea")
    expect(page.get_by_role("link", name=text["title"])).to_be_visible()
    screenshot(page, f"{language}-2-list")
    page.get_by_role("link", name=text["title"]).click()

    # Open the discussion from the detail page.
    page.get_by_role("button", name=text["open_discussion"]).click()
    expect(page.locator(".stage-line .stage")).to_have_text(text["discussion"])

    # A second member asks to join.
    joiner_context = chromium.new_context(
        locale=text["locale"], viewport={"width": 390, "height": 844}
    )
    joiner_page = joiner_context.new_page()
    log_in(joiner_page, base_url, joiner.username, text)
    joiner_page.goto(f"{base_url}{proposal.get_absolute_url()}")
    joiner_page.get_by_text(text["join"], exact=True).click()
    joiner_page.locator("select[name=role_choice]").select_option(text["role"])
    joiner_page.locator("input[name=availability]").fill(
        "週末に2時間" if language == "ja" else "weekends, 2 h"
    )
    joiner_page.get_by_role("button", name=text["send"]).click()
    expect(joiner_page.get_by_role("button", name=text["withdraw"])).to_be_visible()
    screenshot(joiner_page, f"{language}-3-join-request-phone")
    joiner_page.locator("#reactions button.cheer").click()  # swapped in place by htmx
    expect(joiner_page.locator("#reactions button.cheer")).to_contain_text(text["cheering"])
    assert Proposal.objects.get(pk=proposal.pk).cheer_count == 1

    # The proposer accepts.
    page.reload()
    page.get_by_role("button", name=text["accept"]).click()
    expect(page.locator(".messages")).to_contain_text(text["on_team"])
    expect(page.locator("#team .team")).to_contain_text(joiner.public_name)
    screenshot(page, f"{language}-4-team")

    membership = Membership.objects.get(proposal=proposal, user=joiner)
    assert membership.status == MembershipStatus.ACCEPTED
    assert Proposal.objects.get(pk=proposal.pk).member_count == 2
    joiner_context.close()
    proposer_context.close()
