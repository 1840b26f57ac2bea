# The loopback fake Slack and the record of what was published, as the workers' tests use them.
from workers.tests.conftest import _fake_slack_server, fake_slack, published  # noqa: F401
