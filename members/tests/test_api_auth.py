"""Who may call the JSON API: a personal token (Bearer) or a logged-in browser session with CSRF."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from members.models import ApiToken
from members.services import api_token_authenticate, api_token_create, api_token_revoke
from members.tests.factories import UserFactory
from proposals.tests.factories import make_proposal

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _leave_no_language_behind():
    """A request may switch this thread's language; later tests expect the default."""
    yield
    translation.deactivate()


NEW_PROPOSAL = {"title": "読書会", "summary": "月1回、本を読んで話す会をひらきたい。"}


def _bearer(raw: str) -> dict:
    return {"Authorization": f"Bearer {raw}"}


def test_a_personal_token_identifies_the_member():
    user = UserFactory(display_name="はなこ")
    token, raw = api_token_create(user=user, name="script")

    response = Client().get("/api/v1/me", headers=_bearer(raw))

    assert response.status_code == 200
    data = response.json()
    assert (data["id"], data["public_name"], data["is_moderator"]) == (user.pk, "はなこ", False)
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_token_records_its_use_at_most_once_a_minute():
    user = UserFactory(interests=["食", "子ども"])
    token, raw = api_token_create(user=user, name="script")

    with CaptureQueriesContext(connection) as first:
        member = api_token_authenticate(raw)
    token.refresh_from_db()
    used = token.last_used_at
    with CaptureQueriesContext(connection) as again:
        assert api_token_authenticate(raw) == member
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=used - timedelta(seconds=61))
    with CaptureQueriesContext(connection) as later:
        api_token_authenticate(raw)
    token.refresh_from_db()

    assert (member.pk, member.interests, member.is_active) == (user.pk, ["食", "子ども"], True)
    assert (len(first), len(again), len(later)) == (2, 1, 2)  # the lookup, and the write
    assert used is not None and token.last_used_at > used


def test_a_moderator_sees_that_they_are_one():
    _token, raw = api_token_create(user=UserFactory(moderator=True), name="script")

    assert Client().get("/api/v1/me", headers=_bearer(raw)).json()["is_moderator"] is True


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        "Bearer inc_not-a-real-token",
        "Bearer not-even-our-prefix",
        "Basic dXNlcjpwYXNz",
        "Token inc_whatever",
        "Bearer " + "x" * 5000,
    ],
)
def test_without_a_valid_token_the_api_answers_401_json(authorization):
    headers = {"Authorization": authorization} if authorization is not None else {}

    for response in (
        Client().get("/api/v1/proposals", headers=headers),
        Client().post(
            "/api/v1/proposals", NEW_PROPOSAL, content_type="application/json", headers=headers
        ),
        Client().get("/api/v1/me", headers=headers),
    ):
        assert response.status_code == 401
        assert response.json()["message"]
        assert response.json()["details"] == {}


def test_a_revoked_token_no_longer_works():
    user = UserFactory()
    token, raw = api_token_create(user=user, name="old laptop")
    api_token_revoke(user=user, token_id=token.pk)

    assert Client().get("/api/v1/me", headers=_bearer(raw)).status_code == 401


def test_a_deactivated_members_token_no_longer_works():
    user = UserFactory()
    _token, raw = api_token_create(user=user, name="script")
    user.is_active = False
    user.save()

    assert Client().get("/api/v1/me", headers=_bearer(raw)).status_code == 401


def test_only_the_hash_of_a_token_is_stored():
    _token, raw = api_token_create(user=UserFactory(), name="script")

    assert not ApiToken.objects.filter(key_hash=raw).exists()
    assert ApiToken.objects.filter(key_hash=ApiToken.hash(raw)).exists()


def test_the_browser_session_can_read_the_api():
    client = Client()
    client.force_login(UserFactory(username="taro"))

    response = client.get("/api/v1/me")

    assert response.status_code == 200
    assert response.json()["username"] == "taro"


def test_a_session_write_needs_the_csrf_token():
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory())

    refused = client.post("/api/v1/proposals", NEW_PROPOSAL, content_type="application/json")

    assert refused.status_code == 403
    assert refused.json()["message"]
    csrf_token = "AbCdEfGhIjKlMnOpQrStUvWxYz012345"  # what the pages' csrftoken cookie holds
    client.cookies[settings.CSRF_COOKIE_NAME] = csrf_token
    accepted = client.post(
        "/api/v1/proposals",
        NEW_PROPOSAL,
        content_type="application/json",
        headers={"X-CSRFToken": csrf_token},
    )
    assert accepted.status_code == 201


def test_a_token_write_needs_no_csrf_token():
    _token, raw = api_token_create(user=UserFactory(), name="script")

    response = Client(enforce_csrf_checks=True).post(
        "/api/v1/proposals", NEW_PROPOSAL, content_type="application/json", headers=_bearer(raw)
    )

    assert response.status_code == 201


def test_anonymous_writes_get_401_not_a_csrf_error():
    response = Client(enforce_csrf_checks=True).post(
        "/api/v1/proposals", NEW_PROPOSAL, content_type="application/json"
    )

    assert response.status_code == 401


def test_messages_come_in_the_members_saved_language():
    proposal = make_proposal()
    _token, raw = api_token_create(user=UserFactory(preferred_language="ja"), name="script")

    response = Client().post(
        f"/api/v1/proposals/{proposal.pk}/transitions",
        {"to": "discussion"},
        content_type="application/json",
        headers=_bearer(raw),
    )

    assert response.status_code == 403
    assert (
        response.json()["message"] == "この提案の段階を動かせるのは、提案者とモデレーターだけです。"
    )


def test_without_a_saved_language_the_request_decides():
    _token, raw = api_token_create(user=UserFactory(), name="script")

    response = Client().post(
        "/api/v1/proposals",
        {"title": ""},
        content_type="application/json",
        headers={**_bearer(raw), "Accept-Language": "ja"},
    )

    assert response.json()["message"] == "いくつかの項目をもう一度見てみてください。"
