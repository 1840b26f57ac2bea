"""The invitation's single-use sign-up link: it opens sign-up for its own address only, once,
until it ends; the applicant becomes the member it records. Shared invite codes keep working."""

from datetime import timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.urls import reverse
from django.utils import timezone

from applications import services, tokens
from applications.models import Application
from members.models import User
from members.tests.factories import UserFactory

from .factories import waiting_application

pytestmark = pytest.mark.django_db

SIGNUP = reverse("account_signup")


@pytest.fixture(autouse=True)
def _invite_only(settings):
    settings.INVITE_ONLY = True
    settings.INVITE_CODES = ["sakura-2026"]


@pytest.fixture
def approved(moderator, published):
    application = waiting_application(email="hana@example.org")
    return services.application_approve(application=application, by=moderator)


def _link(application) -> str:
    return reverse("applications:join", args=[tokens.invite_token(application)])


def _sign_up(client, email: str, username: str = "hana"):
    return client.post(
        SIGNUP,
        {
            "email": email,
            "username": username,
            "password1": "a-long-pass-phrase-1",
            "password2": "a-long-pass-phrase-1",
        },
    )


def test_the_link_opens_sign_up_with_the_address_filled_in(client, approved):
    response = client.get(_link(approved))
    assert response.status_code == 302 and response["Location"] == SIGNUP

    page = client.get(SIGNUP).content.decode()
    field = page.split('name="email"')[1].split(">")[0]
    assert 'value="hana@example.org"' in field and "readonly" in field
    assert "Your invitation is for this address." in page
    assert "by invitation" not in page


def test_signing_up_with_the_link_makes_the_member_once(client, approved, moderator):
    client.get(_link(approved))
    response = _sign_up(client, "hana@example.org")

    assert response.status_code == 302
    member = User.objects.get(username="hana")
    approved.refresh_from_db()
    assert approved.member == member and approved.invite_used_at
    assert approved.decided_by == moderator
    # They confirmed the address when they applied: it counts as verified.
    assert EmailAddress.objects.get(user=member).verified

    client.logout()
    again = client.get(_link(approved))
    assert again.status_code == 410
    assert "already been used" in again.content.decode()
    assert "by invitation" in client.get(SIGNUP).content.decode()


def test_the_link_works_only_for_its_address(client, approved):
    client.get(_link(approved))
    response = _sign_up(client, "someone.else@example.org", username="other")

    assert response.status_code == 200
    assert "This invitation is for hana@example.org" in response.content.decode()
    assert not User.objects.filter(username="other").exists()
    approved.refresh_from_db()
    assert approved.invite_used_at is None and approved.member is None
    # The right address still works afterwards.
    assert _sign_up(client, "HANA@example.org").status_code == 302
    assert Application.objects.get().member.username == "hana"


def test_the_link_ends(client, approved, settings):
    later = timezone.now() + timedelta(days=settings.APPLICATIONS_INVITE_DAYS, hours=1)
    with time_machine.travel(later):
        response = client.get(_link(approved))
        assert response.status_code == 410
        assert "This invitation has ended" in response.content.decode()
        assert "by invitation" in client.get(SIGNUP).content.decode()


def test_a_link_that_ends_between_opening_and_signing_up_creates_nothing(
    client, approved, settings
):
    client.get(_link(approved))
    later = timezone.now() + timedelta(days=settings.APPLICATIONS_INVITE_DAYS, hours=1)
    with time_machine.travel(later):
        response = _sign_up(client, "hana@example.org")

    assert "by invitation" in response.content.decode()
    assert not User.objects.filter(username="hana").exists()


def test_a_tampered_or_foreign_link_opens_nothing(client, approved):
    token = tokens.invite_token(approved)
    assert client.get(reverse("applications:join", args=[token[:-3] + "abc"])).status_code == 400
    Application.objects.filter(pk=approved.pk).update(invite_nonce="another")
    assert client.get(reverse("applications:join", args=[token])).status_code == 400
    assert "by invitation" in client.get(SIGNUP).content.decode()


def test_one_link_used_in_another_tab_meanwhile_makes_no_second_account(client, approved):
    client.get(_link(approved))
    first = User.objects.create(username="first-tab", email="hana@example.org")
    assert services.application_invite_use(
        application_id=approved.pk, nonce=approved.invite_nonce, user=first
    )

    response = _sign_up(client, "hana@example.org")

    assert "by invitation" in response.content.decode()
    assert not User.objects.filter(username="hana").exists()
    # The use itself is a guarded update: a second use of the same invitation never passes.
    assert not services.application_invite_use(
        application_id=approved.pk, nonce=approved.invite_nonce, user=User.objects.create()
    )
    assert Application.objects.get().member == first


def test_shared_invite_codes_keep_working(client):
    assert "by invitation" in client.get(SIGNUP).content.decode()

    page = client.get(f"{SIGNUP}?invite=sakura-2026").content.decode()
    assert "by invitation" not in page
    response = _sign_up(client, "friend@example.org", username="friend")

    assert response.status_code == 302
    assert User.objects.filter(username="friend", email="friend@example.org").exists()


def test_a_wrong_invite_code_keeps_sign_up_closed(client):
    assert "by invitation" in client.get(f"{SIGNUP}?invite=guess").content.decode()


def test_a_moderator_sends_a_new_link_when_the_old_one_ended(client, approved, moderator, settings):
    old_link = _link(approved)
    later = timezone.now() + timedelta(days=settings.APPLICATIONS_INVITE_DAYS, hours=1)
    with time_machine.travel(later):
        client.force_login(moderator)
        response = client.post(reverse("applications:reinvite", args=[approved.pk]), follow=True)
        assert "A new sign-up link is on its way" in response.content.decode()
        client.logout()
        approved.refresh_from_db()

        assert client.get(old_link).status_code == 400  # the old link stops working
        assert client.get(_link(approved)).status_code == 302
        assert _sign_up(client, "hana@example.org").status_code == 302

    approved.refresh_from_db()
    assert approved.member.username == "hana"
    client.force_login(moderator)
    again = client.post(reverse("applications:reinvite", args=[approved.pk]), follow=True)
    assert "already signed up" in again.content.decode()


def test_an_opened_invitation_binds_only_sign_up_not_a_password_reset(client, approved):
    UserFactory(email="old.member@example.org")
    client.get(_link(approved))

    response = client.post(reverse("account_reset_password"), {"email": "old.member@example.org"})

    assert response.status_code == 302
    assert "This invitation is for" not in response.content.decode()
