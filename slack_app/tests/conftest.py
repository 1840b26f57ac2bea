import threading

import pytest
from django.core.cache import cache

from members.tests.factories import UserFactory
from slack_app.socket import Runner

# The loopback fake Slack and the record of what was published, as the workers' tests use them.
from workers.tests.conftest import _fake_slack_server, fake_slack, published  # noqa: F401

from .fake_socket_mode import FakeSocketMode


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


@pytest.fixture
def slack_member():
    return UserFactory(slack_user_id="U0AIKO", preferred_language="en")


@pytest.fixture
def socket_mode(fake_slack, settings):  # noqa: F811 (the fixture imported above)
    """A fake Socket Mode server, handed out by the fake Slack's apps.connections.open."""
    server = FakeSocketMode()
    fake_slack.socket_mode_url = lambda: server.url
    settings.SLACK_APP_TOKEN = "xapp-1-A0INCUBATOR-test"
    yield server
    server.stop()


@pytest.fixture
def start_runner(socket_mode):
    """Start a Socket Mode runner (as `manage.py slack_socket` does) connected to the fake."""
    started: list[Runner] = []

    def start() -> Runner:
        runner = Runner(ping_interval=0.3)
        started.append(runner)
        assert runner.start(threading.Event())
        socket_mode.wait_connected(len(started))
        return runner

    yield start
    for runner in started:
        runner.stop()
