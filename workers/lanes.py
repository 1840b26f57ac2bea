"""Which lane a delivery is sent through: each Slack channel is a lane with one ordered sender
(workers.relay); email is one lane of its own, and so are Slack direct messages. Set when the
delivery is recorded."""

from django.conf import settings

EMAIL = "email"
# Slack direct messages: each goes by itself (a task per delivery, like email), taking its slot of
# the workspace's pace that every channel's sender shares; the lane counts their backlog and
# their outages.
SLACK_DM = "slack-dm"


def slack_lane_for(proposal) -> str:
    """The Slack channel a proposal's thread lives in: its theme's own channel if one is routed,
    else the main channel."""
    routes = settings.SLACK_THEME_CHANNELS or {}
    for tag in proposal.tags.all():
        if tag.name in routes:
            return routes[tag.name]
    return settings.SLACK_CHANNEL_ID
