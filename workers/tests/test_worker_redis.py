"""A real Celery worker consuming from the real Redis (DB 5), delivering to the loopback fake Slack.

No eager mode: tasks are published to Redis at commit and executed by an in-process worker thread.
"""

import time
from datetime import timedelta

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.db import transaction

from incubator.celery_app import app as celery_app
from members.tests.factories import UserFactory
from proposals import services
from proposals.tests.factories import make_proposal
from workers import outbox
from workers.events import Channel, EventKind
from workers.models import ChannelState, Delivery, DeliveryStatus

from .conftest import REDIS_TEST_URL
from .fake_slack import Fault

pytestmark = pytest.mark.django_db(transaction=True)

UNREACHABLE_BROKER = "redis://127.0.0.1:1/5"


def _use_broker(url: str) -> None:
    celery_app.conf.broker_url = url
    celery_app.conf.broker_transport_options = {
        "visibility_timeout": 3600,
        "socket_connect_timeout": 1,
    }
    # Forget the app's pools so the next publish connects to `url` (kombu keeps one pool per URL).
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def redis_broker():
    redis.Redis.from_url(REDIS_TEST_URL).flushdb()
    _use_broker(REDIS_TEST_URL)
    yield
    _use_broker(REDIS_TEST_URL)


@pytest.fixture
def worker(redis_broker, fake_slack, settings):
    settings.REDIS_URL = REDIS_TEST_URL
    with start_worker(
        celery_app,
        pool="threads",
        concurrency=4,
        perform_ping_check=False,
        shutdown_timeout=20,
        loglevel="WARNING",
    ) as running:
        yield running


def _slack(kind: str | None = None):
    deliveries = Delivery.objects.filter(channel=Channel.SLACK).order_by("pk")
    return deliveries.filter(event__kind=kind) if kind else deliveries


