"""The introductions' pages in a browser: Japanese and English, a desk and a phone, with a
screenshot each and axe-core finding no serious violation; an answer given with a click."""

from pathlib import Path

import pytest
from django.test import Client

from introductions import services
from introductions.models import IntroductionMember
from members.tests.factories import UserFactory
from proposals.tests.browser.axe import serious_violations

from .factories import person, round_moment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENS = {"desk": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


def test_the_introductions_pages_read_well_and_take_an_answer(
    in_browser_thread, live_server, settings
):
    aiko = person("aiko", "防災", "子ども・教育", display_name="あいこ")
    person("ben", "防災", display_name="ベン")
    services.introductions_round_start(now=round_moment())
    moderator = UserFactory(moderator=True)
    sessions = {}
    for user in (aiko, moderator):
        client = Client()
        client.force_login(user)
        sessions[user.pk] = client.cookies[settings.SESSION_COOKIE_NAME].value
    pages = {"mine": (aiko, "/introductions/"), "counts": (moderator, "/introductions/counts/")}
    folder = Path(settings.BASE_DIR) / "artifacts" / "screenshots" / "introductions"
    folder.mkdir(parents=True, exist_ok=True)

    def visit(chromium) -> dict[str, list]:
        problems = {}
        for language in ("ja", "en"):
            for screen, viewport in SCREENS.items():
                for name, (user, path) in pages.items():
                    context = chromium.new_context(viewport=viewport, bypass_csp=True)
                    context.add_cookies(
                        [
                            {"name": "django_language", "value": language, "url": live_server.url},
                            {
                                "name": settings.SESSION_COOKIE_NAME,
                                "value": sessions[user.pk],
                                "url": live_server.url,
                            },
                        ]
                    )
                    page = context.new_page()
                    response = page.goto(live_server.url + path)
                    where = f"{language}-{screen}-{name}"
                    page.screenshot(path=str(folder / f"{where}.png"), full_page=True)
                    if response.status != 200:
                        problems[where] = [f"HTTP {response.status}"]
                    found = serious_violations(page)
                    if found:
                        problems.setdefault(where, []).extend(found)
                    if name == "mine" and language == "en" and screen == "phone":
                        page.get_by_role("button", name="Yes, we talked").click()
                        page.wait_for_load_state("networkidle")
                        if "Your answer is saved." not in page.content():
                            problems[f"{where}-answer"] = ["no confirmation"]
                    context.close()
        return problems

    assert in_browser_thread(visit) == {}
    assert IntroductionMember.objects.get(member=aiko).answer == "yes"
