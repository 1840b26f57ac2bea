"""Which lane a delivery is sent through: each Slack channel is a lane with one ordered sender
(workers.relay); email is one lane of its own. Set when the delivery is recorded."""

from django.conf import settings

EMAIL = "email"


def slack_lane_for(proposal) -> str:
    """The Slack channel a proposal's thread lives in: its theme's own channel if one is routed,
    else the main channel."""
    routes = settings.SLACK_THEME_CHANNELS or {}
    for tag in proposal.tags.all():
        if tag.name in routes:
            return routes[tag.name]
    return settings.SLACK_CHANNEL_ID
