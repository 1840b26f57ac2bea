"""Who may see and change the webhooks: the community's moderators (a webhook sends the
community's events to another system, and its log shows what was sent)."""

from proposals.permissions import is_moderator


def can_manage_webhooks(user) -> bool:
    return is_moderator(user)
