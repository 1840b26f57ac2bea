"""The sign-in pages (django-allauth's) tell the truth about sign-up and speak the community's way,
in Japanese and English, inside the site's own layout."""

import pytest
from django.core import mail
from django.urls import reverse

from members.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("account_login")
SIGNUP = reverse("account_signup")


def _page(client, url, language="en") -> str:
    response = client.get(url, headers={"Accept-Language": language})
    assert response.status_code == 200, url
    return response.content.decode()


def test_login_links_sign_up_when_it_is_open(client, settings):
    settings.INVITE_ONLY = False

    page = _page(client, LOGIN)

    assert f'href="{SIGNUP}"' in page and "Create an account" in page
    assert "invitation" not in page
    assert "アカウントをつくる" in _page(client, LOGIN, "ja")


def test_login_speaks_of_invitations_only_when_sign_up_needs_one(client, settings):
    settings.INVITE_ONLY = True
    settings.INVITE_CODES = ["hello-2026"]

    page = _page(client, LOGIN)

    assert "The community grows through invitations" in page
    assert f'href="{SIGNUP}"' not in page
    assert "招待" in _page(client, LOGIN, "ja")


@pytest.mark.parametrize(
    ("name", "english", "japanese"),
    [
        ("account_login", "Welcome back", "おかえりなさい"),
        ("account_signup", "Join the community", "コミュニティに参加する"),
        ("account_reset_password", "Forgot your password?", "パスワードを忘れたときは"),
        ("account_reset_password_done", "Please check your email", "メールをご確認ください"),
    ],
)
def test_entrance_pages_in_both_languages_and_our_layout(client, name, english, japanese):
    page = _page(client, reverse(name))
    assert 'class="site-header"' in page and english in page
    assert japanese in _page(client, reverse(name), "ja")
    for stock in ("Sign Up", "Password Reset", "Signup", "Reset My Password"):
        assert stock not in page


@pytest.mark.parametrize(
    ("name", "english", "japanese"),
    [
        ("account_logout", "Log out now?", "ログアウトしますか"),
        ("account_change_password", "Change your password", "パスワードを変える"),
        ("account_email", "Email addresses", "メールアドレス"),
    ],
)
def test_account_pages_in_both_languages_and_our_layout(client, name, english, japanese):
    client.force_login(UserFactory())
    page = _page(client, reverse(name))
    assert 'class="site-header"' in page and english in page
    assert japanese in _page(client, reverse(name), "ja")
    assert "<script>" not in page  # allauth's own inline script would be blocked by the CSP


def test_fields_have_our_labels_and_no_placeholder(client):
    page = _page(client, SIGNUP)
    assert "The password once more" in page
    assert "placeholder=" not in page
    assert "パスワード（確認のためもう一度）" in _page(client, SIGNUP, "ja")


def test_the_welcome_uses_the_display_name(client):
    UserFactory(username="hana", display_name="はなこ")

    response = client.post(LOGIN, {"login": "hana", "password": "pass-word-123"}, follow=True)

    page = response.content.decode()
    assert "Welcome back, はなこ!" in page
    assert "hana." not in page and "Successfully signed in" not in page


def test_a_wrong_password_and_an_empty_field_are_explained_kindly(client):
    UserFactory(username="hana")

    wrong = client.post(LOGIN, {"login": "hana", "password": "nope"}).content.decode()
    empty = client.post(LOGIN, {"login": "", "password": ""}).content.decode()
    japanese = client.post(
        LOGIN, {"login": "hana", "password": "nope"}, headers={"Accept-Language": "ja"}
    ).content.decode()

    assert "That username and password don’t match" in wrong
    assert "Please fill this in." in empty and "This field is required" not in empty
    assert "組み合わせが合わないようです" in japanese


def test_a_taken_username_is_said_kindly(client, settings):
    settings.INVITE_ONLY = False
    UserFactory(username="hana")

    page = client.post(
        SIGNUP,
        {
            "email": "other@example.org",
            "username": "hana",
            "password1": "a-long-pass-phrase-1",
            "password2": "a-long-pass-phrase-1",
        },
    ).content.decode()

    assert "This username is already taken. How about another one?" in page


def test_a_password_reset_sends_a_link_and_the_link_page_is_ours(client):
    UserFactory(email="hana@example.org")

    response = client.post(reverse("account_reset_password"), {"email": "hana@example.org"})

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = next(word for word in mail.outbox[0].body.split() if "/password/reset/key/" in word)
    page = client.get(link.replace("http://testserver", ""), follow=True).content.decode()
    assert "Choose a new password" in page and 'class="site-header"' in page


def test_an_old_reset_link_says_so_kindly(client):
    page = _page(client, reverse("account_reset_password_from_key", args=["0", "x-y"]))
    assert "This link has expired" in page
    assert f'href="{reverse("account_reset_password")}"' in page


@pytest.fixture
def slack_sign_in(settings):
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "APPS": [
                {
                    "provider_id": "slack",
                    "name": "Slack",
                    "client_id": "client-id",
                    "secret": "client-secret",
                    "settings": {"server_url": "http://127.0.0.1:9"},
                }
            ]
        }
    }


def test_sign_in_with_slack_is_one_button_in_our_words(client, slack_sign_in):
    page = _page(client, LOGIN + "?next=/proposals/")

    assert 'action="/accounts/oidc/slack/login/?process=login&amp;next=%2Fproposals%2F"' in page
    assert "Continue with Slack" in page
    assert "third-party" not in page
    assert "Slackで続ける" in _page(client, LOGIN, "ja")
