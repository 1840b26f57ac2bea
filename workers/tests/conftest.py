import os
import tempfile

import pytest
from django.db import connections

from .fake_slack import FakeSlack

REDIS_TEST_URL = "redis://127.0.0.1:6379/5"

# A real worker (a thread here, or a separate process) needs a database other connections can
# share. SQLite's default test database lives in memory, where a second connection meets "table is
# locked"; a file (WAL, busy timeout from settings) behaves like the real thing. One file per
# pytest process, so parallel runs in one checkout do not collide.
_default = connections["default"].settings_dict
if _default["ENGINE"] == "django.db.backends.sqlite3" and not _default["TEST"].get("NAME"):
    _default["TEST"]["NAME"] = os.path.join(
        tempfile.gettempdir(), f"incubator-test-{os.getpid()}.sqlite3"
    )


@pytest.fixture(scope="session")
def _fake_slack_server():
    fake = FakeSlack()
    yield fake
    fake.stop()


@pytest.fixture
def fake_slack(_fake_slack_server, settings, tmp_path):
    """Slack configured and pointed at the loopback fake; pacing out of the way unless a test wants it."""
    _fake_slack_server.reset()
    settings.WORKERS_PACE_FILE = str(tmp_path / "slack-pace.json")
    settings.SLACK_BOT_TOKEN = "xoxb-test"
    settings.SLACK_CHANNEL_ID = "C0MAIN"
    settings.SLACK_API_URL = _fake_slack_server.url
    settings.SLACK_TIMEOUT_SECONDS = 2
    settings.SLACK_MESSAGES_PER_SECOND = 1000
    settings.REDIS_URL = ""
    return _fake_slack_server
