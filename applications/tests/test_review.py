"""The moderators' page: who may open it, and approve, decline (kind default wording, editable)
and "ask a question", each through the services, each email sent once."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from applications import services
from applications.models import Application, ApplicationMail, ApplicationStatus, MailKind
from members.tests.factories import UserFactory
from workers.models import DeliveryStatus

from .backends import DownAtFirst
from .factories import make_application, waiting_application

pytestmark = pytest.mark.django_db

REVIEW = reverse("applications:review")


@pytest.fixture
def as_moderator(client, moderator):
    client.force_login(moderator)
    return client


def _actions(pk: int) -> list[tuple[str, str]]:
    return [
        ("get", REVIEW),
        ("get", reverse("applications:guidelines")),
        ("post", reverse("applications:guidelines")),
        ("post", reverse("applications:approve", args=[pk])),
        ("post", reverse("applications:decline", args=[pk])),
        ("post", reverse("applications:ask", args=[pk])),
        ("post", reverse("applications:reinvite", args=[pk])),
    ]


def test_only_moderators_open_the_page_or_decide(client, published):
    application = waiting_application()
    form = {"text": "hello", "body_ja": "x", "body_en": "y"}

    for method, url in _actions(application.pk):
        response = getattr(client, method)(url, form if method == "post" else None)
        assert response.status_code == 302 and "login" in response["Location"], url

    client.force_login(UserFactory())
    for method, url in _actions(application.pk):
        response = getattr(client, method)(url, form if method == "post" else None)
        assert response.status_code == 403, url
        assert "hana@example.org" not in response.content.decode()

    application.refresh_from_db()
    assert application.status == ApplicationStatus.WAITING
    assert not ApplicationMail.objects.exclude(kind=MailKind.CONFIRM).exists()


def test_moderators_see_confirmed_applications_only(as_moderator, published):
    waiting_application(name="Confirmed Person", hopes="子ども食堂", found_us="Twitter")
    make_application(name="Not Confirmed Yet", email="later@example.org")

    page = as_moderator.get(REVIEW).content.decode()

    assert "Confirmed Person" in page and "子ども食堂" in page and "Twitter" in page
    assert "Not Confirmed Yet" not in page
    # Its decline form carries the kind default, ready to be edited.
    assert "We are not able to send you an invitation this time" in page


def test_applying_again_while_waiting_shows_one_card_that_keeps_the_questions(
    as_moderator, moderator, published
):
    first = waiting_application(name="Hana Yamada", hopes="最初の申し込み")
    services.application_ask(application=first, by=moderator, text="どの地域にお住まいですか")
    again = waiting_application(name="Hana Yamada", email="HANA@example.org", hopes="二回目です")
    other = waiting_application(name="Someone Else", email="someone@example.org")

    page = as_moderator.get(REVIEW).content.decode()

    # One card for the address: the newer one, with the question asked on the earlier one.
    assert page.count('id="application-') == 2
    assert f'id="application-{again.pk}"' in page and f'id="application-{other.pk}"' in page
    assert f'id="application-{first.pk}"' not in page
    assert "二回目です" in page and "最初の申し込み" not in page
    assert "どの地域にお住まいですか" in page
    assert "this newer application replaces the earlier one" in page
    assert "replaces the earlier one" not in page.split(f'id="application-{other.pk}"')[1]
    first.refresh_from_db()
    assert first.status == ApplicationStatus.REPLACED
    # Deciding on the newer one leaves nobody from that address waiting.
    services.application_decline(application=again, by=moderator, text="ごめんなさい")
    page = as_moderator.get(REVIEW).content.decode()
    assert "二回目です" not in page and "最初の申し込み" not in page


def test_the_moderation_page_links_to_the_applications(as_moderator):
    assert REVIEW in as_moderator.get(reverse("moderation:page")).content.decode()


def test_approving_sends_the_invitation_with_the_slack_link_and_records_who(
    as_moderator, moderator, committed, send_mails, settings
):
    settings.SLACK_INVITE_URL = "https://join.slack.com/t/community/shared_invite/abc"
    application = waiting_application()
    send_mails()

    with committed():
        response = as_moderator.post(reverse("applications:approve", args=[application.pk]))

    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    assert application.decided_by == moderator and application.decided_at
    [invitation] = send_mails()
    assert invitation.to == ["hana@example.org"]
    assert "/apply/join/" in invitation.body
    assert settings.SLACK_INVITE_URL in invitation.body
    assert "hana@example.org" in invitation.body  # the address the link is for


def test_without_a_slack_invitation_link_the_mail_has_none(moderator, committed, send_mails):
    application = waiting_application()
    send_mails()
    with committed():
        services.application_approve(application=application, by=moderator)

    [invitation] = send_mails()
    assert "slack" not in invitation.body.lower()


def test_a_second_decision_is_refused_and_sends_nothing(
    as_moderator, moderator, committed, send_mails
):
    application = waiting_application()
    send_mails()
    with committed():
        as_moderator.post(reverse("applications:approve", args=[application.pk]))
        response = as_moderator.post(
            reverse("applications:decline", args=[application.pk]), {"text": "no"}, follow=True
        )

    assert "already answered" in response.content.decode()
    assert len(send_mails()) == 1
    assert Application.objects.get().status == ApplicationStatus.APPROVED


def test_a_declined_applicant_gets_the_kind_text(as_moderator, committed, send_mails):
    application = waiting_application(call_name="Hana")
    send_mails()
    page = as_moderator.get(REVIEW).content.decode()
    default = (
        page.split(f'id="decline-{application.pk}"')[1].split(">", 1)[1].split("</textarea>")[0]
    )

    with committed():
        as_moderator.post(reverse("applications:decline", args=[application.pk]), {"text": default})

    [declined] = send_mails()
    assert "Dear Hana," in declined.body
    assert "This is no judgement of you" in declined.body
    assert "you are always welcome to ask again" in declined.body
    assert Application.objects.get().status == ApplicationStatus.DECLINED


def test_the_decline_words_can_be_edited_and_in_japanese(moderator, committed, send_mails):
    application = waiting_application(language="ja")
    send_mails()

    with committed():
        services.application_decline(
            application=application, by=moderator, text="はなさん、今回はごめんなさい。"
        )

    [declined] = send_mails()
    assert declined.body.startswith("はなさん、今回はごめんなさい。")


def test_a_decline_without_words_changes_nothing(as_moderator, published):
    application = waiting_application()
    response = as_moderator.post(
        reverse("applications:decline", args=[application.pk]), {"text": "  "}, follow=True
    )

    assert "Please fill this in." in response.content.decode()
    assert Application.objects.get().status == ApplicationStatus.WAITING


def test_a_question_goes_by_email_with_reply_to_the_community(
    as_moderator, committed, send_mails, settings
):
    settings.APPLICATIONS_REPLY_TO = "hello@community.example"
    application = waiting_application()
    send_mails()

    with committed():
        as_moderator.post(
            reverse("applications:ask", args=[application.pk]),
            {"text": "どのあたりにお住まいですか？"},
        )

    [question] = send_mails()
    assert "どのあたりにお住まいですか？" in question.body
    assert question.reply_to == ["hello@community.example"]
    application.refresh_from_db()
    assert application.status == ApplicationStatus.WAITING  # still waiting for a decision
    page = as_moderator.get(REVIEW).content.decode()
    assert "どのあたりにお住まいですか？" in page  # the question stays on the card
    assert ApplicationMail.objects.get(kind=MailKind.QUESTION).status == DeliveryStatus.SENT


def test_guidelines_are_edited_and_sanitised(as_moderator, client):
    response = as_moderator.post(
        reverse("applications:guidelines"),
        {"body_ja": "**やさしく**<script>alert(1)</script>", "body_en": "[x](javascript:alert(1))"},
    )
    assert response.status_code == 302

    client.logout()
    ja = client.get(reverse("applications:apply"), headers={"Accept-Language": "ja"})
    en = client.get(reverse("applications:apply"), headers={"Accept-Language": "en"})
    assert "<strong>やさしく</strong>" in ja.content.decode()
    assert "<script>alert" not in ja.content.decode()
    assert 'href="javascript:' not in en.content.decode()


def test_empty_guidelines_are_refused_and_the_old_ones_stay(as_moderator):
    response = as_moderator.post(
        reverse("applications:guidelines"), {"body_ja": "", "body_en": "x\x00"}
    )

    assert response.status_code == 200
    assert "Please fill this in." in response.content.decode()
    assert "Null characters are not allowed." in response.content.decode()


def test_an_address_that_already_has_an_account_is_flagged(as_moderator, published):
    UserFactory(email="Hana@example.org")
    waiting_application(email="hana@example.org")

    assert "This address already has an account" in as_moderator.get(REVIEW).content.decode()


def test_an_invitation_that_could_not_be_delivered_is_shown_with_a_new_link_to_send(
    as_moderator, moderator, committed, send_mails, settings
):
    application = waiting_application()
    send_mails()
    settings.EMAIL_BACKEND = "applications.tests.backends.DownAtFirst"
    settings.WORKERS_MAX_ATTEMPTS = 1
    DownAtFirst.failures_left = 1
    with committed():
        services.application_approve(application=application, by=moderator)
    assert send_mails() == []

    page = as_moderator.get(REVIEW).content.decode()

    assert "The email could not be delivered" in page
    assert reverse("applications:reinvite", args=[application.pk]) in page


def test_the_page_takes_as_many_queries_for_many_applications_as_for_one(
    as_moderator, moderator, django_assert_max_num_queries, published
):
    def make(number: int) -> None:
        application = waiting_application(email=f"a{number}@example.org", ip=f"192.0.2.{number}")
        services.application_ask(application=application, by=moderator, text="?")
        decided = waiting_application(email=f"d{number}@example.org", ip=f"198.51.100.{number}")
        services.application_approve(application=decided, by=moderator)

    make(0)
    with CaptureQueriesContext(connection) as one:
        as_moderator.get(REVIEW)
    for number in range(1, 6):
        make(number)
    with django_assert_max_num_queries(len(one)):
        page = as_moderator.get(REVIEW).content.decode()
    assert page.count('class="card"') == 6
