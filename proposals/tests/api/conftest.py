import json

import pytest
from django.test import Client

from members.services import api_token_create
from members.tests.factories import UserFactory


class ApiClient:
    """Speaks to /api/v1 as one member, with their personal token (or as nobody)."""

    def __init__(self, user=None):
        self.user = user
        self.client = Client()
        self.headers = {}
        if user is not None:
            _token, raw = api_token_create(user=user, name="tests")
            self.headers["Authorization"] = f"Bearer {raw}"

    def request(self, method: str, path: str, data=None, *, raw: str | None = None, **headers):
        body = raw if raw is not None else ("" if data is None else json.dumps(data))
        return self.client.generic(
            method,
            f"/api/v1{path}",
            body,
            content_type="application/json",
            headers={**self.headers, **headers},
        )

    def get(self, path: str, **params):
        return self.client.get(f"/api/v1{path}", params, headers=self.headers)

    def post(self, path: str, data=None, **kwargs):
        return self.request("POST", path, data, **kwargs)

    def patch(self, path: str, data=None, **kwargs):
        return self.request("PATCH", path, data, **kwargs)


@pytest.fixture
def as_member():
    """as_member(user) -> an ApiClient for that member (a new member when no user is given)."""
    return lambda user=None: ApiClient(user or UserFactory())


@pytest.fixture
def anonymous():
    return ApiClient()
