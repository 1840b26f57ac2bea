import pytest

from workers import pacing

from .fake_slack import FakeSlack

REDIS_TEST_URL = "redis://127.0.0.1:6379/5"


@pytest.fixture(scope="session")
def _fake_slack_server():
    fake = FakeSlack()
    yield fake
    fake.stop()


@pytest.fixture
def fake_slack(_fake_slack_server, settings):
    """Slack configured and pointed at the loopback fake; pacing out of the way unless a test wants it."""
    _fake_slack_server.reset()
    pacing._local_next.clear()
    settings.SLACK_BOT_TOKEN = "xoxb-test"
    settings.SLACK_CHANNEL_ID = "C0MAIN"
    settings.SLACK_API_URL = _fake_slack_server.url
    settings.SLACK_TIMEOUT_SECONDS = 2
    settings.SLACK_MESSAGES_PER_SECOND = 1000
    settings.REDIS_URL = ""
    return _fake_slack_server
