"""Acceptance: bursts into a fake Slack that answers 429 whenever one channel gets two posts within
its window, through real Celery workers (in this process, in processes of their own, on Redis and on
the embedded broker), with workers killed and Redis restarted on the way.

The pace is SLACK_MESSAGES_PER_SECOND=20 with the fake's window scaled to match (1/20 s), and the
workspace's budgets scaled alike, so a burst takes seconds; `make bench` runs the real 1 message per
second. What is checked is what members
would see: every event once, each thread in commit order, (almost) no 429. Each wait is for an end
state, with a deadline.
"""

import os
import signal
import time

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from incubator.celery_app import app as celery_app
from members.tests.factories import UserFactory
from proposals import services
from proposals.tests.factories import make_proposal
from workers import outbox
from workers.events import Channel, EventKind
from workers.models import Delivery, DeliveryStatus, SlackThread

from .conftest import REDIS_TEST_URL
from .fake_slack import Fault
from .processes import PrivateRedis, celery_workers, children, worker_env
from .test_embedded_broker import use_embedded_broker
from .test_worker_redis import _use_broker

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.paced]

RATE = 20
# Slack's limits (1 post a second per channel, 300 writes and 50 card updates a minute over the
# workspace), RATE times faster.
WORKSPACE = {
    "SLACK_WORKSPACE_CALLS_PER_MINUTE": 300 * RATE,
    "SLACK_UPDATES_PER_MINUTE": 50 * RATE,
}
PACE = {
    "SLACK_MESSAGES_PER_SECOND": str(RATE),
    "WORKERS_RELAY_RUN_SECONDS": "5",
    **{name: str(value) for name, value in WORKSPACE.items()},
}


@pytest.fixture
def paced(fake_slack, settings):
    settings.SLACK_MESSAGES_PER_SECOND = RATE
    for name, value in WORKSPACE.items():
        setattr(settings, name, value)
    settings.WORKERS_RELAY_RUN_SECONDS = 5
    fake_slack.enforce_pace(window=1 / RATE)
    return fake_slack


@pytest.fixture
def on_redis():
    redis.Redis.from_url(REDIS_TEST_URL).flushdb()
    _use_broker(REDIS_TEST_URL)
    yield REDIS_TEST_URL
    _use_broker(REDIS_TEST_URL)


def _proposals(count: int, *, tags=()) -> list:
    return [make_proposal(title=f"Burst {index}", tags=list(tags)) for index in range(count)]


def _burst(proposals, events: int, *, start: int = 0) -> None:
    author = UserFactory()
    for index in range(start, start + events):
        services.comment_create(
            proposal=proposals[index % len(proposals)], author=author, body=f"burst {index:04d}"
        )


