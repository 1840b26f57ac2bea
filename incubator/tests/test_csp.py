"""Content-Security-Policy: scripts and styles come only from our own static files, so text a member
wrote can never run as script in another member's browser."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from members.tests.factories import UserFactory

from .test_settings import settings_from_environment

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# Mail is read in a mail client, which never sees the header.
SERVED_TEMPLATES = sorted(
    path for path in TEMPLATES.rglob("*.html") if TEMPLATES / "email" not in path.parents
)


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {
        name: values
        for name, *values in (directive.split() for directive in header.split(";") if directive)
    }


def nonce(response) -> str:
    (value,) = [source for source in policy(response)["script-src"] if source.startswith("'nonce-")]
    return value.removeprefix("'nonce-").removesuffix("'")


@pytest.mark.parametrize("signed_in", [False, True], ids=["visitor", "member"])
def test_pages_carry_a_strict_policy(client, signed_in):
    if signed_in:
        client.force_login(UserFactory())
    response = client.get(reverse("proposals:board") if signed_in else reverse("account_login"))
    directives = policy(response)

    assert response.status_code == 200
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"][0] == "'self'"
    assert directives["style-src"] == ["'self'"]
    assert directives["img-src"] == ["'self'", "data:"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]
    header = response["Content-Security-Policy"]
    assert "'unsafe-inline'" not in header and "'unsafe-eval'" not in header


def test_every_page_gets_its_own_nonce_and_its_scripts_carry_it(client):
    first, second = client.get(reverse("account_login")), client.get(reverse("account_login"))

    assert nonce(first) != nonce(second)
    for response in (first, second):
        scripts = re.findall(r"<script\b[^>]*>", response.content.decode())
        assert scripts
        assert all(f'nonce="{nonce(response)}"' in script for script in scripts), scripts


def test_signing_in_with_slack_may_leave_for_slack(monkeypatch):
    """form-action also governs the redirect after a form: Slack's sign-in starts with a POST."""
    without = settings_from_environment(monkeypatch)
    with_slack = settings_from_environment(
        monkeypatch, SLACK_CLIENT_ID="1234.5678", SLACK_OIDC_URL="https://slack.example/"
    )

    assert without["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["form-action"] == ["'self'"]
    assert with_slack["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["form-action"] == [
        "'self'",
        "https://slack.example",
    ]


@pytest.mark.parametrize(
    "path", SERVED_TEMPLATES, ids=lambda path: str(path.relative_to(TEMPLATES))
)
def test_templates_hold_no_inline_script_style_or_event_handler(path):
    text = path.read_text()
    inline_scripts = [
        tag
        for tag in re.findall(r"<script\b[^>]*>", text)
        if "src=" not in tag and "csp_nonce" not in tag and 'type="application/json"' not in tag
    ]

    assert inline_scripts == []
    assert re.findall(r"<style\b(?![^>]*csp_nonce)[^>]*>", text) == []
    assert re.findall(r"\sstyle\s*=", text) == [], "a style attribute: use a class in app.css"
    assert re.findall(r"\son[a-z]+\s*=", text) == [], "an event handler: listen in static JS"
    assert "javascript:" not in text
