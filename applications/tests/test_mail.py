"""The applicants' emails through their outbox: after commit only, once however often the task
runs, retried with backoff while the mail server is down, published again by the sweeper."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail as django_mail
from django.db import transaction
from django.utils import timezone

from applications import mail, outbox
from applications.models import Application, ApplicationMail
from workers import publish
from workers.models import DeliveryStatus
from workers.tasks import send_application_mail

from .backends import DownAtFirst
from .factories import make_application

pytestmark = pytest.mark.django_db(transaction=True)


def _published_mails(published) -> list[int]:
    return [call.args[0] for call in published if call.name == publish.SEND_APPLICATION_MAIL]


def test_the_email_is_published_after_commit_and_sent_once_however_often_the_task_runs(
    published,
):
    application = make_application()
    [mail_id] = _published_mails(published)

    assert send_application_mail.run(mail_id) == "sent"
    assert send_application_mail.run(mail_id) == "sent"
    assert mail.process(mail_id).result == "sent"

    assert [message.to for message in django_mail.outbox] == [[application.email]]
    row = ApplicationMail.objects.get()
    assert row.status == DeliveryStatus.SENT and row.attempts == 1 and row.message_id


def test_a_rolled_back_application_sends_nothing(published):
    with pytest.raises(RuntimeError), transaction.atomic():
        make_application()
        raise RuntimeError("the request failed after saving")

    assert _published_mails(published) == []
    assert not Application.objects.exists() and not ApplicationMail.objects.exists()


def test_a_mail_server_that_is_down_is_tried_again_with_backoff(published, settings):
    settings.EMAIL_BACKEND = "applications.tests.backends.DownAtFirst"
    DownAtFirst.failures_left = 2
    make_application()
    [mail_id] = _published_mails(published)

    first = mail.process(mail_id)
    assert first.result == "retry" and first.retry_in > 0
    row = ApplicationMail.objects.get()
    assert row.status == DeliveryStatus.PENDING and row.attempts == 1
    assert "down" in row.last_error and row.not_before > timezone.now()
    # Published again before it is due (a duplicate message): it waits for its turn.
    assert mail.process(mail_id).result == "busy"

    with time_machine.travel(row.not_before + timedelta(seconds=1)):
        assert mail.process(mail_id).result == "retry"
    row.refresh_from_db()
    with time_machine.travel(row.not_before + timedelta(seconds=1)):
        assert mail.process(mail_id).result == "sent"

    assert len(django_mail.outbox) == 1
    assert ApplicationMail.objects.get().attempts == 3


def test_after_the_last_attempt_it_fails_for_good(published, settings):
    settings.EMAIL_BACKEND = "applications.tests.backends.DownAtFirst"
    settings.WORKERS_MAX_ATTEMPTS = 1
    DownAtFirst.failures_left = 1
    make_application()
    [mail_id] = _published_mails(published)

    assert mail.process(mail_id).result == "failed"
    assert mail.process(mail_id).result == "failed"
    assert ApplicationMail.objects.get().status == DeliveryStatus.FAILED
    assert django_mail.outbox == []


def test_the_sweeper_publishes_again_what_never_reached_a_worker(published, settings):
    make_application()
    [mail_id] = _published_mails(published)
    published.clear()

    assert outbox.sweep() == []  # just written: the broker has it
    with time_machine.travel(
        timezone.now() + timedelta(seconds=settings.WORKERS_SWEEP_GRACE_SECONDS + 5)
    ):
        assert outbox.sweep() == [mail_id]
    assert _published_mails(published) == [mail_id]

    for published_id in [mail_id, *_published_mails(published)]:
        mail.process(published_id)
    assert len(django_mail.outbox) == 1


def test_a_worker_that_died_mid_send_leaves_it_to_the_next_run(published):
    make_application()
    [mail_id] = _published_mails(published)
    assert outbox.claim(mail_id) is not None  # this worker dies now, holding it

    assert mail.process(mail_id).result == "busy"  # its lease protects it
    row = ApplicationMail.objects.get()
    with time_machine.travel(row.lease_until + timedelta(seconds=1)):
        assert mail.process(mail_id).result == "sent"
    assert len(django_mail.outbox) == 1
