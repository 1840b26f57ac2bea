"""`make run` without Redis: a worker and beat on the embedded broker (Kombu's SQLAlchemy transport on
a SQLite file) deliver, and beat's sweeper picks up what was never published."""

import os
import signal
import subprocess
import sys

import pytest
from django.conf import settings

from incubator.celery_app import app as celery_app
from members.tests.factories import UserFactory
from proposals import services
from proposals.tests.factories import make_proposal
from workers import publish
from workers.events import Channel, EventKind
from workers.models import Delivery, DeliveryStatus

from .test_worker_killed import _database_url

pytestmark = pytest.mark.django_db(transaction=True)


def use_embedded_broker(folder) -> None:
    """Publish from this process to the embedded broker in `folder`, as `make run` does."""
    celery_app.conf.broker_url = f"sqla+sqlite:///{folder / 'broker.sqlite3'}"
    celery_app.conf.broker_transport_options = {"connect_args": {"timeout": 30}}
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def embedded(fake_slack, tmp_path):
    broker = tmp_path / "broker"
    broker.mkdir()
    use_embedded_broker(broker)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "incubator.settings.test",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": "",
        "EMBEDDED_BROKER_DIR": str(broker),
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_CHANNEL_ID": "C0MAIN",
        "SLACK_API_URL": fake_slack.url,
        "SLACK_MESSAGES_PER_SECOND": "1000",
        "SLACK_WORKSPACE_CALLS_PER_MINUTE": "60000",
        "SLACK_UPDATES_PER_MINUTE": "60000",
        "WORKERS_SWEEP_INTERVAL_SECONDS": "1",
        "WORKERS_SWEEP_GRACE_SECONDS": "1",
        "CONN_MAX_AGE": "0",
    }
    log = (tmp_path / "celery.log").open("w")
    common = [sys.executable, "-m", "celery", "-A", "incubator"]
    processes = [
        subprocess.Popen(
            [
                *common,
                "worker",
                "--pool=threads",
                "--concurrency=2",
                "--loglevel=INFO",
                "--without-heartbeat",
                "--without-mingle",
                "--without-gossip",
                f"--hostname=embedded-{os.getpid()}@%h",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        ),
        subprocess.Popen(
            [*common, "beat", "--loglevel=INFO", f"--schedule={tmp_path / 'beat-schedule'}"],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        ),
    ]
    try:
        yield
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log.close()
        from .test_worker_redis import REDIS_TEST_URL, _use_broker

        _use_broker(REDIS_TEST_URL)


def test_worker_and_beat_work_on_the_embedded_broker(embedded, fake_slack, monkeypatch, settings):
    proposal = make_proposal(title="Redisなしで動く")
    assert fake_slack.wait_for(lambda: len(fake_slack.roots()) == 1, timeout=30)

    # A delivery whose enqueue never happened (as if the process died right after commit):
    # beat's sweeper finds it and the worker sends it.
    monkeypatch.setattr(publish, "relay", lambda lane, eta=None: False)
    services.comment_create(proposal=proposal, author=UserFactory(), body="掃除係が拾う")
    delivery = Delivery.objects.get(channel=Channel.SLACK, event__kind=EventKind.COMMENTED)
    root = fake_slack.roots()[0]
    assert fake_slack.wait_for(
        lambda: Delivery.objects.get(pk=delivery.pk).status == DeliveryStatus.SENT, timeout=30
    )
    assert len(fake_slack.replies(root["ts"])) == 1
    assert len(fake_slack.calls_to("chat.postMessage")) == 2
