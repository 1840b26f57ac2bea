"""Who may see and decide on applications to join: the community's moderators."""

from proposals.permissions import is_moderator


def can_review_applications(user) -> bool:
    return is_moderator(user)


def can_edit_guidelines(user) -> bool:
    return is_moderator(user)
