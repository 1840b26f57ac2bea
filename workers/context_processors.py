from .channels.inapp import unread_count


def notifications(request) -> dict:
    """The unread badge in the navigation: one COUNT query, and only for a signed-in member."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": lambda: unread_count(user)}
