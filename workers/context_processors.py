from .channels.inapp import nav_badge


def notifications(request) -> dict:
    """The navigation's notifications link: one COUNT (cached), and only for a signed-in member."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"nav_badge": lambda: nav_badge(user)}