def _settled(timeout: float = 20) -> bool:
    """Every Slack delivery has reached a final state."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _slack().filter(status__in=[DeliveryStatus.PENDING, DeliveryStatus.SENDING]):
            return True
        time.sleep(0.1)
    return False


def test_a_committed_change_reaches_slack_through_redis_and_the_worker(worker, fake_slack):
    proposal = make_proposal(title="週末の清掃活動")
    services.comment_create(proposal=proposal, author=UserFactory(), body="参加したいです")

    assert fake_slack.wait_for(lambda: len(fake_slack.messages) == 2)
    assert _settled()
    [root] = fake_slack.roots()
    assert root["blocks"][0]["text"]["text"] == "週末の清掃活動"
    assert len(fake_slack.replies(root["ts"])) == 1


def test_a_rolled_back_change_delivers_nothing(worker, fake_slack):
    proposal = make_proposal()
    assert fake_slack.wait_for(lambda: len(fake_slack.messages) == 1)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.comment_create(proposal=proposal, author=UserFactory(), body="oops")
        raise RuntimeError("the request failed after the comment")
    # A change committed after the rolled-back one reaches the thread: whatever the rolled-back
    # one could have sent would have been published before it, in the same thread's order.
    services.comment_create(proposal=proposal, author=UserFactory(), body="committed")

    assert fake_slack.wait_for(lambda: len(fake_slack.messages) == 2)
    assert _settled()
    [root] = fake_slack.roots()
    [reply] = fake_slack.replies(root["ts"])
    assert "committed" in str(reply["blocks"]) and "oops" not in str(fake_slack.messages)
    assert len(fake_slack.calls_to("chat.postMessage")) == 2
    assert [d.event.payload["excerpt"] for d in _slack(EventKind.COMMENTED)] == ["committed"]


def test_two_events_of_a_new_proposal_at_once_make_one_root_and_two_replies(
    worker, fake_slack, settings
):
    settings.SLACK_BOT_TOKEN = ""
    proposal = make_proposal()
    settings.SLACK_BOT_TOKEN = "xoxb-test"
    with transaction.atomic():
        moved = services.proposal_transition(
            proposal=proposal, to="discussion", by=proposal.proposer
        )
        services.comment_create(proposal=moved, author=UserFactory(), body="楽しみ")

    assert fake_slack.wait_for(lambda: len(fake_slack.messages) == 3)
    assert _settled()
    [root] = fake_slack.roots()
    replies = fake_slack.replies(root["ts"])
    assert len(replies) == 2
    fields = " ".join(f["text"] for b in root["blocks"] for f in b.get("fields", []))
    assert "Discussion" in fields
    card_text = str(root["blocks"])
    assert "1 comment" in card_text
    assert "1 comments" not in card_text


def test_a_rate_limited_post_waits_for_retry_after_then_posts_once(worker, fake_slack):
    fake_slack.fail("chat.postMessage", Fault(status=429, retry_after=3))
    make_proposal()

    assert fake_slack.wait_for(lambda: len(fake_slack.messages) == 1, timeout=15)
    assert _settled()
    refused, accepted = fake_slack.calls_to("chat.postMessage")
    assert (refused.status, accepted.status) == (429, 200)
    assert len(fake_slack.messages) == 1
    delivery = _slack(EventKind.SUBMITTED).get()
    # Waiting for Slack is no failure: no attempt counted.
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 0)
    # The channel paused for Retry-After (and a margin), and posted once the pause was over.
    lane = ChannelState.objects.get(key="C0MAIN")
    assert lane.paused_until >= delivery.created_at + timedelta(seconds=3)
    assert delivery.sent_at >= lane.paused_until


def test_a_permanent_error_is_one_call_then_failed_without_a_storm(worker, fake_slack):
    fake_slack.fail("chat.postMessage", Fault(error="channel_not_found"))
    make_proposal()

    assert _settled()
    assert len(fake_slack.calls) == 1
    delivery = _slack(EventKind.SUBMITTED).get()
    assert delivery.status == DeliveryStatus.FAILED
    assert "channel_not_found" in delivery.last_error


def test_redis_unreachable_at_commit_then_the_sweeper_delivers_exactly_once(
    redis_broker, fake_slack, settings
):
    settings.REDIS_URL = REDIS_TEST_URL
    settings.WORKERS_SWEEP_GRACE_SECONDS = 0
    _use_broker(UNREACHABLE_BROKER)
    proposal = make_proposal(title="ブローカーが止まっていても")
    assert proposal.pk  # the change itself commits
    delivery = _slack(EventKind.SUBMITTED).get()
    assert delivery.status == DeliveryStatus.PENDING

    _use_broker(REDIS_TEST_URL)
    with start_worker(
        celery_app, pool="threads", concurrency=2, perform_ping_check=False, loglevel="WARNING"
    ):
        # The sweeper wakes the channel's sender (it publishes no Slack delivery by itself).
        assert outbox.sweep() == []
        assert fake_slack.wait_for(lambda: len(fake_slack.messages) == 1)
        assert _settled()
        # Sweeping again finds nothing to do: sent is final.
        outbox.sweep()
        assert _settled()
    assert len(fake_slack.calls_to("chat.postMessage")) == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT


def test_an_invitation_reaches_the_invitee_s_dm_once_after_slack_asked_to_wait(
    worker, fake_slack, settings
):
    """The DM's task is published at commit; Slack's 429 makes the worker wait Retry-After (no
    attempt counted) and post once; the task's retries never post twice."""
    settings.SLACK_BOT_TOKEN = ""
    proposal = make_proposal(status="team_forming", roles=("デザイン",))
    settings.SLACK_BOT_TOKEN = "xoxb-test"
    invitee = UserFactory(slack_user_id="U0AIKO", preferred_language="en")
    fake_slack.fail("chat.postMessage", Fault(status=429, retry_after=2))

    services.invitation_create(
        proposal=proposal, invitee=invitee, role="デザイン", by=proposal.proposer
    )

    assert fake_slack.wait_for(lambda: len(fake_slack.direct_messages("U0AIKO")) == 1, timeout=20)
    dm = Delivery.objects.get(channel=Channel.SLACK_DM)
    deadline = time.monotonic() + 10
    while Delivery.objects.get(pk=dm.pk).status != DeliveryStatus.SENT:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    dm.refresh_from_db()
    assert dm.attempts == 0 and dm.sent_at >= dm.created_at + timedelta(seconds=2)
    assert [call.status for call in fake_slack.calls_to("chat.postMessage")] == [429, 200]
    [message] = fake_slack.direct_messages("U0AIKO")
    assert dm.external_id == message["ts"]
