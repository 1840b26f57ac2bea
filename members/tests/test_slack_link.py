"""Linking a Slack account by the signed link the slash command sends to that Slack user, and
disconnecting it from settings. A Slack id is never typed in."""

import time

import pytest
from allauth.socialaccount.models import SocialAccount
from django.core import signing
from django.core.exceptions import ValidationError
from django.urls import reverse

from members import selectors, services
from members.models import User
from members.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TEAM = "T0COMMUNITY"  # settings.SLACK_TEAM_ID in the test settings
SETTINGS = reverse("members:settings")
TAKEN = "This Slack account is already linked to another member."


def link_url(slack_user_id: str = "U0AIKO", team: str = TEAM) -> str:
    return services.slack_link_path(team_id=team, slack_user_id=slack_user_id)


@pytest.fixture
def member(client):
    member = UserFactory(display_name="あいこ", slack_user_id="")
    client.force_login(member)
    return member


def test_opening_the_link_asks_first_and_changes_nothing(client, member):
    page = client.get(link_url())

    assert page.status_code == 200
    html = page.content.decode()
    assert "U0AIKO" in html and "あいこ" in html
    assert "Connect this Slack account" in html
    # A link someone else sent would tie their Slack account to this one: the page says so.
    assert "If someone sent you this link, close this page" in html
    member.refresh_from_db()
    assert member.slack_user_id == ""


def test_confirming_links_the_slack_account(client, member):
    response = client.post(link_url())

    assert response.status_code == 302
    assert response.url == SETTINGS + "#slack"
    member.refresh_from_db()
    assert member.slack_user_id == "U0AIKO"
    page = client.get(SETTINGS).content.decode()
    assert "Your Slack account is connected." in page
    assert "Connected to Slack as U0AIKO" in page and "Disconnect Slack" in page


def test_a_slack_account_another_member_holds_is_refused_and_nothing_is_lost(client, member):
    holder = UserFactory(slack_user_id="U0AIKO")
    member.slack_user_id = "U0MINE"
    member.save()

    for response in (client.get(link_url()), client.post(link_url())):
        assert response.status_code == 400
        assert TAKEN in response.content.decode()

    member.refresh_from_db()
    holder.refresh_from_db()
    assert (member.slack_user_id, holder.slack_user_id) == ("U0MINE", "U0AIKO")


def test_a_race_lost_to_the_unique_constraint_reads_the_same(member, monkeypatch):
    """Another member got the id after the check: the database refuses, the member hears why."""
    UserFactory(slack_user_id="U0AIKO")
    # As a concurrent request would: the friendly check saw nobody holding the id.
    monkeypatch.setattr(selectors, "slack_account_holder", lambda **kwargs: None)

    with pytest.raises(ValidationError) as error:
        services.slack_link(user=member, slack_user_id="U0AIKO")

    assert error.value.message_dict == {"slack_user_id": [TAKEN]}
    member.refresh_from_db()
    assert member.slack_user_id == ""


@pytest.mark.parametrize(
    ("make_url", "message"),
    [
        (lambda: reverse("members:slack_connect", args=["not-a-token"]), "This link is not valid"),
        (lambda: link_url()[:-8] + "tampered/", "This link is not valid"),
        (lambda: link_url(team="T0OTHER"), "That Slack workspace isn&#x27;t our community&#x27;s."),
    ],
)
def test_a_bad_link_is_explained(client, member, make_url, message):
    for response in (client.get(make_url()), client.post(make_url())):
        assert response.status_code == 400
        assert message in response.content.decode()
    member.refresh_from_db()
    assert member.slack_user_id == ""


def test_an_old_link_has_expired(client, member, monkeypatch):
    url = link_url()
    later = time.time() + services.SLACK_LINK_MAX_AGE + 60
    monkeypatch.setattr(signing.time, "time", lambda: later)

    response = client.post(url)

    assert response.status_code == 400
    assert (
        "This link has expired. Type /yattemitai link in Slack again" in response.content.decode()
    )
    member.refresh_from_db()
    assert member.slack_user_id == ""


def test_the_link_needs_a_signed_in_member(client):
    url = link_url()
    response = client.post(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert not User.objects.filter(slack_user_id="U0AIKO").exists()


def test_the_settings_page_has_no_slack_id_to_type(client, member, settings):
    settings.SLACK_CLIENT_ID = ""
    page = client.get(SETTINGS).content.decode()

    assert 'name="slack_user_id"' not in page
    assert "Type <code>/yattemitai link</code> in Slack" in page
    assert "Connect with Slack" not in page


def test_over_socket_mode_the_settings_page_still_says_how_to_connect(client, member, settings):
    """Socket Mode needs no signing secret (the README says so): the slash command still works,
    so the settings page still tells a member how to connect their Slack account."""
    settings.SLACK_CLIENT_ID = ""
    settings.SLACK_SIGNING_SECRET = ""
    settings.SLACK_APP_TOKEN = "xapp-1-A0-1-x"
    page = client.get(SETTINGS).content.decode()

    assert "Type <code>/yattemitai link</code> in Slack" in page


def test_a_typed_slack_id_is_ignored(client, member):
    client.post(SETTINGS, {"display_name": "あいこ", "slack_user_id": "U0SOMEONE"})

    member.refresh_from_db()
    assert member.slack_user_id == ""


def test_disconnecting_slack(client, member):
    member.slack_user_id = "U0AIKO"
    member.save()
    SocialAccount.objects.create(user=member, provider="slack", uid="U0AIKO")

    response = client.post(reverse("members:slack_disconnect"))

    assert response.status_code == 302
    member.refresh_from_db()
    assert member.slack_user_id == ""
    assert not SocialAccount.objects.filter(user=member).exists()
    assert "Slack is disconnected." in client.get(SETTINGS).content.decode()


def test_slack_stays_when_it_is_the_only_way_to_sign_in(client, member):
    member.slack_user_id = "U0AIKO"
    member.set_unusable_password()
    member.save()
    SocialAccount.objects.create(user=member, provider="slack", uid="U0AIKO")
    client.force_login(member)

    client.post(reverse("members:slack_disconnect"))

    member.refresh_from_db()
    assert member.slack_user_id == "U0AIKO"
    page = client.get(SETTINGS).content.decode()
    assert "stays connected until you set a password" in page


def test_the_settings_page_offers_sign_in_with_slack_when_it_is_set_up(client, member, settings):
    settings.SLACK_CLIENT_ID = "client-id"
    page = client.get(SETTINGS).content.decode()

    assert "Connect with Slack" in page
    assert "Or type <code>/yattemitai link</code> in Slack" in page


def test_staff_can_disconnect_a_members_slack_in_the_admin(client):
    member = UserFactory(slack_user_id="U0AIKO")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    client.post(
        reverse("admin:members_user_changelist"),
        {"action": "disconnect_slack", "_selected_action": [str(member.pk)]},
    )

    member.refresh_from_db()
    assert member.slack_user_id == ""
