import os
from dataclasses import dataclass

import pytest

from workers import publish

from .fake_slack import FakeSlack

# The Redis server the test session uses (the root conftest.py finds or starts one); DB 5 is ours.
REDIS_TEST_URL = os.environ["REDIS_TEST_SERVER"] + "/5"


@pytest.fixture(scope="session")
def _fake_slack_server():
    fake = FakeSlack()
    yield fake
    fake.stop()


@pytest.fixture
def fake_slack(_fake_slack_server, settings):
    """Slack configured and pointed at the loopback fake, at a pace no test waits for."""
    _fake_slack_server.reset()
    settings.SLACK_BOT_TOKEN = "xoxb-test"
    settings.SLACK_CHANNEL_ID = "C0MAIN"
    settings.SLACK_API_URL = _fake_slack_server.url
    settings.SLACK_TIMEOUT_SECONDS = 2
    settings.SLACK_MESSAGES_PER_SECOND = 1000
    settings.SLACK_WORKSPACE_CALLS_PER_MINUTE = 60 * 1000
    settings.SLACK_UPDATES_PER_MINUTE = 60 * 1000
    settings.REDIS_URL = ""
    return _fake_slack_server


@dataclass(frozen=True)
class Published:
    name: str
    args: tuple
    eta: object = None


@pytest.fixture
def published(monkeypatch) -> list[Published]:
    """What would have reached the broker, by task name, instead of the broker."""
    sent: list[Published] = []

    def send_task(name, args=(), kwargs=None, eta=None, **options):
        sent.append(Published(name=name, args=tuple(args), eta=eta))

    monkeypatch.setattr(publish.app, "send_task", send_task)
    return sent
