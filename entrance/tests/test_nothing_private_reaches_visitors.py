"""Acceptance (issue 16): anonymous visitors see only public proposals' allowed fields. Every
route of the URL conf is visited as a visitor, with every id, name and token of a community
that holds private things; none of them appears in any answer, and every page that is not for
visitors sends them to log in or says 404."""

import re
import struct
from datetime import date
from html.parser import HTMLParser
from itertools import chain
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from .world import NAMED_PROPOSER, PUBLIC_SUMMARY, PUBLIC_TITLE, SECRETS, World

pytestmark = pytest.mark.django_db

# The routes a visitor may read (200): the entrance's own pages and signing in. Anything else
# answers with a redirect to log in, a 4xx, or (the API) a JSON 401.
FOR_VISITORS = (
    re.compile(r"^/$"),
    re.compile(r"^/public/$"),
    re.compile(r"^/p/\d+/$"),
    re.compile(r"^/privacy/$"),
    # Asking to join (the applications app): the form, "check your email", its links' answers.
    re.compile(r"^/apply/(sent/|guidelines/|confirm/[^/]+/|join/[^/]+/)?$"),
    re.compile(r"^/accounts/"),
    re.compile(r"^/healthz$"),
    re.compile(r"^/api/(openapi\.json|docs)$"),
)
TO_LOG_IN = ("/accounts/login/", "/admin/login/")
# Routes that redirect elsewhere by nature (signing in's old addresses, the admin's own login
# and logout, the language switcher): where they lead is visited and checked as well.
REDIRECTING = ("/accounts/", "/admin/", "/i18n/")

PARAMETER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")
REGEX_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>[^)]*\)")


def _routes(patterns=None, prefix: str = ""):
    """Every route of the URL conf as a path template ("proposals/<int:pk>/")."""
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        route = str(pattern.pattern)
        if "(?P<" in route or route.startswith("^"):
            route = REGEX_GROUP.sub(lambda m: f"<{m['name']}>", route).strip("^$")
            route = route.replace("\\", "").replace("$", "").replace("^", "")
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + route)
        elif isinstance(pattern, URLPattern):
            yield prefix + route


def _values(world: World, name: str, converter: str | None) -> list[str]:
    ids = sorted(
        {
            world.public.pk,
            world.private_proposal.pk,
            world.paused.pk,
            world.named_public.pk,
            world.public_meetup.pk,
            world.private_meetup.pk,
            world.hidden_comment.pk,
            world.applicant.pk,
            *world.public.memberships.values_list("pk", flat=True),
            *world.public.comments.values_list("pk", flat=True),
            *world.private_proposal.comments.values_list("pk", flat=True),
        }
    )
    today = date.today()
    named = {
        "year": [str(today.year)],
        "month": [str(today.month)],
        "username": [world.private.username, world.teammate.username, world.team_only.username],
        "kind": ["about", "privacy", "people"],
        "fmt": ["csv", "json"],
        "table": ["stages"],
        "app_label": ["proposals", "members", "meetups"],
        "provider_id": ["slack"],
        "token": ["not-a-token"],
        "key": ["not-a-key"],
        "uidb36": ["1"],
        "url": ["x"],
    }
    if name in named:
        return named[name]
    if converter in (None, "int", "path", "str") and (name.endswith("id") or name == "pk"):
        return [str(pk) for pk in ids]
    return ["x"]


def _paths(world: World) -> list[str]:
    """Each route with each value its first parameter can take (the others fixed at one; the
    admin's, which only ever sends a visitor to log in, with one)."""
    paths = []
    for route in dict.fromkeys(_routes()):
        parameters = list(PARAMETER.finditer(route))
        if not parameters:
            paths.append("/" + route)
            continue
        first, *others = parameters
        values = _values(world, first["name"], first["converter"])
        for value in values[:1] if route.startswith("admin/") else values:
            path = route.replace(first.group(0), value, 1)
            for other in others:
                path = path.replace(
                    other.group(0), _values(world, other["name"], other["converter"])[0], 1
                )
            paths.append("/" + path)
    # Searches, filters and the board's partials, as a visitor might try them.
    paths += [
        "/?suited=1",
        "/?theme=子ども・教育",
        "/proposals/?q=ないしょ",
        "/meetups/?past=1",
        "/board/more/?status=discussion&offset=0&q=ないしょ",
        "/api/v1/proposals?q=ないしょ",
        "/api/v1/board?status=discussion",
    ]
    return paths


def _everything_in(response) -> str:
    body = b"".join(response) if response.streaming else response.content
    headers = " ".join(f"{name}: {value}" for name, value in response.items())
    return body.decode("utf-8", "replace") + headers


def _leaks(text: str) -> list[str]:
    return [what for what, secret in SECRETS.items() if secret in text]


