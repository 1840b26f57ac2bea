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


# What a page shows of a person it names (an author, an actor, a team member): their name and
# the address of their profile. Pages that list many people load only these columns of them.
PERSON_SHOWN = ("id", "username", "display_name")


def person_columns_left_out(relation: str) -> list[str]:
    """`defer()` arguments that leave every other column of the User at `relation` unloaded
    (its password, e-mail, self-introduction, interests…): `.select_related("author")
    .defer(*person_columns_left_out("author"))`."""
    return [
        f"{relation}__{field.attname}"
        for field in User._meta.concrete_fields
        if field.attname not in PERSON_SHOWN
    ]