def _delivered(fake, expected: int, *, timeout: float, sweep: bool = False, workers=None) -> bool:
    """Every Slack delivery final and `expected` messages posted (the sweeper running, as beat
    would, and dead workers started again, as their supervisor would, when asked)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if workers is not None:
            workers.revive()
        waiting = Delivery.objects.filter(
            channel=Channel.SLACK, status__in=[DeliveryStatus.PENDING, DeliveryStatus.SENDING]
        )
        if not waiting.exists() and len(fake.messages) >= expected:
            return True
        if sweep:
            outbox.sweep()
        time.sleep(0.3)
    return False


def _number(message: dict) -> int | None:
    text = str(message["blocks"])
    return int(text.split("burst ")[1][:4]) if "burst " in text else None


def _check(fake, proposals, events: int) -> None:
    """All delivered once, each thread in commit order; every delivery sent."""
    statuses = set(Delivery.objects.filter(channel=Channel.SLACK).values_list("status", flat=True))
    assert statuses == {DeliveryStatus.SENT}
    assert len(fake.roots()) == len(proposals)
    numbers = []
    for proposal in proposals:
        root = SlackThread.objects.get(proposal=proposal).root_ts
        thread = [n for n in map(_number, fake.replies(root)) if n is not None]
        assert thread == sorted(thread), f"thread of {proposal.title} out of order"
        numbers += thread
    assert sorted(numbers) == list(range(events))  # every event once: none lost, none doubled
    ids = [m["metadata"]["event_payload"].get("delivery_id") for m in fake.messages]
    assert len(ids) == len(set(ids))


def test_a_burst_through_a_worker_on_redis_arrives_whole_in_order_without_429s(
    on_redis, paced, settings
):
    settings.REDIS_URL = on_redis
    with start_worker(
        celery_app, pool="threads", concurrency=4, perform_ping_check=False, loglevel="WARNING"
    ):
        proposals = _proposals(20)
        _burst(proposals, 200)
        assert _delivered(paced, 220, timeout=90)
    _check(paced, proposals, 200)
    assert paced.rate_limited() <= 1
    # Waiting for one's turn is no attempt.
    assert set(
        Delivery.objects.filter(channel=Channel.SLACK).values_list("attempts", flat=True)
    ) == {0}


def test_a_burst_through_two_worker_processes_keeps_one_sender_per_channel(
    on_redis, paced, tmp_path
):
    env = worker_env(paced, REDIS_URL=on_redis, **PACE)
    with celery_workers(env, tmp_path / "workers.log", count=2):
        proposals = _proposals(20)
        _burst(proposals, 200)
        assert _delivered(paced, 220, timeout=120), (tmp_path / "workers.log").read_text()[-3000:]
    _check(paced, proposals, 200)
    assert paced.rate_limited() <= 1


def test_a_burst_through_the_embedded_broker(paced, tmp_path):
    use_embedded_broker(tmp_path)
    env = worker_env(paced, REDIS_URL="", EMBEDDED_BROKER_DIR=str(tmp_path), **PACE)
    try:
        with celery_workers(env, tmp_path / "workers.log", pool="threads", concurrency=4):
            proposals = _proposals(20)
            _burst(proposals, 200)
            assert _delivered(paced, 220, timeout=120), (tmp_path / "workers.log").read_text()[
                -3000:
            ]
    finally:
        _use_broker(REDIS_TEST_URL)
    _check(paced, proposals, 200)
    assert paced.rate_limited() <= 1


def test_two_channels_progress_in_parallel(on_redis, paced, settings):
    settings.REDIS_URL = on_redis
    settings.SLACK_THEME_CHANNELS = {"防災": "C0BOSAI"}
    with start_worker(
        celery_app, pool="threads", concurrency=4, perform_ping_check=False, loglevel="WARNING"
    ):
        main, bosai = _proposals(5), _proposals(5, tags=["防災"])
        _burst(main, 40)
        _burst(bosai, 40, start=40)
        assert _delivered(paced, 90, timeout=90)
    posts = {
        channel: [c.at for c in paced.calls_to("chat.postMessage") if c.body["channel"] == channel]
        for channel in ("C0MAIN", "C0BOSAI")
    }
    assert len(posts["C0MAIN"]) == len(posts["C0BOSAI"]) == 45
    # The theme's channel did not wait for the main one to finish, nor the other way round.
    assert min(posts["C0BOSAI"]) < max(posts["C0MAIN"])
    assert min(posts["C0MAIN"]) < max(posts["C0BOSAI"])
    assert paced.rate_limited() <= 1


def test_a_worker_killed_during_a_post_in_a_burst_leaves_one_message_per_event(
    on_redis, paced, tmp_path, settings
):
    env = worker_env(
        paced,
        REDIS_URL=on_redis,
        SLACK_TIMEOUT_SECONDS="60",
        WORKERS_RELAY_LEASE_SECONDS="5",
        **PACE,
    )
    with celery_workers(env, tmp_path / "worker.log", concurrency=1) as [worker]:
        proposals = _proposals(5)
        _burst(proposals, 40)
        assert paced.wait_for(lambda: len(paced.messages) >= 15, timeout=60)
        # Slack keeps the next post, then never answers: the worker dies while it waits.
        paced.fail("chat.postMessage", Fault(accept=True, delay=30))
        before = len(paced.messages)
        assert paced.wait_for(lambda: len(paced.messages) > before, timeout=30)
        [child] = children(worker.pid)
        os.kill(child, signal.SIGKILL)
        assert _delivered(paced, 45, timeout=120, sweep=True), (
            tmp_path / "worker.log"
        ).read_text()[-3000:]
    _check(paced, proposals, 40)
    killed = Delivery.objects.filter(channel=Channel.SLACK, attempts=1)
    assert killed.count() == 1  # the post the worker died in, found by its metadata


def test_redis_restarted_mid_burst_loses_and_doubles_nothing(paced, tmp_path, settings):
    server = PrivateRedis()
    server.start()
    try:
        _use_broker(server.url)
        env = worker_env(paced, REDIS_URL=server.url, WORKERS_RELAY_LEASE_SECONDS="3", **PACE)
        with celery_workers(env, tmp_path / "worker.log", concurrency=2) as workers:
            proposals = _proposals(10)
            _burst(proposals, 40)
            assert paced.wait_for(lambda: len(paced.messages) >= 20, timeout=60)
            server.stop()
            _burst(proposals, 20, start=40)  # committed while the broker is down
            server.start()
            _burst(proposals, 20, start=60)
            # A worker that lost Redis with a task in hand may exit (kombu cannot hand the task
            # back to a server that is gone); its supervisor starts it again.
            delivered = _delivered(paced, 90, timeout=120, sweep=True, workers=workers)
            assert delivered, (tmp_path / "worker.log").read_text()[-3000:]
    finally:
        server.stop()
        _use_broker(REDIS_TEST_URL)
    _check(paced, proposals, 80)


def test_a_card_deleted_in_slack_is_posted_again_through_the_worker(on_redis, fake_slack, settings):
    settings.REDIS_URL = on_redis
    with start_worker(
        celery_app, pool="threads", concurrency=2, perform_ping_check=False, loglevel="WARNING"
    ):
        proposal = make_proposal(title="カード")
        assert _delivered(fake_slack, 1, timeout=30)
        [old] = fake_slack.roots()
        fake_slack.delete(old["ts"])
        services.comment_create(proposal=proposal, author=UserFactory(), body="after the loss")
        assert _delivered(fake_slack, 2, timeout=30)
    [card] = fake_slack.roots()
    assert card["ts"] != old["ts"]
    [reply] = fake_slack.replies(card["ts"])
    assert "after the loss" in str(reply["blocks"])
    delivery = Delivery.objects.get(channel=Channel.SLACK, event__kind=EventKind.COMMENTED)
    assert delivery.sent_at <= timezone.now()
