"""A worker process killed after Slack accepted the post: exactly one message in the end.

The worker is a separate `celery worker` process (prefork, one child) on the real Redis. The fake
Slack keeps the post and then hangs; the test SIGKILLs the child mid-request. acks_late +
reject_on_worker_lost put the channel's relay run back (same task id, so it takes its own channel
lease back at once); the delivery left in sending, marked as posting, makes the new run look the
earlier post up by its metadata instead of posting again.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection

from proposals.tests.factories import make_proposal
from workers import outbox
from workers.events import Channel, EventKind
from workers.models import Delivery, DeliveryStatus

from .conftest import REDIS_TEST_URL
from .fake_slack import Fault
from .test_worker_redis import _use_broker

pytestmark = pytest.mark.django_db(transaction=True)

LEASE_SECONDS = 2


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    user = db["USER"] or "postgres"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return (
        f"postgres://{user}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


@pytest.fixture
def worker_process(fake_slack, tmp_path):
    redis.Redis.from_url(REDIS_TEST_URL).flushdb()
    _use_broker(REDIS_TEST_URL)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "incubator.settings.test",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": REDIS_TEST_URL,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_CHANNEL_ID": "C0MAIN",
        "SLACK_API_URL": fake_slack.url,
        "SLACK_TIMEOUT_SECONDS": "60",
        "SLACK_MESSAGES_PER_SECOND": "1000",
        "SLACK_WORKSPACE_CALLS_PER_MINUTE": "60000",
        "SLACK_UPDATES_PER_MINUTE": "60000",
        "WORKERS_DELIVERY_LEASE_SECONDS": str(LEASE_SECONDS),
        "CONN_MAX_AGE": "0",
    }
    log = (tmp_path / "worker.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "incubator",
            "worker",
            "--pool=prefork",
            "--concurrency=1",
            "--loglevel=INFO",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
            f"--hostname=killtest-{os.getpid()}@%h",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def test_a_worker_killed_after_slack_accepted_the_post_leaves_exactly_one_message(
    worker_process, fake_slack, settings
):
    settings.REDIS_URL = REDIS_TEST_URL
    # Slack keeps the post, then never answers in time: the child is killed while it waits.
    fake_slack.fail("chat.postMessage", Fault(accept=True, delay=30))
    make_proposal(title="落ちても二重投稿しない")
    delivery = Delivery.objects.get(channel=Channel.SLACK, event__kind=EventKind.SUBMITTED)

    assert fake_slack.wait_for(lambda: len(fake_slack.messages) == 1, timeout=30)
    [child] = _children(worker_process.pid)
    os.kill(child, signal.SIGKILL)

    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        delivery.refresh_from_db()
        if delivery.status == DeliveryStatus.SENT:
            break
        outbox.sweep()  # what beat does every 30 s; it takes the delivery once the lease ran out
        time.sleep(0.5)

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT, delivery.last_error
    assert delivery.attempts == 1  # the lost try counts; the lookup found its post
    assert len(fake_slack.messages) == 1
    assert len(fake_slack.calls_to("chat.postMessage")) == 1
    assert delivery.external_id == fake_slack.messages[0]["ts"]
