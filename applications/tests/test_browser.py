"""Asking to join, end to end in a browser (ja and en): a visitor applies, confirms their address
from the email, a moderator invites them, and they sign up with the invitation's link."""

import re

import pytest
from django.core import mail as django_mail
from django.test import Client
from playwright.sync_api import expect

from applications import mail
from applications.models import Application, ApplicationStatus
from members.models import User
from members.tests.factories import UserFactory
from workers import publish

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LOCALES = {"ja": "ja-JP", "en": "en-US"}
GUIDELINES = {"ja": "心理的安全性を守ります。", "en": "Psychological safety comes first."}
LINK = re.compile(r"https?://\S+")


def _send_published_mails(published) -> list:
    """What the worker does with the published tasks: each applicant's email, sent once."""
    before = len(django_mail.outbox)
    for call in list(published):
        if call.name == publish.SEND_APPLICATION_MAIL:
            mail.process(*call.args)
    published.clear()
    return django_mail.outbox[before:]


def _link(message, path: str) -> str:
    return next(link for link in LINK.findall(message.body) if path in link)


@pytest.mark.parametrize("language", ["ja", "en"])
def test_apply_confirm_approve_and_sign_up(
    in_browser_thread, live_server, screenshot, published, settings, language
):
    settings.APPLICATIONS_MIN_FILL_SECONDS = 0  # the minimum time has tests of its own
    settings.INVITE_ONLY = True
    settings.SLACK_INVITE_URL = "https://join.slack.com/t/community/shared_invite/xyz"
    settings.SITE_URL = live_server.url
    moderator = UserFactory(moderator=True, preferred_language=language)
    client = Client()
    client.force_login(moderator)
    moderator_session = client.cookies[settings.SESSION_COOKIE_NAME].value
    email = f"hana-{language}@example.org"

    def journey(chromium):
        base = live_server.url
        # A visitor applies.
        visitor = chromium.new_context(locale=LOCALES[language])
        page = visitor.new_page()
        page.goto(f"{base}/apply/")
        expect(page.locator("html")).to_have_attribute("lang", language)
        expect(page.locator(".markdown")).to_contain_text(GUIDELINES[language])
        screenshot(page, f"apply-{language}")
        page.fill("#id_name", "山田 花子")
        page.fill("#id_call_name", "はなちゃん")
        page.fill("#id_email", email)
        page.check("input[name=interests][value='福祉']")
        page.fill("#id_hopes", "子ども食堂を手伝ってみたい")
        # Sent without agreeing: a clear note, and nothing is lost.
        page.click("form[action='/apply/'] button[type=submit]")
        expect(page.locator("#id_agree_error")).to_be_visible()
        expect(page.locator("#id_email")).to_have_value(email)
        assert not Application.objects.exists()
        page.check("#id_agree")
        page.click("form[action='/apply/'] button[type=submit]")
        page.wait_for_url("**/apply/sent/")

        # The confirmation link from the email; only then do the moderators see it.
        [confirmation] = _send_published_mails(published)
        assert confirmation.to == [email]
        page.goto(_link(confirmation, "/apply/confirm/"))
        page.click("main form button[type=submit]")
        expect(page.locator("main h1")).to_be_visible()
        application = Application.objects.get(email=email)
        assert application.status == ApplicationStatus.WAITING
        assert application.language == language

        # A moderator invites them.
        desk = chromium.new_context(locale=LOCALES[language])
        desk.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": moderator_session, "url": base}]
        )
        review = desk.new_page()
        review.goto(f"{base}/moderation/")
        review.click("a[href='/apply/review/']")
        card = review.locator(f"#application-{application.pk}")
        expect(card).to_contain_text("子ども食堂を手伝ってみたい")
        screenshot(review, f"applications-{language}")
        card.locator(f"form[action$='/{application.pk}/approve/'] button").click()
        expect(review.locator(f"#application-{application.pk}")).to_have_count(0)
        expect(review.locator(".messages")).to_contain_text("山田 花子")
        desk.close()

        # The invitation, with the Slack link; the sign-up link opens sign-up for that address.
        [invitation] = _send_published_mails(published)
        assert settings.SLACK_INVITE_URL in invitation.body
        page.goto(_link(invitation, "/apply/join/"))
        page.wait_for_url("**/accounts/signup/")
        expect(page.locator("#id_email")).to_have_value(email)
        expect(page.locator("#id_email")).to_have_attribute("readonly", "")
        page.fill("#id_username", f"hana_{language}")
        page.fill("#id_password1", "a-long-pass-phrase-1")
        page.fill("#id_password2", "a-long-pass-phrase-1")
        page.click("form[action='/accounts/signup/'] button[type=submit]")
        page.wait_for_url(lambda url: "/accounts/signup/" not in url)
        visitor.close()

    in_browser_thread(journey)

    member = User.objects.get(username=f"hana_{language}")
    application = Application.objects.get(email=email)
    assert application.member == member and application.invite_used_at
    assert application.decided_by == moderator
    assert member.email == email
