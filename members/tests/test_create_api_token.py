"""`manage.py create_api_token USERNAME` prints a token that the API accepts."""

import io

import pytest
from django.core.management import CommandError, call_command

from members.management.commands import create_api_token
from members.models import ApiToken
from members.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _run(*args) -> str:
    out = io.StringIO()
    call_command("create_api_token", *args, stdout=out)
    return out.getvalue().strip()


def test_prints_a_token_the_api_accepts(client):
    user = UserFactory(username="hanako")

    raw = _run("hanako", "--name", "my script")

    assert raw.startswith(ApiToken.PREFIX)
    token = ApiToken.objects.get(user=user)
    assert token.name == "my script"
    assert token.key_hash != raw
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200
    assert response.json()["username"] == "hanako"


def test_each_run_makes_a_new_token():
    UserFactory(username="hanako")

    assert _run("hanako") != _run("hanako")
    assert ApiToken.objects.count() == 2


def test_unknown_user_is_a_clear_error_and_creates_nothing():
    with pytest.raises(CommandError, match="No member with the username “nobody”"):
        _run("nobody")
    assert not ApiToken.objects.exists()


def test_unknown_user_exits_non_zero_from_the_shell(capsys):
    with pytest.raises(SystemExit) as exit_info:
        create_api_token.Command().run_from_argv(["manage.py", "create_api_token", "nobody"])

    assert exit_info.value.code != 0
    assert "No member with the username" in capsys.readouterr().err
