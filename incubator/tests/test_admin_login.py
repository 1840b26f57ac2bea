"""The admin signs in through the site's own sign-in page, so its limits on failed attempts hold."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from members.tests.factories import UserFactory

ADMIN = reverse("admin:index")
ADMIN_LOGIN = reverse("admin:login")
pytestmark = pytest.mark.django_db

RIGHT_PASSWORD = "pass-word-123"  # the factories' password
TOO_MANY = "so let’s take a short break"  # members/adapters.py, in the site's own words


def sign_in_page_after(client, response) -> str:
    """Follows the redirects to the site's sign-in page; returns where it leads once signed in."""
    assert response.status_code == 302
    landing = client.get(response.url, follow=True)
    target = urlsplit(landing.redirect_chain[-1][0] if landing.redirect_chain else response.url)
    assert landing.status_code == 200
    assert target.path == reverse("account_login")
    return parse_qs(target.query)["next"][0]


def test_the_admin_sends_people_to_the_sites_sign_in_page(client):
    assert sign_in_page_after(client, client.get(ADMIN)) == ADMIN
    assert sign_in_page_after(client, client.get(f"{ADMIN_LOGIN}?next={ADMIN}")) == ADMIN


def test_the_admins_own_login_form_no_longer_checks_passwords(client):
    UserFactory(username="keeper", is_staff=True, is_superuser=True)

    response = client.post(ADMIN_LOGIN, {"username": "keeper", "password": RIGHT_PASSWORD})

    sign_in_page_after(client, response)
    assert client.get(ADMIN).status_code == 302  # still signed out


def test_staff_sign_in_on_the_sites_page_and_land_in_the_admin(client):
    UserFactory(username="keeper", is_staff=True, is_superuser=True)
    sign_in = sign_in_page_after(client, client.get(ADMIN))

    response = client.post(
        reverse("account_login"), {"login": "keeper", "password": RIGHT_PASSWORD, "next": sign_in}
    )

    assert response.status_code == 302 and response.url == ADMIN
    assert client.get(ADMIN).status_code == 200


def test_repeated_failed_admin_sign_ins_are_refused_even_with_the_right_password(client):
    UserFactory(username="keeper", is_staff=True, is_superuser=True)
    guesses = [
        client.post(reverse("account_login"), {"login": "keeper", "password": f"guess-{n}"})
        for n in range(5)
    ]
    assert all(TOO_MANY not in guess.content.decode() for guess in guesses)

    response = client.post(
        reverse("account_login"), {"login": "keeper", "password": RIGHT_PASSWORD, "next": ADMIN}
    )

    assert response.status_code == 200
    assert TOO_MANY in response.content.decode()
    assert client.get(ADMIN).status_code == 302


def test_a_signed_in_member_who_is_not_staff_is_refused(client):
    client.force_login(UserFactory(username="hana"))

    assert client.get(ADMIN_LOGIN).status_code == 403