def test_a_visitor_finds_nothing_private_through_any_route():
    world = World()
    visitor = Client()
    seen, wrong = [], []
    asked = set()
    for path in _paths(world):
        # As a page, as htmx asks for a partial, as a script asks for JSON (once per route).
        route = re.sub(r"\d+", "N", path)
        variants = (
            [{}] if route in asked else [{}, {"HX-Request": "true"}, {"Accept": "application/json"}]
        )
        asked.add(route)
        for headers in variants:
            response = visitor.get(path, headers=headers)
            status = response.status_code
            if _leaks(_everything_in(response)):
                wrong.append((path, headers, status, _leaks(_everything_in(response))))
            if status in (301, 302):
                location = response["Location"]
                # Where it leads holds nothing private either.
                if _leaks(_everything_in(visitor.get(location, headers=headers))):
                    wrong.append((path, headers, location, "leaks after the redirect"))
                if not (location.startswith(TO_LOG_IN) or path.startswith(REDIRECTING)):
                    wrong.append((path, headers, status, location))
            elif status == 200:
                if not any(allowed.match(path.split("?")[0]) for allowed in FOR_VISITORS):
                    wrong.append((path, headers, status, "a page not for visitors"))
            elif status not in (204, 304, 400, 401, 403, 404, 405):
                wrong.append((path, headers, status))
            seen.append((path, status))
    assert not wrong, "\n".join(map(str, wrong))
    # The walk reached the routes it is meant to try (a broken walk would prove nothing).
    reached = dict(seen)
    assert reached[f"/proposals/{world.private_proposal.pk}/"] == 302  # to log in
    assert reached[f"/api/v1/proposals/{world.public.pk}"] == 401
    assert reached["/apply/review/"] == 302  # the moderators' page of applications
    assert f"/p/{world.private_proposal.pk}/" in reached
    assert f"/api/v1/proposals/{world.private_proposal.pk}/comments" in reached
    assert f"/meetups/{world.private_meetup.pk}/calendar.ics" in reached
    assert "/meetups/feeds/not-a-token/community.ics" in reached
    assert f"/members/{world.private.username}/" in reached
    assert len(reached) > 150


def test_a_non_public_proposal_has_no_public_page_and_missing_looks_the_same():
    world = World()
    visitor = Client()
    not_public = visitor.get(f"/p/{world.private_proposal.pk}/")
    paused = visitor.get(f"/p/{world.paused.pk}/")
    missing = visitor.get("/p/987654/")
    assert not_public.status_code == paused.status_code == missing.status_code == 404
    assert _without_tokens(not_public) == _without_tokens(missing)


def _without_tokens(response) -> str:
    """A page without what differs per request anyway (the CSP nonce, the CSRF token)."""
    return re.sub(r"""(nonce|value|hx-headers)=("[^"]*"|'[^']*')""", "", response.content.decode())


def test_the_public_page_shows_the_allowed_fields_of_public_proposals_only():
    world = World()
    page = Client().get("/").content.decode()
    assert PUBLIC_TITLE in page and PUBLIC_SUMMARY in page
    assert "広報デザイン" in page  # its open role (one of two places is taken)
    assert "1 place open" in page
    assert "Team forming" in page  # its stage
    assert NAMED_PROPOSER in page  # she chose to be named
    assert "Proposed by a member" in page  # the others did not
    assert f"/p/{world.public.pk}/" in page
    assert f"/proposals/{world.public.pk}/" not in page  # no way into the members' page
    assert not _leaks(page)


class _Meta(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        key = attrs.get("property") or attrs.get("name")
        if tag == "meta" and key and key.startswith(("og:", "twitter:")):
            self.tags[key] = attrs.get("content", "")


def _card(html: str) -> dict[str, str]:
    parser = _Meta()
    parser.feed(html)
    return parser.tags


def test_a_shared_link_shows_a_card_of_public_content_only():
    world = World()
    visitor = Client()
    card = _card(visitor.get(f"/p/{world.public.pk}/").content.decode())
    assert card["og:title"] == PUBLIC_TITLE
    assert card["og:description"] == PUBLIC_SUMMARY
    assert card["og:url"] == f"http://testserver/p/{world.public.pk}/"
    assert card["og:type"] == "article"
    assert card["twitter:card"] == "summary_large_image"
    home = _card(visitor.get("/").content.decode())
    assert home["og:url"] == "http://testserver/" and home["og:type"] == "website"
    # The picture is the community's own, the same on every page, and really there.
    assert card["og:image"] == home["og:image"] == card["twitter:image"]
    assert card["og:image"].startswith("http://testserver/static/") and card["og:image:alt"]
    found = finders.find(card["og:image"].removeprefix("http://testserver/static/"))
    png = Path(found).read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])  # the IHDR chunk: as the tags say
    assert (str(width), str(height)) == (card["og:image:width"], card["og:image:height"])
    assert not _leaks(" ".join(chain(card.values(), home.values())))


def test_members_pages_carry_no_card_at_all():
    """A member's link to a private proposal, pasted somewhere, unfurls to nothing."""
    world = World()
    member = Client()
    member.force_login(world.teammate)
    for path in (
        f"/proposals/{world.private_proposal.pk}/",
        f"/proposals/{world.public.pk}/",
        f"/meetups/{world.private_meetup.pk}/",
        "/",
        "/proposals/",
    ):
        response = member.get(path)
        assert response.status_code == 200, path
        assert _card(response.content.decode()) == {}, path
