"""Sign in with Slack against a local fake OpenID Connect provider (discovery, token, userinfo)."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest
from allauth.socialaccount.models import SocialAccount

from members.models import User
from members.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

OUR_TEAM = "T0COMMUNITY"


class FakeSlackOIDC:
    """Slack's OpenID Connect endpoints on 127.0.0.1; each code maps to the identity it yields."""

    def __init__(self):
        self.identities: dict[str, dict] = {}
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _json(self, payload: dict, status: int = 200):
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                if self.path == "/.well-known/openid-configuration":
                    base = fake.url
                    return self._json(
                        {
                            "issuer": base,
                            "authorization_endpoint": f"{base}/openid/connect/authorize",
                            "token_endpoint": f"{base}/api/openid.connect.token",
                            "userinfo_endpoint": f"{base}/api/openid.connect.userInfo",
                            "jwks_uri": f"{base}/openid/connect/keys",
                            "token_endpoint_auth_methods_supported": ["client_secret_post"],
                        }
                    )
                if self.path.startswith("/api/openid.connect.userInfo"):
                    token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                    identity = fake.identities.get(token.removeprefix("access-"))
                    if identity is None:
                        return self._json({"ok": False, "error": "invalid_auth"}, status=401)
                    return self._json({"ok": True, **identity})
                return self._json({"error": "not_found"}, status=404)

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                form = parse_qs(self.rfile.read(length).decode())
                if self.path.startswith("/api/openid.connect.token"):
                    code = form.get("code", [""])[0]
                    if code not in fake.identities:
                        return self._json({"error": "invalid_code"}, status=400)
                    return self._json(
                        {"ok": True, "access_token": f"access-{code}", "token_type": "Bearer"}
                    )
                return self._json({"error": "not_found"}, status=404)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def identity(self, code: str, *, team: str, user: str, email: str, name: str = "Aiko"):
        self.identities[code] = {
            "sub": user,
            "https://slack.com/user_id": user,
            "https://slack.com/team_id": team,
            "email": email,
            "email_verified": True,
            "name": name,
        }


def sign_in(client, code: str, *, process: str = "login"):
    start = client.post(f"/accounts/oidc/slack/login/?process={process}")
    assert start.status_code == 302
    authorize = urlparse(start["Location"])
    query = parse_qs(authorize.query)
    assert query["team"] == [OUR_TEAM]  # the workspace is pre-selected in Slack's UI
    return client.get(
        "/accounts/oidc/slack/login/callback/", {"code": code, "state": query["state"][0]}
    )


def test_a_member_of_our_workspace_signs_up_and_is_linked(client, slack_oidc):
    slack_oidc.identity("good", team=OUR_TEAM, user="U0AIKO", email="aiko@example.org")
    response = sign_in(client, "good")
    assert response.status_code == 302
    user = User.objects.get(email="aiko@example.org")
    assert user.slack_user_id == "U0AIKO"
    assert client.session["_auth_user_id"] == str(user.pk)


def test_an_existing_slack_login_logs_in(client, slack_oidc):
    slack_oidc.identity("good", team=OUR_TEAM, user="U0AIKO", email="aiko@example.org")
    sign_in(client, "good")
    client.logout()
    sign_in(client, "good")
    assert User.objects.count() == 1
    assert client.session["_auth_user_id"] == str(User.objects.get().pk)


def test_another_workspace_is_refused(client, slack_oidc):
    slack_oidc.identity("foreign", team="T0OTHER", user="U0EVE", email="eve@example.org")
    response = sign_in(client, "foreign")
    assert response.status_code == 302
    assert response["Location"].endswith("/accounts/login/")
    assert "_auth_user_id" not in client.session
    assert not User.objects.filter(email="eve@example.org").exists()
    assert not SocialAccount.objects.exists()


