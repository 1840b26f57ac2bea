"""The submit form as a person uses it in the browser."""

import re

import pytest
from playwright.sync_api import expect

from members.tests.factories import UserFactory
from proposals.models import Proposal, Tag

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


def test_counters_and_role_rows(in_browser_thread, live_server, screenshot):
    in_browser_thread(lambda chromium: _counters_and_roles(chromium, live_server.url, screenshot))


def _counters_and_roles(chromium, base_url, screenshot):
    member = UserFactory()
    page = chromium.new_context(locale="en-US", viewport={"width": 390, "height": 844}).new_page()
    log_in(page, base_url, member.username)
    page.goto(f"{base_url}/proposals/new/")

    # The limit is counted as one types.
    counter = page.locator("[data-counter-for=id_title]")
    expect(counter).to_have_text("0 / 120")
    page.locator("input[name=title]").fill("Repair café")
    expect(counter).to_have_text("11 / 120")
    page.locator("input[name=summary]").fill("Fix things together once a month.")

    # One role row to start; "Add another role" adds one in place, "Remove this role" takes it away.
    page.get_by_text("Roles you are looking for (optional)").click()
    rows = page.locator("[data-role-row]")
    expect(rows).to_have_count(1)
    page.locator("input[name='form-0-name']").fill("bike mechanic")
    page.get_by_role("button", name="Add another role").click()
    expect(rows).to_have_count(2)
    expect(page.locator("input[name='form-1-name']")).to_be_focused()
    page.locator("input[name='form-1-name']").fill("baker")
    page.get_by_role("button", name="Add another role").click()
    page.locator("input[name='form-2-name']").fill("outreach")
    page.locator("input[name='form-2-count']").fill("2")
    rows.nth(1).get_by_role("button", name="Remove this role").click()
    expect(rows).to_have_count(2)
    screenshot(page, "en-phone-form-roles")

    page.get_by_role("button", name="Post the idea").click()
    page.wait_for_url(re.compile(r"/proposals/\d+/$"))
    proposal = Proposal.objects.get(proposer=member)
    roles = {(role.name, role.count) for role in proposal.roles_wanted.all()}
    assert roles == {("bike mechanic", 1), ("outreach", 2)}


def test_gentle_errors_and_english_themes(in_browser_thread, live_server, screenshot):
    in_browser_thread(lambda chromium: _errors_and_themes(chromium, live_server.url, screenshot))


def _errors_and_themes(chromium, base_url, screenshot):
    member = UserFactory()
    Tag.objects.update_or_create(name="防災", defaults={"suggested": True})
    page = chromium.new_context(locale="en-US").new_page()
    log_in(page, base_url, member.username)
    page.goto(f"{base_url}/proposals/new/")
    page.get_by_text("Themes (optional)").click()
    expect(page.get_by_label("Disaster preparedness")).to_be_visible()
    page.get_by_label("Disaster preparedness").check()

    page.get_by_role("button", name="Post the idea").click()

    expect(page.locator("#id_title_error")).to_have_text("Please fill this in.")
    expect(page.get_by_label("Disaster preparedness")).to_be_checked()
    screenshot(page, "en-desktop-form-errors")
    assert not Proposal.objects.exists()


def test_enter_in_a_field_posts_the_idea(in_browser_thread, live_server):
    in_browser_thread(lambda chromium: _enter_posts(chromium, live_server.url))


def _enter_posts(chromium, base_url):
    member = UserFactory()
    page = chromium.new_context(locale="en-US").new_page()
    log_in(page, base_url, member.username)
    page.goto(f"{base_url}/proposals/new/")
    page.locator("input[name=title]").fill("Seed swap")
    page.locator("input[name=summary]").fill("Bring seeds, take seeds.")

    page.locator("input[name=summary]").press("Enter")

    page.wait_for_url(re.compile(r"/proposals/\d+/$"))
    assert Proposal.objects.get(proposer=member).title == "Seed swap"
