"""The insight page in Chromium, ja and en, on a desk and a phone: a screenshot of each under
artifacts/screenshots/insight/, the charts fit the screen, and axe-core finds nothing critical or
serious."""

import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from proposals.tests.browser.axe import serious_violations

from .dataset import build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENS = {"desk": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
FOLDER = Path(settings.BASE_DIR) / "artifacts" / "screenshots" / "insight"
LOCALES = {"ja": "ja-JP", "en": "en-US"}
PATH = "/insight/?weeks=custom&start=2026-03-02&end=2026-03-29"


def test_the_insight_page_on_a_desk_and_a_phone(in_browser_thread, live_server):
    community = build()
    client = Client()
    client.force_login(community.moderator)
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
                response = page.goto(live_server.url + PATH)
                where = f"{language}-{screen}"
                page.screenshot(path=str(FOLDER / f"{where}.png"), full_page=True)
                if response.status != 200:
                    problems[where] = [f"HTTP {response.status}"]
                # Every chart fits the width of the screen: nothing to scroll sideways.
                overflow = page.evaluate(
                    "() => [...document.querySelectorAll('svg.insight-chart')]"
                    ".filter(svg => svg.getBoundingClientRect().right > window.innerWidth + 1)"
                    ".length"
                )
                if overflow:
                    problems.setdefault(where, []).append(
                        f"{overflow} charts wider than the screen"
                    )
                problems.setdefault(where, []).extend(serious_violations(page))
                if not problems[where]:
                    del problems[where]
                context.close()
        return problems

    assert shutil.which("chromium")
    problems = in_browser_thread(visit)
    assert problems == {}, problems
