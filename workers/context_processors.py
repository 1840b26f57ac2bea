from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext

from . import selectors


def nav_badge(user) -> str:
    """The navigation's link to notifications, with the unread count when there is one."""
    count = selectors.unread_count(user=user)
    badge = format_html(
        ' <span class="badge" aria-label="{}">{}</span>',
        ngettext("%(count)s unread", "%(count)s unread", count) % {"count": count},
        count,
    )
    return format_html(
        '<a href="{}" class="nav-notifications">{}{}</a>',
        reverse("workers:list"),
        gettext("Notifications"),
        badge if count else "",
    )


def notifications(request) -> dict:
    """The navigation's notifications link: one COUNT, only for a signed-in member, and only when
    a template shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"nav_badge": lambda: nav_badge(user)}
