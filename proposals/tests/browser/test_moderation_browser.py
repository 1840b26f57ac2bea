"""A moderator's day in the app: answer a join request waiting anywhere, hide a comment, move a
proposal, retry a message that could not be delivered (ja on a desk, en on a phone)."""

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from members.tests.factories import UserFactory
from proposals import services
from proposals.choices import MembershipStatus, Status
from proposals.models import Comment, Membership, Proposal
from proposals.tests.factories import make_proposal
from workers.events import Channel
from workers.models import Delivery, DeliveryStatus, Event

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}

TEXT = {
    "ja": {
        "locale": "ja-JP",
        "welcome": "迎え入れる",
        "hide": "非表示にする",
        "show": "再表示する",
        "not_for_you": "モデレーター",
    },
    "en": {
        "locale": "en-US",
        "welcome": "Welcome aboard",
        "hide": "Hide",
        "show": "Show again",
        "not_for_you": "moderators",
    },
}


def _signed_in(chromium, base_url: str, user, locale: str, viewport: dict):
    client = Client()
    client.force_login(user)
    context = chromium.new_context(locale=locale, viewport=viewport)
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


@pytest.mark.parametrize(("language", "viewport"), [("ja", DESKTOP), ("en", PHONE)])
def test_a_moderators_day_in_the_app(
    in_browser_thread, live_server, screenshot, language, viewport
):
    moderator = UserFactory(moderator=True, preferred_language=language)
    proposal = make_proposal(title="Repair café", status=Status.DISCUSSION)
    applicant = UserFactory(display_name="Mika")
    membership = services.membership_request(
        proposal=proposal, user=applicant, role="host", message="I can bring tools."
    )
    comment = services.comment_create(proposal=proposal, author=UserFactory(), body="Buy my stuff")
    failed = Delivery.objects.create(
        event=Event.objects.filter(proposal=proposal).first(),
        channel=Channel.EMAIL,
        recipient=proposal.proposer,
        proposal=proposal,
        status=DeliveryStatus.FAILED,
        attempts=5,
        last_error="Mailbox full",
    )
    member = UserFactory(preferred_language=language)
    in_browser_thread(
        lambda chromium: _day(
            chromium,
            live_server.url,
            screenshot,
            language,
            viewport,
            moderator=moderator,
            member=member,
            ids={"membership": membership.pk, "comment": comment.pk, "delivery": failed.pk},
            proposal=proposal,
        )
    )


def _day(chromium, base_url, screenshot, language, viewport, *, moderator, member, ids, proposal):
    text = TEXT[language]
    name = "phone" if viewport is PHONE else "desktop"

    # A member who is not a moderator is told plainly that the page is not theirs.
    context = _signed_in(chromium, base_url, member, text["locale"], viewport)
    page = context.new_page()
    response = page.goto(f"{base_url}/moderation/")
    assert response.status == 403
    expect(page.locator("main")).to_contain_text(text["not_for_you"])
    context.close()

    context = _signed_in(chromium, base_url, moderator, text["locale"], viewport)
    page = context.new_page()
    page.goto(f"{base_url}/moderation/")
    screenshot(page, f"moderation-{language}-{name}")

    # A join request waiting on someone else's proposal.
    application = page.locator(f"#application-{ids['membership']}")
    expect(application).to_contain_text("Mika")
    expect(application).to_contain_text("I can bring tools.")
    application.locator("textarea").fill("Welcome, Mika!")
    application.get_by_role("button", name=text["welcome"]).click()
    expect(page.locator(f"#application-{ids['membership']}")).to_have_count(0)
    expect(page.locator(".messages")).to_contain_text("Mika")
    membership = Membership.objects.get(pk=ids["membership"])
    assert membership.status == MembershipStatus.ACCEPTED
    assert membership.response == "Welcome, Mika!"

    # Hide a comment, then show it again.
    row = page.locator(f"#recent-comment-{ids['comment']}")
    row.get_by_role("button", name=text["hide"]).click()
    row = page.locator(f"#recent-comment-{ids['comment']}")
    expect(row.get_by_role("button", name=text["show"])).to_be_visible()
    assert Comment.objects.get(pk=ids["comment"]).is_hidden
    row.get_by_role("button", name=text["show"]).click()
    expect(
        page.locator(f"#recent-comment-{ids['comment']}").get_by_role("button", name=text["hide"])
    ).to_be_visible()
    assert not Comment.objects.get(pk=ids["comment"]).is_hidden

    # Move a proposal (a pause needs a note).
    move = page.locator(f"#proposal-{proposal.pk}")
    move.locator("select[name=to]").select_option(Status.ARCHIVED)
    move.locator("input[name=note]").fill("Taking a break for the summer")
    move.locator("button[type=submit]").click()
    expect(page.locator(".messages")).to_contain_text("Repair café")
    assert Proposal.objects.get(pk=proposal.pk).status == Status.ARCHIVED

    # Retry the message that could not be delivered.
    delivery = page.locator(f"#delivery-{ids['delivery']}")
    expect(delivery).to_contain_text("Mailbox full")
    delivery.locator("button[type=submit]").click()
    expect(page.locator(f"#delivery-{ids['delivery']}")).to_have_count(0)
    assert Delivery.objects.get(pk=ids["delivery"]).status != DeliveryStatus.FAILED
    screenshot(page, f"moderation-{language}-{name}-done")
    context.close()