def test_an_existing_member_connects_slack_from_settings(client, slack_oidc):
    member = UserFactory(email="ken@example.org", slack_user_id="")
    client.force_login(member)
    slack_oidc.identity("ken", team=OUR_TEAM, user="U0KEN", email="ken@example.org")
    sign_in(client, "ken", process="connect")
    member.refresh_from_db()
    assert member.slack_user_id == "U0KEN"
    assert SocialAccount.objects.get(user=member).uid == "U0KEN"


def test_invite_only_still_holds_for_slack(client, slack_oidc, settings):
    settings.INVITE_ONLY = True
    slack_oidc.identity("new", team=OUR_TEAM, user="U0NEW", email="new@example.org")
    sign_in(client, "new")
    assert not User.objects.filter(email="new@example.org").exists()
    assert "_auth_user_id" not in client.session


TAKEN = "This Slack account is already linked to another member."
TAKEN_AT_SIGN_UP = "This Slack account is already linked to a member."


def test_signing_up_with_a_slack_account_another_member_holds_is_refused(client, slack_oidc):
    holder = UserFactory(slack_user_id="U0AIKO")
    slack_oidc.identity("good", team=OUR_TEAM, user="U0AIKO", email="aiko@example.org")

    response = sign_in(client, "good")

    assert response.status_code == 302
    assert response["Location"].endswith("/accounts/login/")
    assert TAKEN_AT_SIGN_UP in client.get(response["Location"]).content.decode()
    assert "_auth_user_id" not in client.session
    assert list(User.objects.all()) == [holder]
    assert not SocialAccount.objects.exists()


def test_connecting_a_slack_account_another_member_holds_is_refused(client, slack_oidc):
    holder = UserFactory(slack_user_id="U0KEN")
    member = UserFactory(email="ken@example.org", slack_user_id="U0MINE")
    client.force_login(member)
    slack_oidc.identity("ken", team=OUR_TEAM, user="U0KEN", email="ken@example.org")

    response = sign_in(client, "ken", process="connect")

    assert response.status_code == 302
    assert TAKEN in client.get(response["Location"]).content.decode()
    member.refresh_from_db()
    holder.refresh_from_db()
    assert (member.slack_user_id, holder.slack_user_id) == ("U0MINE", "U0KEN")
    assert not SocialAccount.objects.exists()


def test_signing_in_still_works_when_someone_else_holds_the_id_meanwhile(client, slack_oidc):
    slack_oidc.identity("good", team=OUR_TEAM, user="U0AIKO", email="aiko@example.org")
    sign_in(client, "good")
    client.logout()
    aiko = User.objects.get(email="aiko@example.org")
    User.objects.filter(pk=aiko.pk).update(slack_user_id="")
    other = UserFactory(slack_user_id="U0AIKO")

    response = sign_in(client, "good")

    assert client.session["_auth_user_id"] == str(aiko.pk)
    assert TAKEN in client.get(response["Location"], follow=True).content.decode()
    aiko.refresh_from_db()
    other.refresh_from_db()
    assert (aiko.slack_user_id, other.slack_user_id) == ("", "U0AIKO")


def test_a_sign_up_finished_after_the_id_was_taken_makes_no_account(client, slack_oidc):
    """Slack's e-mail is already a member's, so allauth asks for a username first; meanwhile
    someone else links the Slack id. Finishing the form then makes nothing."""
    UserFactory(username="aiko", email="aiko@example.org")
    slack_oidc.identity("good", team=OUR_TEAM, user="U0AIKO", email="aiko@example.org")
    form = sign_in(client, "good")
    assert form.status_code == 302 and "signup" in form["Location"]
    holder = UserFactory(slack_user_id="U0AIKO")

    response = client.post(
        form["Location"], {"email": "aiko2@example.org", "username": "aiko2"}, follow=True
    )

    assert TAKEN_AT_SIGN_UP in response.content.decode()
    assert not User.objects.filter(username="aiko2").exists()
    assert not SocialAccount.objects.exists()
    holder.refresh_from_db()
    assert holder.slack_user_id == "U0AIKO"
