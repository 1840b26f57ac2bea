"""Member pages: the profile, settings, personal API tokens, sign-in pages."""

import pytest
from django.urls import reverse

from members.models import ApiToken, User
from members.services import api_token_authenticate, api_token_create
from members.tests.factories import UserFactory
from proposals.tests.factories import add_member, make_proposal

pytestmark = pytest.mark.django_db

SETTINGS = reverse("members:settings")


@pytest.fixture
def member():
    return UserFactory(
        display_name="さくら",
        bio="地域のNPOで働いています。",
        interests=["福祉", "子ども・教育"],
        skills="デザイン、写真",
        availability="週末に2時間くらい",
    )


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


def profile_data(**fields) -> dict:
    data = {
        "display_name": "さくら",
        "bio": "",
        "interests": "",
        "skills": "",
        "availability": "",
        "preferred_language": "",
    }
    data.update(fields)
    return data


def test_the_profile_shows_the_person_their_proposals_and_teams(client, member):
    own = make_proposal(proposer=member, title="絵本の読み聞かせ")
    joined = make_proposal(title="防災マップづくり")
    add_member(joined, user=member, role="designer")
    client.force_login(UserFactory())

    page = client.get(reverse("members:profile", args=[member.username])).content.decode()

    for text in (
        "さくら",
        "地域のNPOで働いています。",
        "福祉",
        "デザイン、写真",
        "週末に2時間くらい",
    ):
        assert text in page
    assert own.title in page and joined.title in page
    assert "Edit my profile" not in page


def test_unknown_or_inactive_members_are_not_found(member_client):
    UserFactory(username="gone", is_active=False)
    assert member_client.get(reverse("members:profile", args=["nobody"])).status_code == 404
    assert member_client.get(reverse("members:profile", args=["gone"])).status_code == 404


def test_settings_is_not_mistaken_for_a_username(member_client):
    response = member_client.get(SETTINGS)
    assert response.status_code == 200
    assert 'name="display_name"' in response.content.decode()


def test_member_pages_need_a_login(client, member):
    for url in (SETTINGS, reverse("members:profile", args=[member.username])):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))


def test_saving_the_profile(member_client, member):
    response = member_client.post(
        SETTINGS,
        profile_data(
            display_name=" はる ",
            bio="はじめまして",
            interests="環境, 防災、 環境",
            skills="料理",
            availability="平日夜",
        ),
    )

    assert response.status_code == 302
    member.refresh_from_db()
    assert member.display_name == "はる"
    assert member.interests == ["環境", "防災"]
    assert (member.skills, member.availability) == ("料理", "平日夜")
    assert "Your settings are saved" in member_client.get(SETTINGS).content.decode()


def test_choosing_a_language_takes_effect_at_once(member_client, member):
    response = member_client.post(SETTINGS, profile_data(preferred_language="en"))

    member.refresh_from_db()
    assert member.preferred_language == "en"
    assert response.cookies["django_language"].value == "en"


@pytest.mark.parametrize(
    "fields",
    [
        {"display_name": "n" * 81},
        {"preferred_language": "xx"},
        {"availability": "a" * 201},
        {"interests": ", ".join(f"t{i}" for i in range(20))},
    ],
)
def test_bad_settings_are_explained_and_not_saved(member_client, member, fields):
    response = member_client.post(SETTINGS, profile_data(**fields))

    assert response.status_code == 400
    assert "errorlist" in response.content.decode()
    member.refresh_from_db()
    assert member.display_name == "さくら"
    assert member.preferred_language == ""


def test_a_token_is_shown_once_and_works(member_client, member):
    response = member_client.post(reverse("members:token_create"), {"name": "my script"})

    raw = response.context["new_token"]
    page = response.content.decode()
    assert raw.startswith("inc_") and raw in page
    assert "will not be shown again" in page
    assert "no-store" in response.headers.get(
        "Cache-Control", ""
    ) or "max-age=0" in response.headers.get("Cache-Control", "")
    assert api_token_authenticate(raw) == member

    later = member_client.get(SETTINGS).content.decode()
    assert "my script" in later and raw not in later


def test_revoking_a_token(member_client, member):
    token, raw = api_token_create(user=member, name="old")

    response = member_client.post(reverse("members:token_revoke", args=[token.pk]))

    assert response.status_code == 302
    assert not ApiToken.objects.exists()
    assert api_token_authenticate(raw) is None


def test_nobody_can_revoke_another_members_token(member_client):
    token, _raw = api_token_create(user=UserFactory(), name="theirs")

    member_client.post(reverse("members:token_revoke", args=[token.pk]))

    assert ApiToken.objects.filter(pk=token.pk).exists()


def test_an_over_long_token_name_is_refused(member_client):
    response = member_client.post(reverse("members:token_create"), {"name": "n" * 81})

    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_login_page_uses_our_layout_and_logs_in(client):
    UserFactory(username="hana")
    page = client.get(reverse("account_login")).content.decode()
    assert 'class="site-header"' in page and "Welcome back" in page

    response = client.post(reverse("account_login"), {"login": "hana", "password": "pass-word-123"})

    assert response.status_code == 302
    assert client.get(reverse("proposals:list")).status_code == 200


def test_a_wrong_password_is_explained(client):
    UserFactory(username="hana")
    response = client.post(reverse("account_login"), {"login": "hana", "password": "nope"})
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()


def test_invite_only_sign_up_is_explained_kindly(client, settings):
    settings.INVITE_ONLY = True
    settings.INVITE_CODES = ["hello-2026"]

    page = client.get(reverse("account_signup")).content.decode()
    assert "Sign-up is by invitation" in page
    assert 'class="site-header"' in page

    page = client.get(reverse("account_signup") + "?invite=hello-2026").content.decode()
    assert 'name="username"' in page


def test_open_sign_up_creates_a_member(client, settings):
    settings.INVITE_ONLY = False
    response = client.post(
        reverse("account_signup"),
        {
            "email": "new@example.org",
            "username": "newbie",
            "password1": "a-long-pass-phrase-1",
            "password2": "a-long-pass-phrase-1",
        },
    )
    assert response.status_code == 302
    assert User.objects.filter(username="newbie").exists()


def test_password_reset_page_renders(client):
    page = client.get(reverse("account_reset_password")).content.decode()
    assert 'class="site-header"' in page and 'name="email"' in page


def test_logging_out(member_client):
    page = member_client.get(reverse("account_logout")).content.decode()
    assert "Log out now?" in page and 'class="site-header"' in page

    member_client.post(reverse("account_logout"))

    assert member_client.get(SETTINGS).status_code == 302
