"""In Chromium, under the Content-Security-Policy: the pages' own scripts (htmx, the board, the language
menu) all still run, and the browser reports no violation."""

import re
import shutil
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections
from django.urls import reverse
from playwright.sync_api import expect, sync_playwright

from members.tests.factories import UserFactory
from proposals.tests.factories import make_proposal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# Recorded before any page script runs; Playwright's init scripts are not subject to the policy.
RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


def in_own_thread(journey):
    """Playwright's sync API wants a thread of its own (other browser tests hold the main one)."""

    def run():
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS
                )
                try:
                    return journey(browser)
                finally:
                    browser.close()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def test_the_pages_scripts_run_under_the_policy(live_server, settings):
    settings.LANGUAGE_CODE = "ja"
    member = UserFactory(username="hana", preferred_language="")
    proposal = make_proposal(proposer=member, title="公園でゆるく朝ヨガ", status="discussion")

    def journey(browser):
        context = browser.new_context(locale="ja-JP")
        context.add_init_script(RECORD_VIOLATIONS)
        page = context.new_page()
        console = []
        page.on(
            "console",
            lambda message: (
                console.append(message.text) if "Content Security Policy" in message.text else None
            ),
        )
        violations = []

        def visit(path):
            page.goto(f"{live_server.url}{path}")
            page.wait_for_load_state("networkidle")
            violations.extend(page.evaluate("window.cspViolations"))

        visit(reverse("account_login"))
        page.locator("input[name=login]").fill("hana")
        page.locator("input[name=password]").fill("pass-word-123")
        page.locator("main button[type=submit]").click()
        page.wait_for_url(re.compile(r"^(?!.*accounts/login).*$"))

        visit(reverse("proposals:board"))
        expect(page.get_by_text("公園でゆるく朝ヨガ").first).to_be_visible()
        visit(proposal.get_absolute_url())
        visit(reverse("proposals:create"))
        page.locator("details:has(textarea[name=body]) > summary").click()
        page.locator("textarea[name=body]").fill("**日曜** の朝")
        expect(page.locator("#preview strong")).to_have_text("日曜")  # htmx's live preview
        violations.extend(page.evaluate("window.cspViolations"))

        # The language menu applies a choice at once (static JS, no inline handler); a member
        # finds it in their own menu.
        page.locator("details.site-menu > summary").click()
        page.locator("#language-select-menu").select_option("en")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        violations.extend(page.evaluate("window.cspViolations"))
        context.close()
        return violations, console

    violations, console = in_own_thread(journey)

    assert violations == []
    assert console == []


def test_the_admin_works_under_the_policy(live_server):
    UserFactory(username="keeper", is_staff=True, is_superuser=True)
    proposal = make_proposal(title="公園でゆるく朝ヨガ")

    def journey(browser):
        context = browser.new_context(locale="en-US")
        context.add_init_script(RECORD_VIOLATIONS)
        page = context.new_page()
        violations = []
        page.goto(f"{live_server.url}{reverse('admin:index')}")  # on to the site's sign-in page
        page.locator("input[name=login]").fill("keeper")
        page.locator("input[name=password]").fill("pass-word-123")
        page.locator("main button[type=submit]").click()
        page.wait_for_url(re.compile(r"/admin/$"))
        violations.extend(page.evaluate("window.cspViolations"))
        change = reverse("admin:proposals_proposal_change", args=[proposal.pk])
        page.goto(f"{live_server.url}{change}")
        expect(page.locator("input[name=title]")).to_have_value("公園でゆるく朝ヨガ")
        page.wait_for_load_state("networkidle")
        violations.extend(page.evaluate("window.cspViolations"))
        context.close()
        return violations

    assert in_own_thread(journey) == []
