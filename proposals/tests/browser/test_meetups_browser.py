"""Meetups in a browser, ja and en: a member hosts a meetup, another says they are going, finds
it in the month view and downloads its .ics (read back with icalendar). Then every meetup page
(list, month, meetup, form) on a desk and a phone: a screenshot of each under
artifacts/screenshots/meetups/, and axe-core finds nothing critical or serious."""

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from icalendar import Calendar
from playwright.sync_api import expect

from meetups import services
from meetups.models import Meetup, Rsvp
from members.tests.factories import UserFactory
from proposals.choices import SUGGESTED_THEMES
from proposals.models import Tag
from proposals.tests.browser.axe import serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pass-word-123"
TOKYO = ZoneInfo("Asia/Tokyo")
SCREENS = {"desk": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
FOLDER = Path(settings.BASE_DIR) / "artifacts" / "screenshots" / "meetups"

TEXT = {
    "ja": {
        "locale": "ja-JP",
        "log_in": "ログイン",
        "meetups": "交流会・勉強会",
        "host": "交流会をひらく",
        "themes": "テーマ（任意）",
        "theme": "防災",
        "post": "交流会を公開する",
        "posted": "交流会を公開しました。主催ありがとうございます！",
        "host_answer": "あなたの回答：参加する",
        "going": "参加する",
        "see_you": "当日お会いしましょう！",
        "month": "月間",
        "times_in": "時刻はAsia/Tokyoで表示しています。",
        "download": ".icsをダウンロード",
        "title": "はじめての防災まちあるき",
        "place": "駅前広場",
        "when": "{d.year}年{d.month}月{d.day}日 19:00",
    },
    "en": {
        "locale": "en-US",
        "log_in": "Log in",
        "meetups": "Meetups",
        "host": "Host a meetup",
        "themes": "Themes (optional)",
        "theme": "Disaster preparedness",
        "post": "Post the meetup",
        "posted": "Your meetup is up. Thank you for hosting!",
        "host_answer": "Your answer: Going",
        "going": "Going",
        "see_you": "See you there!",
        "month": "Month",
        "times_in": "Times are in Asia/Tokyo.",
        "download": "Download .ics",
        "title": "A first walk to learn about disaster safety",
        "place": "In front of the station",
        "when": "{d:%b} {d.day}, {d.year}, 7:00 PM",
    },
}


@pytest.fixture(autouse=True)
def suggested_themes():
    """The form's suggested themes (a migration writes them; a transactional test before this one
    may have emptied the table)."""
    for name in SUGGESTED_THEMES:
        Tag.objects.update_or_create(name=name, defaults={"suggested": True})


def log_in(page, base_url: str, username: str, text: dict) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.locator("input[name=login]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main").get_by_role("button", name=text["log_in"]).click()
    page.wait_for_url(re.compile(r"^(?!.*accounts/login).*$"))


@pytest.mark.parametrize("language", ["ja", "en"])
def test_host_a_meetup_answer_find_it_in_the_month_and_download_its_ics(
    in_browser_thread, live_server, screenshot, language
):
    host = UserFactory(display_name="Aoi" if language == "en" else "あおい")
    guest = UserFactory(display_name="Ren" if language == "en" else "れん")
    # Two days ahead, at 19:00 in Tokyo (the community's zone: neither has chosen another).
    day = timezone.localdate(timezone.now(), TOKYO) + timedelta(days=2)
    in_browser_thread(
        lambda chromium: _journey(
            chromium, live_server.url, screenshot, language, host=host, guest=guest, day=day
        )
    )
    meetup = Meetup.objects.get()
    assert list(meetup.hosts.all()) == [host]
    assert meetup.themes == ["防災"]
    assert dict(Rsvp.objects.filter(meetup=meetup).values_list("user_id", "status")) == {
        host.pk: "going",
        guest.pk: "going",
    }


def _journey(chromium, base_url: str, screenshot, language: str, *, host, guest, day) -> None:
    text = TEXT[language]
    starts = f"{day.isoformat()}T19:00"
    ends = f"{day.isoformat()}T21:00"

    # The host posts a meetup: a title, a time, a place and a theme.
    host_context = chromium.new_context(
        locale=text["locale"], viewport={"width": 1280, "height": 900}
    )
    page = host_context.new_page()
    log_in(page, base_url, host.username, text)
    page.goto(f"{base_url}/meetups/")
    expect(page.get_by_role("heading", level=1)).to_have_text(text["meetups"])
    page.get_by_role("main").get_by_role("link", name=text["host"]).first.click()
    page.wait_for_url(re.compile(r"/meetups/new/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(text["host"])
    page.locator("input[name=title]").fill(text["title"])
    page.locator("input[name=starts_at]").fill(starts)
    page.locator("input[name=ends_at]").fill(ends)
    page.locator("input[name=place]").fill(text["place"])
    page.get_by_text(text["themes"], exact=True).click()
    page.get_by_label(text["theme"], exact=True).check()
    screenshot(page, f"{language}-desktop-meetup-form-filled")
    page.get_by_role("button", name=text["post"]).click()
    page.wait_for_url(re.compile(r"/meetups/\d+/$"))
    expect(page.get_by_text(text["posted"])).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(text["title"])
    expect(page.locator(".meetup-own-answer")).to_contain_text(text["host_answer"])
    expect(page.locator(".facts")).to_contain_text(text["when"].format(d=day))
    expect(page.locator(".facts")).to_contain_text("(Asia/Tokyo)")
    expect(page.locator(".facts")).to_contain_text(text["theme"])
    meetup_url = page.url
    host_context.close()

    # Another member finds it in the list and says they are going (htmx swaps the answer box).
    context = chromium.new_context(locale=text["locale"], viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, base_url, guest.username, text)
    page.goto(f"{base_url}/meetups/")
    page.get_by_role("link", name=text["title"]).click()
    page.wait_for_url(meetup_url)
    page.locator(".meetup-answers").get_by_role("button", name=text["going"], exact=True).click()
    expect(page.locator("#rsvp").get_by_text(text["see_you"])).to_be_visible()
    expect(
        page.locator(".meetup-answers").get_by_role("button", name=text["going"], exact=True)
    ).to_have_attribute("aria-pressed", "true")
    screenshot(page, f"{language}-desktop-meetup-going")

    # The month view: this month, or the next when the day falls there.
    page.goto(f"{base_url}/meetups/")
    page.get_by_role("link", name=text["month"], exact=True).click()
    page.wait_for_url(re.compile(r"/meetups/month/"))
    today = timezone.localdate(timezone.now(), TOKYO)
    if (day.year, day.month) != (today.year, today.month):
        page.locator("a[rel=next]").click()
        page.wait_for_url(re.compile(rf"/meetups/month/{day.year}/{day.month}/$"))
    expect(page.locator(".meetup-zone")).to_contain_text(text["times_in"])
    cell = page.locator(f"td:has(time[datetime='{day.isoformat()}'])")
    expect(cell.get_by_role("link", name=re.compile(re.escape(text["title"])))).to_be_visible()
    expect(cell.locator(".meetup-day-time")).to_have_text("19:00")
    screenshot(page, f"{language}-desktop-meetup-month")
    cell.get_by_role("link", name=re.compile(re.escape(text["title"]))).click()
    page.wait_for_url(meetup_url)

    # Its .ics, downloaded and read back.
    with page.expect_download() as download_info:
        page.get_by_role("link", name=text["download"]).click()
    download = download_info.value
    assert download.suggested_filename.endswith(".ics")
    calendar = Calendar.from_ical(Path(download.path()).read_bytes())
    (event,) = calendar.walk("VEVENT")
    assert str(event["summary"]) == text["title"]
    assert str(event["location"]) == text["place"]
    starts_at = datetime(day.year, day.month, day.day, 19, 0, tzinfo=TOKYO)
    assert event.decoded("dtstart") == starts_at.astimezone(UTC)
    assert event.decoded("dtend") == (starts_at + timedelta(hours=2)).astimezone(UTC)
    assert str(event["url"]).endswith(meetup_url.removeprefix(base_url))
    context.close()


@pytest.mark.parametrize("language", ["ja", "en"])
def test_every_meetup_page_on_a_desk_and_a_phone(in_browser_thread, live_server, language):
    host, member = UserFactory(display_name="さくら"), UserFactory(display_name="はると")
    soon = timezone.localdate(timezone.now(), TOKYO) + timedelta(days=1)
    meetup = services.meetup_create(
        by=host,
        title="NPOの方をお招きする勉強会" if language == "ja" else "Study session with an NPO",
        description="**ファンドレイジング**の基本を、実例から学びます。",
        kind="study",
        starts_at=datetime(soon.year, soon.month, soon.day, 19, 0, tzinfo=TOKYO),
        ends_at=datetime(soon.year, soon.month, soon.day, 21, 0, tzinfo=TOKYO),
        online_url="https://meet.example.org/npo",
        capacity=20,
        themes=["ファンドレイジング", "学び合い"],
    )
    services.meetup_answer(meetup=meetup, user=member, answer="maybe", remind=True)
    client = Client()
    client.force_login(member)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    pages = {
        "list": "/meetups/",
        "month": f"/meetups/month/{soon.year}/{soon.month}/",
        "detail": meetup.get_absolute_url(),
        "form": "/meetups/new/",
    }
    FOLDER.mkdir(parents=True, exist_ok=True)

    def visit_all(chromium) -> dict[str, list]:
        problems: dict[str, list] = {}
        for screen, viewport in SCREENS.items():
            context = chromium.new_context(
                viewport=viewport, locale=TEXT[language]["locale"], bypass_csp=True
            )
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
            for name, path in pages.items():
                page = context.new_page()
                errors: list[str] = []
                page.on("pageerror", lambda error, errors=errors: errors.append(str(error)))
                response = page.goto(live_server.url + path)
                page.wait_for_load_state("networkidle")
                where = f"{language}-{screen}-{name}"
                page.screenshot(path=str(FOLDER / f"{where}.png"), full_page=True)
                if response.status != 200 or "/accounts/login/" in page.url:
                    problems[where] = [f"HTTP {response.status} at {page.url}"]
                if errors:
                    problems.setdefault(where, []).extend(errors)
                # Nothing on the page wider than the screen (a phone scrolls down, never
                # sideways). The site's header is base.html's, held by its own tests.
                wide = page.evaluate(
                    """() => [...document.querySelectorAll("main *")]
                        .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
                        .slice(0, 3).map(e => e.tagName + "." + e.className)"""
                )
                if wide:
                    problems.setdefault(where, []).append({"wider than the screen": wide})
                found = serious_violations(page)
                if found:
                    problems.setdefault(where, []).extend(found)
                page.close()
            context.close()
        return problems

    problems = in_browser_thread(visit_all)
    assert problems == {}, "\n".join(f"{where}: {found}" for where, found in problems.items())
