"""Who may see what of introductions: each person their own; organisers only counts."""


def may_see_counts(user) -> bool:
    """Moderators see how rounds went, in numbers: never who met whom, nor anyone's answer."""
    return bool(user.is_authenticated and user.is_moderator)
