from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext

from . import selectors

NAV_BADGE_ID = "nav-notifications"


def nav_badge(user, *, count: int | None = None, oob: bool = False) -> str:
    """The navigation's link to notifications, with the unread count when there is one.

    `oob`: marked for htmx to swap it in place of the one in the page (after "mark read").
    """
    if count is None:
        count = selectors.unread_count(user=user)
    # The count is shown as a badge and read out as words ("3 unread"), not as a bare number.
    badge = format_html(
        ' <span class="badge" aria-hidden="true">{}</span><span class="visually-hidden">{}</span>',
        count,
        ngettext("%(count)s unread", "%(count)s unread", count) % {"count": count},
    )
    return format_html(
        '<a href="{}" id="{}" class="nav-notifications"{}>{}{}</a>',
        reverse("workers:list"),
        NAV_BADGE_ID,
        mark_safe(' hx-swap-oob="true"') if oob else "",
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
