"""Webhooks through the real thing: changes committed by the services, tasks published to Redis at
commit, a Celery worker (in-process, threads) sending to the receiver on the loopback. No eager
mode."""

import os
import time

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.db import transaction

from incubator.celery_app import app as celery_app
from members.tests.factories import UserFactory
from proposals import services as proposal_services
from proposals.tests.factories import make_proposal
from webhooks.models import Endpoint, WebhookDelivery
from workers.events import Channel, EventKind
from workers.models import Delivery, DeliveryStatus

from .conftest import Answer

pytestmark = pytest.mark.django_db(transaction=True)

# The test session's Redis (the root conftest.py finds or starts one); database 8 is ours (the
# workers' tests use 5, the bench 7).
BROKER_URL = os.environ["REDIS_TEST_SERVER"] + "/8"


def _use_broker(url: str) -> None:
    celery_app.conf.broker_url = url
    celery_app.conf.broker_transport_options = {
        "visibility_timeout": 3600,
        "socket_connect_timeout": 1,
    }
    # Forget the app's pools so the next publish connects to `url`.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def worker(settings, receiver):
    redis.Redis.from_url(BROKER_URL).flushdb()
    previous = celery_app.conf.broker_url
    _use_broker(BROKER_URL)
    settings.WORKERS_BACKOFF_BASE_SECONDS = 0.4
    try:
        with start_worker(
            celery_app,
            pool="threads",
            concurrency=4,
            perform_ping_check=False,
            shutdown_timeout=20,
            loglevel="WARNING",
        ) as running:
            yield running
    finally:
        _use_broker(previous)


def _settled(timeout: float = 20) -> bool:
    """Every webhook delivery has reached a final state."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        waiting = WebhookDelivery.objects.filter(
            status__in=[DeliveryStatus.PENDING, DeliveryStatus.SENDING]
        )
        if not waiting.exists():
            return True
        time.sleep(0.1)
    return False


def test_a_committed_comment_reaches_the_receiver_signed(worker, endpoint_for, receiver):
    endpoint_for(events=[EventKind.COMMENTED])
    proposal = make_proposal(title="週末の清掃活動")

    proposal_services.comment_create(proposal=proposal, author=UserFactory(), body="行きます")

    assert receiver.wait_for(1)
    assert _settled()
    [request] = receiver.requests
    assert request.verified
    assert request.json["proposal"]["title"] == "週末の清掃活動"
    assert request.json["data"]["excerpt"] == "行きます"
    assert WebhookDelivery.objects.get().status == DeliveryStatus.SENT


def test_a_500_is_retried_with_backoff_and_delivered_once(worker, endpoint_for, receiver):
    endpoint_for(events=[EventKind.COMMENTED])
    receiver.answer(Answer(status=500, body="oops"))

    proposal_services.comment_create(proposal=make_proposal(), author=UserFactory(), body="x")

    assert receiver.wait_for(2)
    assert _settled()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 2)
    first, second = receiver.requests
    assert first.verified and second.verified
    assert first.headers["X-Incubator-Delivery"] == second.headers["X-Incubator-Delivery"]
    retry, sent = delivery.attempt_log.all()
    assert (retry.outcome, retry.http_status, sent.outcome) == ("retry", 500, "sent")
    # The second try waited for the backoff the first one set.
    assert retry.retry_at > retry.started_at
    assert sent.started_at >= retry.retry_at
    assert len(receiver.requests) == 2


def test_a_rolled_back_change_sends_nothing(worker, endpoint_for, receiver):
    endpoint_for(events=[EventKind.COMMENTED])
    proposal = make_proposal()
    with pytest.raises(RuntimeError), transaction.atomic():
        proposal_services.comment_create(proposal=proposal, author=UserFactory(), body="oops")
        raise RuntimeError("the request failed after the comment")
    proposal_services.comment_create(proposal=proposal, author=UserFactory(), body="committed")

    assert receiver.wait_for(1)
    assert _settled()
    assert [request.json["data"]["excerpt"] for request in receiver.requests] == ["committed"]
    assert WebhookDelivery.objects.count() == 1


def test_a_receiver_that_is_gone_is_turned_off_and_the_moderators_get_an_email(
    worker, endpoint_for, receiver, moderator, settings
):
    settings.WEBHOOKS_DISABLE_AFTER_FAILURES = 2
    endpoint = endpoint_for(events=[EventKind.COMMENTED], name="Old dashboard")
    receiver.answer(Answer(status=410), Answer(status=410))
    proposal = make_proposal()

    proposal_services.comment_create(proposal=proposal, author=UserFactory(), body="one")
    proposal_services.comment_create(proposal=proposal, author=UserFactory(), body="two")

    assert _settled()
    deadline = time.monotonic() + 20
    told = Delivery.objects.filter(
        event__kind=EventKind.WEBHOOK_DISABLED, channel=Channel.EMAIL, recipient=moderator
    )
    while time.monotonic() < deadline and not told.filter(status=DeliveryStatus.SENT).exists():
        time.sleep(0.1)
    assert told.get().status == DeliveryStatus.SENT
    assert not Endpoint.objects.get(pk=endpoint.pk).active
    [email] = [message for message in mail.outbox if moderator.email in message.to]
    assert "Old dashboard" in email.subject
    assert len(receiver.requests) == 2
