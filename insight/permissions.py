"""Who may see the community's figures and exports: its moderators (the organisers)."""

from proposals.permissions import is_moderator


def can_see_insight(user) -> bool:
    return is_moderator(user)


def can_export(user) -> bool:
    return is_moderator(user)
