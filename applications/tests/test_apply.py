"""The public form: what a visitor sees, clear errors that save nothing, the honeypot, the
minimum fill time, the rate limits, and the address confirmation that reaches the moderators."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from applications import tokens
from applications.models import Application, ApplicationStatus, MailKind
from workers import selectors as worker_selectors
from workers.events import EventKind
from workers.models import Event

from .conftest import form_data, stamp
from .factories import make_application

pytestmark = pytest.mark.django_db

APPLY = reverse("applications:apply")


@pytest.fixture
def post(client, committed):
    def post(data, ip="192.0.2.10", language="en"):
        with committed():
            return client.post(APPLY, data, REMOTE_ADDR=ip, headers={"Accept-Language": language})

    return post


@pytest.mark.parametrize(
    ("language", "guidelines", "theme"),
    [
        ("ja", "心理的安全性を守ります。", "福祉"),
        ("en", "Psychological safety comes first.", "Welfare"),
    ],
)
def test_a_visitor_sees_the_form_the_guidelines_and_the_themes(client, language, guidelines, theme):
    response = client.get(APPLY, headers={"Accept-Language": language})

    assert response.status_code == 200
    page = response.content.decode()
    assert guidelines in page  # the community's kind default, in the reader's language
    assert f"{theme}</label>" in page
    # The honeypot is out of sight and out of the tab order.
    assert 'name="website"' in page and 'tabindex="-1"' in page


def test_an_application_is_saved_unconfirmed_and_the_link_goes_by_email(
    post, client, published, send_mails
):
    response = post(form_data())

    assert response.status_code == 302 and response["Location"] == reverse("applications:sent")
    application = Application.objects.get()
    assert application.status == ApplicationStatus.UNCONFIRMED
    assert application.interests == ["福祉", "防災"]
    assert application.call_name == "はなちゃん"
    [sent] = send_mails()
    assert sent.to == ["hana@example.org"]
    assert "/apply/confirm/" in sent.body and "Hello はなちゃん" in sent.body
    # Not confirmed: the moderators hear nothing yet.
    assert not Event.objects.filter(kind=EventKind.APPLICATION_RECEIVED).exists()


BAD_INPUT = [
    ({"name": ""}, "name", "Please fill this in."),
    ({"email": "hana-at-example"}, "email", "Please check the email address"),
    ({"call_name": None}, "call_name", "Please fill this in."),
    ({"interests": []}, "interests", "Please choose at least one theme."),
    ({"interests": ["存在しないテーマ"]}, "interests", "Please choose one of the options."),
    ({"agree": None}, "agree", "tick the box to agree"),
    ({"name": "花\x00子"}, "name", "Null characters are not allowed."),
    ({"hopes": "あ" * 200_000}, "hopes", "Please keep this to 2000 characters or fewer"),
    ({"name": "x" * 50_000}, "name", "Please keep this to 100 characters or fewer"),
    ({"found_us": "\x00" * 10}, "found_us", "Null characters are not allowed."),
]


@pytest.mark.parametrize(("changes", "field", "message"), BAD_INPUT)
def test_bad_input_gets_a_clear_error_and_saves_nothing(
    post, client, published, changes, field, message
):
    response = post(form_data(**changes))

    assert response.status_code == 200
    page = response.content.decode()
    assert f'id="id_{field}_error"' in page
    assert message in page
    assert "Nothing was sent yet" in page
    assert Application.objects.count() == 0
    assert published == []
    if field != "email":  # what they typed is still there
        assert "hana@example.org" in page


def test_the_honeypot_refuses_calmly_and_saves_nothing(post, client, published):
    response = post(form_data(website="http://spam.example"))

    assert response.status_code == 200
    assert "Leave this empty" in response.content.decode()
    assert "We could not take this form" in response.content.decode()
    assert Application.objects.count() == 0 and published == []


@pytest.mark.parametrize("started", ["just now", "", "forged:stamp"])
def test_a_form_sent_too_fast_or_without_its_start_is_refused_calmly(
    post, client, published, started
):
    too_fast = started == "just now"
    response = post(form_data(started=stamp(seconds_ago=0) if too_fast else started))

    assert response.status_code == 200
    page = response.content.decode()
    assert ("quicker than we expected" if too_fast else "did not come from our page") in page
    assert Application.objects.count() == 0 and published == []
    # A new start time comes with the page, so the next try (a moment later) is taken.
    assert 'name="started"' in page


def test_after_the_minimum_time_the_same_person_gets_through(post, client, settings, published):
    settings.APPLICATIONS_MIN_FILL_SECONDS = 5

    assert "quicker" in post(form_data(started=stamp(seconds_ago=2))).content.decode()
    assert post(form_data(started=stamp(seconds_ago=6))).status_code == 302
    assert Application.objects.count() == 1


def test_the_rate_limit_per_address_holds_whatever_the_ip(post, client, settings, published):
    settings.APPLICATIONS_PER_ADDRESS = 2

    for number in range(2):
        assert post(form_data(), ip=f"192.0.2.{number}").status_code == 302
    response = post(form_data(email="HANA@example.org"), ip="198.51.100.7")

    assert response.status_code == 429
    assert "quite a few applications from here" in response.content.decode()
    assert Application.objects.count() == 2


def test_the_rate_limit_per_ip_holds_whatever_the_address(post, client, settings, published):
    settings.APPLICATIONS_PER_IP = 2

    for number in range(2):
        assert post(form_data(email=f"p{number}@example.org")).status_code == 302
    response = post(form_data(email="p9@example.org"))

    assert response.status_code == 429
    assert Application.objects.count() == 2
    # Another address from another place is still welcome.
    assert post(form_data(email="q@example.org"), ip="203.0.113.5").status_code == 302


def test_japanese_errors_and_refusals(post, client, published):
    page = post(form_data(name=""), language="ja").content.decode()
    assert 'id="id_name_error"' in page
    assert Application.objects.count() == 0


# --- confirming the address -------------------------------------------------------------------


def _confirm_url(application) -> str:
    return reverse("applications:confirm", args=[tokens.confirm_token(application)])


def test_confirming_asks_first_and_then_tells_the_moderators_once(client, moderator, published):
    application = make_application()
    url = _confirm_url(application)

    page = client.get(url).content.decode()
    application.refresh_from_db()
    assert "Confirm my address" in page and application.status == ApplicationStatus.UNCONFIRMED

    assert "your address is confirmed" in client.post(url).content.decode()
    client.post(url)  # pressed twice

    application.refresh_from_db()
    assert application.status == ApplicationStatus.WAITING and application.confirmed_at
    [item] = worker_selectors.notification_page(user=moderator).groups[0].items
    assert item.text == "Hana would like to join the community."
    assert item.url == f"/apply/review/#application-{application.pk}"
    assert Event.objects.filter(kind=EventKind.APPLICATION_RECEIVED).count() == 1


def test_a_confirmation_link_ends(client, settings, published):
    settings.APPLICATIONS_CONFIRM_HOURS = 1
    application = make_application()
    url = _confirm_url(application)

    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        page = client.post(url).content.decode()

    assert "This confirmation link has ended" in page
    application.refresh_from_db()
    assert application.status == ApplicationStatus.UNCONFIRMED


def test_a_broken_confirmation_link_is_explained(client, published):
    application = make_application()
    page = client.post(_confirm_url(application)[:-6] + "xx/").content.decode()

    assert "copy the whole link" in page
    assert Application.objects.get().status == ApplicationStatus.UNCONFIRMED
    assert application.mails.get().kind == MailKind.CONFIRM


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/apply/confirm/%00/"),
        ("get", "/apply/join/%00/"),
        ("get", "/apply/join/" + "a" * 5000 + "/"),
        ("post", "/apply/confirm/" + "a:b" * 2000 + "/"),
    ],
)
def test_odd_links_are_explained_never_an_error_page(client, method, path):
    response = getattr(client, method)(path)

    assert response.status_code in (200, 400)
    assert "copy the whole link" in response.content.decode()


def test_odd_values_in_every_field_get_clear_errors(post, published):
    response = post(
        form_data(interests=["\x00", "福祉"], started="\x00", website="", email="a\x00@example.org")
    )

    assert response.status_code == 200
    assert Application.objects.count() == 0 and published == []
