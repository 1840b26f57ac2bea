# The browser tests' own Chromium, in a thread of its own; the loopback fake Slack and the record
# of what was published, as the workers' tests use them.
from proposals.tests.browser.conftest import (  # noqa: F401
    in_browser_thread,
    short_lived_server_connections,
)
from workers.tests.conftest import _fake_slack_server, fake_slack, published  # noqa: F401
