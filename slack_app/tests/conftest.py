import pytest
from django.core.cache import cache

from members.tests.factories import UserFactory

# The loopback fake Slack and the record of what was published, as the workers' tests use them.
from workers.tests.conftest import _fake_slack_server, fake_slack, published  # noqa: F401


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


@pytest.fixture
def slack_member():
    return UserFactory(slack_user_id="U0AIKO", preferred_language="en")
