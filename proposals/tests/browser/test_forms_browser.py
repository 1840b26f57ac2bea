"""The submit form as a person uses it in the browser."""

import re

import pytest
from playwright.sync_api import expect

from members.tests.factories import UserFactory
from proposals.models import Proposal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pass-word-123"


def log_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.locator("input[name=login]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(re.compile(r"^(?!.*accounts/login).*$"))


def test_back_and_submit_again_makes_one_proposal(in_browser_thread, live_server):
    in_browser_thread(lambda chromium: _back_and_resubmit(chromium, live_server.url))


def _back_and_resubmit(chromium, base_url):
    member = UserFactory()
    context = chromium.new_context(locale="en-US")
    page = context.new_page()
    log_in(page, base_url, member.username)
    page.goto(f"{base_url}/proposals/new/")
    page.locator("input[name=title]").fill("Repair café")
    page.locator("input[name=summary]").fill("Fix things together once a month.")
    page.get_by_role("button", name="Post the idea").click()
    page.wait_for_url(re.compile(r"/proposals/\d+/$"))
    first_url = page.url

    page.go_back()
    page.wait_for_url(re.compile(r"/proposals/new/$"))
    expect(page.locator("input[name=title]")).to_have_value("Repair café")  # the browser kept it
    page.get_by_role("button", name="Post the idea").click()

    page.wait_for_url(first_url)
    expect(page.locator(".messages")).to_contain_text("You have posted this idea already")
    assert Proposal.objects.filter(proposer=member).count() == 1
