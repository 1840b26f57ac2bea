"""Reads about members."""

from .models import User


def slack_account_holder(*, slack_user_id: str, exclude: User | None = None) -> User | None:
    """The member a Slack id is linked to (other than `exclude`), or None."""
    if not slack_user_id:
        return None
    members = User.objects.filter(slack_user_id=slack_user_id)
    if exclude is not None and exclude.pk is not None:
        members = members.exclude(pk=exclude.pk)
    return members.first()


def member_for_slack(*, slack_user_id: str) -> User | None:
    """The active member who acts as this Slack user, or None (not linked, or deactivated)."""
    if not slack_user_id:
        return None
    return User.objects.filter(slack_user_id=slack_user_id, is_active=True).first()
