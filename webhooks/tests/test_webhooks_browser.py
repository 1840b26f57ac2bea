"""The webhook pages in Chromium, ja and en, on a desk and a phone: a screenshot of each under
artifacts/screenshots/webhooks/, nothing wider than the screen, and axe-core finds nothing critical
or serious."""

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from members.tests.factories import UserFactory
from proposals import services as proposal_services
from proposals.tests.browser.axe import serious_violations
from proposals.tests.factories import make_proposal
from webhooks import dispatch
from webhooks import services as webhook_services
from webhooks.models import WebhookDelivery
from workers.events import EventKind

from .conftest import Answer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENS = {"desk": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
FOLDER = Path(settings.BASE_DIR) / "artifacts" / "screenshots" / "webhooks"
LOCALES = {"ja": "ja-JP", "en": "en-US"}


def _a_webhook_with_a_history(endpoint_for, receiver, moderator):
    """One webhook whose log has a delivery sent after a retry, one refused, a test event; and
    one turned off after its failures."""
    live = endpoint_for(
        events=[EventKind.COMMENTED, EventKind.SUBMITTED], name="みんなのダッシュボード"
    )
    proposal = make_proposal(title="週末の清掃活動")
    receiver.answer(Answer(status=503, body="maintenance"), Answer(status=404, body="no hook"))
    for body in ("土曜の朝なら行けます", "道具を持っていきます"):
        proposal_services.comment_create(proposal=proposal, author=UserFactory(), body=body)
    for delivery in WebhookDelivery.objects.filter(endpoint=live).order_by("pk"):
        dispatch.process(delivery.pk)
    dispatch.process(webhook_services.endpoint_ping(endpoint=live, by=moderator).pk)
    off = endpoint_for(events=[EventKind.TRANSITIONED], name="Old sheet")
    webhook_services.endpoint_turn_off(endpoint=off, by=moderator)
    return live


def test_the_webhook_pages_on_a_desk_and_a_phone(
    in_browser_thread, live_server, endpoint_for, receiver, moderator
):
    live = _a_webhook_with_a_history(endpoint_for, receiver, moderator)
    pages = {
        "list": "/webhooks/",
        "detail": f"/webhooks/{live.pk}/",
        "form": "/webhooks/new/",
        "edit": f"/webhooks/{live.pk}/edit/",
    }
    client = Client()
    client.force_login(moderator)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    FOLDER.mkdir(parents=True, exist_ok=True)

    def visit(chromium) -> dict[str, list]:
        problems: dict[str, list] = {}
        for language, locale in LOCALES.items():
            for screen, viewport in SCREENS.items():
                # axe-core is injected as an inline script, which the CSP rightly refuses.
                context = chromium.new_context(viewport=viewport, locale=locale, bypass_csp=True)
                context.add_cookies(
                    [
                        {"name": "django_language", "value": language, "url": live_server.url},
                        {
                            "name": settings.SESSION_COOKIE_NAME,
                            "value": session,
                            "url": live_server.url,
                        },
                    ]
                )
                page = context.new_page()
                for name, path in pages.items():
                    where = f"{name}-{language}-{screen}"
                    response = page.goto(live_server.url + path)
                    page.screenshot(path=str(FOLDER / f"{where}.png"), full_page=True)
                    found = [] if response.status == 200 else [f"HTTP {response.status}"]
                    if page.evaluate("() => document.documentElement.scrollWidth > innerWidth + 1"):
                        found.append("wider than the screen")
                    found += serious_violations(page)
                    if found:
                        problems[where] = found
                context.close()
        return problems

    problems = in_browser_thread(visit)
    assert problems == {}, problems
