# The loopback fake Slack, as the workers' tests use it.
from workers.tests.conftest import _fake_slack_server, fake_slack, published  # noqa: F401
