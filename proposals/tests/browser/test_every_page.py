"""Every page a member visits, as they would see it: Japanese and English, a desk and a phone.

The demo community is seeded (a living history, through the services), a screenshot of each page
is saved under artifacts/screenshots/every-page/, and axe-core (served from node_modules, never a
CDN) checks the main pages: no critical and no serious violation, in either language, on either
screen.
"""

from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from meetups.models import Meetup
from members.models import User
from proposals.models import Proposal
from proposals.tests.browser.axe import serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENS = {"desk": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
LOCALES = {"ja": "ja-JP", "en": "en-US"}
# The pages issue 11 names for axe-core, plus the ones around them that get screenshots only.
CHECKED = {"board", "form", "detail", "list", "notifications", "settings", "email", "member"}
CHECKED |= {"members", "meetups", "meetups-month", "meetup", "meetup-form", "insight"}
CHECKED |= {"board-suited", "introductions", "introduction-counts", "webhooks"}
CHECKED |= {"public", "public-proposal", "privacy"}


def _pages(member: User, moderator: User) -> dict[str, tuple[User | None, str]]:
    busy = Proposal.objects.order_by("-comment_count", "pk").first()
    meetup = Meetup.objects.filter(starts_at__gt=timezone.now(), visibility="community").first()
    shown = Proposal.objects.filter(is_public=True, status="team_forming").first()
    return {
        "board": (member, "/"),
        "list": (member, "/proposals/"),
        "form": (member, "/proposals/new/"),
        "detail": (member, f"/proposals/{busy.pk}/"),
        "edit": (busy.proposer, f"/proposals/{busy.pk}/edit/"),
        "notifications": (member, "/notifications/"),
        "email": (member, "/notifications/settings/"),
        "settings": (member, "/members/settings/"),
        "member": (member, f"/members/{moderator.username}/"),
        "moderation": (moderator, "/moderation/"),
        "members": (member, "/members/"),
        "meetups": (member, "/meetups/"),
        "meetups-month": (member, "/meetups/month/"),
        "meetup": (member, f"/meetups/{meetup.pk}/"),
        "meetup-form": (member, "/meetups/new/"),
        "insight": (moderator, "/insight/"),
        "board-suited": (member, "/?suited=1"),
        "introductions": (member, "/introductions/"),
        "introduction-counts": (moderator, "/introductions/counts/"),
        "webhooks": (moderator, "/webhooks/"),
        "apply": (None, "/apply/"),
        "applications": (moderator, "/apply/review/"),
        "onboarding": (member, "/members/welcome/?step=interests"),
        "account-delete": (member, "/members/settings/delete/"),
        "login": (None, "/accounts/login/"),
        "public": (None, "/"),
        "public-proposal": (None, f"/p/{shown.pk}/"),
        "privacy": (None, "/privacy/"),
        "public-texts": (moderator, "/public/texts/about/"),
        "missing": (member, "/no-such-page/"),
    }


def test_every_page_in_both_languages_on_a_desk_and_a_phone(
    in_browser_thread, live_server, settings
):
    call_command("seed_demo", verbosity=0)
    member = User.objects.get(username="haruto")
    moderator = User.objects.get(username="sakura")
    pages = _pages(member, moderator)
    sessions = {}
    for user in {user for user, _path in pages.values() if user is not None}:
        client = Client()
        client.force_login(user)
        sessions[user.pk] = client.cookies[settings.SESSION_COOKIE_NAME].value
    folder = Path(settings.BASE_DIR) / "artifacts" / "screenshots" / "every-page"
    folder.mkdir(parents=True, exist_ok=True)

    def visit_all(chromium) -> dict[str, list[dict]]:
        problems: dict[str, list[dict]] = {}
        for language, locale in LOCALES.items():
            for screen, viewport in SCREENS.items():
                for name, (user, path) in pages.items():
                    # axe-core is injected as an inline script, which the CSP rightly refuses;
                    # the CSP itself is checked by incubator/tests/test_csp_browser.py.
                    context = chromium.new_context(
                        viewport=viewport, locale=locale, bypass_csp=True
                    )
                    cookies = [{"name": "django_language", "value": language}]
                    if user is not None:
                        cookies.append(
                            {"name": settings.SESSION_COOKIE_NAME, "value": sessions[user.pk]}
                        )
                    context.add_cookies([{**c, "url": live_server.url} for c in cookies])
                    page = context.new_page()
                    errors: list[str] = []
                    page.on("pageerror", lambda error, errors=errors: errors.append(str(error)))
                    response = page.goto(live_server.url + path)
                    page.wait_for_load_state("networkidle")
                    where = f"{language}-{screen}-{name}"
                    page.screenshot(path=str(folder / f"{where}.png"), full_page=True)
                    expected = 404 if name == "missing" else 200
                    # Sent to log in: only the visitors' own pages are for visitors.
                    signed_out = "/accounts/login/" in page.url
                    if response.status != expected or signed_out != (path == "/accounts/login/"):
                        problems[where] = [{"id": f"HTTP {response.status}", "nodes": [page.url]}]
                    if errors:
                        problems.setdefault(where, []).append({"id": "script", "nodes": errors})
                    if name in CHECKED:
                        found = serious_violations(page)
                        if found:
                            problems.setdefault(where, []).extend(found)
                    context.close()
        return problems

    problems = in_browser_thread(visit_all)
    assert problems == {}, "\n".join(f"{where}: {found}" for where, found in problems.items())
