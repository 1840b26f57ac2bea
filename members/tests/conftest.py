import pytest

from members.tests.test_slack_login import OUR_TEAM, FakeSlackOIDC

# The loopback fake Slack, as the workers' tests use it.
from workers.tests.conftest import _fake_slack_server, fake_slack, published  # noqa: F401


@pytest.fixture
def slack_oidc(settings):
    """A loopback Slack OpenID Connect server (Sign in with Slack), configured as the provider."""
    fake = FakeSlackOIDC()
    fake.thread.start()
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "APPS": [
                {
                    "provider_id": "slack",
                    "name": "Slack",
                    "client_id": "client-id",
                    "secret": "client-secret",
                    "settings": {"server_url": fake.url, "auth_params": {"team": OUR_TEAM}},
                }
            ]
        }
    }
    yield fake
    fake.server.shutdown()
    fake.server.server_close()
