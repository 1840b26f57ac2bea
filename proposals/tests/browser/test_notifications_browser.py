"""Notifications and email settings as a member sees them, on a phone and a desk, ja and en:
the unread badge follows "mark read" without a reload, read and unread look different, the answer
to a join request shows its reply, times read 「8分前」, older notifications load in place, and
the email choices (and, with Slack linked, the Slack DM boxes) are tappable, unbroken labels."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from members.tests.factories import UserFactory
from proposals import services
from proposals.tests.factories import make_proposal
from workers import selectors
from workers.events import SLACK_DM_DEFAULTS, Channel, EmailMode, EventKind
from workers.models import Delivery, EmailPreference

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
LOCALES = {"ja": "ja-JP", "en": "en-US"}

TEXT = {
    "ja": {
        "mark_read": "既読にする",
        "mark_all": "すべて既読にする",
        "email_settings": "メールの設定",
        "saved": "メールの設定を保存しました。",
        "answered": "への参加希望に返事が届きました。",
        "eight_minutes": "8分前",
    },
    "en": {
        "mark_read": "Mark as read",
        "mark_all": "Mark all as read",
        "email_settings": "Email settings",
        "saved": "Your email choices are saved.",
        "answered": "was answered.",
        "eight_minutes": "8\xa0minutes ago",
    },
}


def _signed_in(chromium, base_url: str, user, language: str, viewport: dict):
    """A browser context with `user` signed in (a session made on the server, no login form)."""
    client = Client()
    client.force_login(user)
    context = chromium.new_context(locale=LOCALES[language], viewport=viewport)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": base_url,
            }
        ]
    )
    return context


def _member_with_news(count: int, language: str):
    member = UserFactory(preferred_language=language)
    proposal = make_proposal(title="朝ヨガ" if language == "ja" else "Morning yoga")
    services.follow_set(proposal=proposal, user=member, following=True)
    author = UserFactory(display_name="Sora")
    for index in range(count):
        services.comment_create(proposal=proposal, author=author, body=f"note {index}")
    return member


def _stays_on_the_page(page) -> None:
    """Marks the loaded document; `_did_not_reload` checks that the mark is still there."""
    page.evaluate("window.__stayed = true")


def _did_not_reload(page) -> None:
    assert page.evaluate("window.__stayed === true"), "the page was loaded again"


def _lines(page, selector: str) -> list[int]:
    """How many lines the text of each element matching `selector` takes."""
    return page.eval_on_selector_all(
        selector,
        """elements => elements.map(element => {
            const tops = new Set();
            const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
            while (walker.nextNode()) {
                if (!walker.currentNode.textContent.trim()) continue;
                const range = document.createRange();
                range.selectNodeContents(walker.currentNode);
                for (const rect of range.getClientRects()) {
                    if (rect.width > 0) tops.add(Math.round(rect.top));
                }
            }
            return tops.size;
        })""",
    )


@pytest.mark.parametrize(("language", "viewport"), [("ja", PHONE), ("en", DESKTOP)])
def test_mark_read_and_mark_all_read_update_the_badge_in_place(
    in_browser_thread, live_server, screenshot, language, viewport
):
    member = _member_with_news(3, language)
    in_browser_thread(
        lambda chromium: _mark_read(
            chromium, live_server.url, screenshot, member, language, viewport
        )
    )


def _mark_read(chromium, base_url, screenshot, member, language, viewport):
    text = TEXT[language]
    context = _signed_in(chromium, base_url, member, language, viewport)
    page = context.new_page()
    page.goto(f"{base_url}/notifications/")
    _stays_on_the_page(page)
    badge = page.locator("#nav-notifications .badge")
    expect(badge).to_have_text("3")
    unread = page.locator(".notification.is-unread")
    expect(unread).to_have_count(3)
    # Each unread item says so in words, not by colour alone.
    for index in range(3):
        expect(unread.nth(index).locator(".notification-new")).to_be_visible()
    name = "phone" if viewport is PHONE else "desktop"
    screenshot(page, f"notifications-{language}-{name}-unread")

    first = unread.first
    first_id = first.get_attribute("id")
    first.get_by_role("button", name=text["mark_read"]).click()

    expect(badge).to_have_text("2")
    read = page.locator(f"#{first_id}")
    expect(read).to_have_class("notification is-read")
    expect(read.locator(".notification-new")).to_have_count(0)
    expect(read.get_by_role("button", name=text["mark_read"])).to_have_count(0)
    expect(page.locator(".notification.is-unread")).to_have_count(2)
    screenshot(page, f"notifications-{language}-{name}-one-read")

    page.get_by_role("button", name=text["mark_all"]).click()

    expect(badge).to_have_count(0)
    expect(page.locator(".notification.is-unread")).to_have_count(0)
    expect(page.locator(".notification.is-read")).to_have_count(3)
    # Nothing is unread: nothing to mark.
    expect(page.get_by_role("button", name=text["mark_all"])).to_have_count(0)
    _did_not_reload(page)
    screenshot(page, f"notifications-{language}-{name}-all-read")

    page.reload()
    expect(page.locator("#nav-notifications .badge")).to_have_count(0)
    expect(page.get_by_role("button", name=text["mark_all"])).to_have_count(0)
    context.close()


@pytest.mark.parametrize("language", ["ja", "en"])
def test_a_declined_member_sees_the_reply_and_when_it_came(
    in_browser_thread, live_server, screenshot, language
):
    proposer = UserFactory(display_name="Aoi")
    proposal = make_proposal(proposer=proposer, title="朝ヨガ" if language == "ja" else "Yoga")
    applicant = UserFactory(preferred_language=language)
    membership = services.membership_request(proposal=proposal, user=applicant, role="広報")
    reply = (
        "ありがとうございます！今回は人数がそろいましたが、次の会にぜひ。"
        if language == "ja"
        else "Thank you! We are full this time, but please come to the next one."
    )
    services.membership_decline(membership=membership, by=proposer, response=reply)
    Delivery.objects.filter(recipient=applicant, channel=Channel.INAPP).update(
        created_at=timezone.now() - timedelta(minutes=8, seconds=20)
    )
    in_browser_thread(
        lambda chromium: _declined(
            chromium, live_server.url, screenshot, applicant, proposal, reply, language
        )
    )


def _declined(chromium, base_url, screenshot, applicant, proposal, reply, language):
    text = TEXT[language]
    context = _signed_in(chromium, base_url, applicant, language, PHONE)
    page = context.new_page()
    page.goto(f"{base_url}/")
    page.locator("#nav-notifications").click()
    page.wait_for_url(f"{base_url}/notifications/")

    item = page.locator(".notification").first
    expect(item).to_contain_text(text["answered"])
    expect(item.locator(".notification-quote")).to_contain_text(reply)
    expect(item.locator(".notification-quote")).to_contain_text("Aoi")
    time = item.locator("time")
    expect(time).to_have_text(text["eight_minutes"])
    # 「8分前」 stays on one line on a phone (no "8" / "分前").
    assert _lines(page, ".notification time") == [1]
    screenshot(page, f"notifications-{language}-phone-declined")

    item.get_by_role("link").first.click()
    page.wait_for_url(f"{base_url}/proposals/{proposal.pk}/#team")
    context.close()


def test_older_notifications_load_in_place(in_browser_thread, live_server, screenshot):
    member = _member_with_news(selectors.NOTIFICATIONS_PAGE + 5, "en")
    in_browser_thread(lambda chromium: _older(chromium, live_server.url, screenshot, member))


def _older(chromium, base_url, screenshot, member):
    context = _signed_in(chromium, base_url, member, "en", DESKTOP)
    page = context.new_page()
    page.goto(f"{base_url}/notifications/")
    _stays_on_the_page(page)
    items = page.locator(".notification")
    expect(items).to_have_count(selectors.NOTIFICATIONS_PAGE)
    expect(page.get_by_text("note 0", exact=True)).to_have_count(0)

    page.get_by_role("link", name="Show older notifications").click()

    expect(items).to_have_count(selectors.NOTIFICATIONS_PAGE + 5)
    expect(page.get_by_text("note 0", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Show older notifications")).to_have_count(0)
    assert page.url == f"{base_url}/notifications/"
    _did_not_reload(page)
    screenshot(page, "notifications-en-desktop-older")
    context.close()


@pytest.mark.parametrize("language", ["ja", "en"])
def test_email_settings_from_settings_on_a_phone_and_a_desk(
    in_browser_thread, live_server, screenshot, language
):
    member = UserFactory(preferred_language=language)
    in_browser_thread(
        lambda chromium: _email_settings(chromium, live_server.url, screenshot, member, language)
    )


def _email_settings(chromium, base_url, screenshot, member, language):
    text = TEXT[language]
    for name, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        context = _signed_in(chromium, base_url, member, language, viewport)
        page = context.new_page()
        page.goto(f"{base_url}/members/settings/")
        page.locator("main").get_by_role("link", name=text["email_settings"]).click()
        page.wait_for_url(f"{base_url}/notifications/settings/")

        choices = page.locator(".preference .choice")
        expect(choices).to_have_count(3 * len(selectors.email_preferences(user=member)))
        # Every label on one line, nothing wider than the screen (no す/ぐに, no sideways scroll).
        assert set(_lines(page, ".preference .choice")) == {1}
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        # Styled choices: the chosen one stands out from the others.
        fieldset = page.locator(".preference").first
        chosen = fieldset.locator(".choice:has(input:checked)")
        other = fieldset.locator(".choice:not(:has(input:checked))").first
        assert _background(chosen) != _background(other)
        screenshot(page, f"email-settings-{language}-{name}")
        context.close()

    # Choose "off" for comments by tapping its label, save, and find it kept.
    context = _signed_in(chromium, base_url, member, language, PHONE)
    page = context.new_page()
    page.goto(f"{base_url}/notifications/settings/")
    comments = page.locator(".preference").filter(
        has=page.locator(f"input[name='mode-{EventKind.COMMENTED}']")
    )
    comments.locator(".choice").filter(has=page.locator("input[value=off]")).click()
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".messages")).to_contain_text(text["saved"])
    expect(page.locator(f"input[name='mode-{EventKind.COMMENTED}'][value=off]")).to_be_checked()
    assert EmailPreference.objects.get(user=member, kind=EventKind.COMMENTED).mode == EmailMode.OFF
    context.close()


@pytest.mark.parametrize("language", ["ja", "en"])
def test_with_slack_linked_each_kind_can_come_as_a_dm_too(
    in_browser_thread, live_server, screenshot, language
):
    member = UserFactory(preferred_language=language, slack_user_id="U0AIKO")
    in_browser_thread(
        lambda chromium: _slack_dm_settings(chromium, live_server.url, screenshot, member, language)
    )


def _slack_dm_settings(chromium, base_url, screenshot, member, language):
    rows = selectors.email_preferences(user=member)
    for name, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        context = _signed_in(chromium, base_url, member, language, viewport)
        page = context.new_page()
        page.goto(f"{base_url}/notifications/settings/")
        expect(page.locator(".preference .dm-choice")).to_have_count(len(rows))
        expect(page.locator(".preference .choice")).to_have_count(3 * len(rows))
        # The box and its label on one line, nothing wider than the screen.
        assert set(_lines(page, ".preference .dm-choice")) == {1}
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        screenshot(page, f"email-settings-slack-{language}-{name}")
        context.close()

    # Tap the label of comments' box (off by default) and the reminders' (on): saved and kept.
    context = _signed_in(chromium, base_url, member, language, PHONE)
    page = context.new_page()
    page.goto(f"{base_url}/notifications/settings/")
    for kind in (EventKind.COMMENTED, EventKind.MEETUP_REMINDER):
        page.locator(".dm-choice").filter(
            has=page.locator(f"input[type=checkbox][name='dm-{kind}']")
        ).click()
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".messages")).to_contain_text(TEXT[language]["saved"])
    expect(page.locator(f"input[type=checkbox][name='dm-{EventKind.COMMENTED}']")).to_be_checked()
    expect(
        page.locator(f"input[type=checkbox][name='dm-{EventKind.MEETUP_REMINDER}']")
    ).not_to_be_checked()
    expect(page.locator(f"input[type=checkbox][name='dm-{EventKind.INVITED}']")).to_be_checked()
    # The defaults, less the one unticked, with the one ticked.
    defaults = {kind for kind, on in SLACK_DM_DEFAULTS.items() if on}
    assert {row.kind for row in selectors.email_preferences(user=member) if row.slack_dm} == (
        defaults - {EventKind.MEETUP_REMINDER}
    ) | {EventKind.COMMENTED}
    context.close()


def _background(locator) -> str:
    return locator.evaluate("element => getComputedStyle(element).backgroundColor")


def test_a_welcomed_member_reads_the_welcome_not_news_of_their_own_joining(
    in_browser_thread, live_server, screenshot
):
    proposer = UserFactory(display_name="Aoi")
    proposal = make_proposal(proposer=proposer, title="朝ヨガ")
    joiner = UserFactory(display_name="れん", preferred_language="ja")
    membership = services.membership_request(proposal=proposal, user=joiner, role="広報")
    services.membership_accept(membership=membership, by=proposer, response="ようこそ！")
    in_browser_thread(lambda chromium: _welcomed(chromium, live_server.url, screenshot, joiner))


def _welcomed(chromium, base_url, screenshot, joiner):
    context = _signed_in(chromium, base_url, joiner, "ja", PHONE)
    page = context.new_page()
    page.goto(f"{base_url}/notifications/")
    items = page.locator(".notification")
    expect(items).to_have_count(1)
    expect(items.first).to_contain_text("「朝ヨガ」への参加希望が受け入れられました。")
    expect(items.first.locator(".notification-quote")).to_contain_text("ようこそ！")
    expect(page.locator("main")).not_to_contain_text("れんさんが")
    screenshot(page, "notifications-ja-phone-welcomed")
    context.close()
