"""In-app notifications: the member's in-app Delivery rows, read and marked read here."""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext

from ..events import EMAIL_DEFAULTS, Channel, EmailMode, EventKind, headline
from ..models import Delivery, EmailPreference


@dataclass
class Notification:
    id: int
    kind: str
    text: str
    created_at: object
    unread: bool


@dataclass
class NotificationGroup:
    proposal_id: int | None
    title: str
    items: list[Notification] = field(default_factory=list)

    @property
    def unread(self) -> int:
        return sum(item.unread for item in self.items)


def _inbox(user):
    return Delivery.objects.filter(channel=Channel.INAPP, recipient=user)


# Every page's navigation shows the unread count, so it is kept in the cache until the member's
# inbox changes: `inbox_changed` runs wherever in-app notifications are created or read.
UNREAD_SECONDS = 300


def _unread_key(user_id: int) -> str:
    return f"inbox:unread:{user_id}"


def unread_count(user) -> int:
    key = _unread_key(user.pk)
    count = cache.get(key)
    if count is None:
        count = Delivery.objects.filter(
            channel=Channel.INAPP, recipient_id=user.pk, read_at__isnull=True
        ).count()
        cache.set(key, count, UNREAD_SECONDS)
    return count


def nav_badge(user) -> str:
    """The navigation's link to notifications, with the unread count when there is one."""
    count = unread_count(user)
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


def inbox_changed(user_ids: Iterable[int]) -> None:
    """Forget these members' unread counts: now, and again once the change is committed (a page
    read in between would otherwise keep the old count)."""
    keys = [_unread_key(user_id) for user_id in user_ids]
    if keys:
        cache.delete_many(keys)
        transaction.on_commit(lambda: cache.delete_many(keys), robust=True)


def notification_groups(user, *, limit: int = 200) -> list[NotificationGroup]:
    """The latest notifications grouped by proposal; groups ordered by their newest item. Two queries."""
    deliveries = _inbox(user).select_related("event").order_by("-created_at", "-id")[:limit]
    groups: dict[int | None, NotificationGroup] = {}
    for delivery in deliveries:
        event = delivery.event
        group = groups.setdefault(
            event.proposal_id,
            NotificationGroup(proposal_id=event.proposal_id, title=event.payload.get("title", "")),
        )
        group.items.append(
            Notification(
                id=delivery.pk,
                kind=event.kind,
                text=headline(event.kind, event.payload),
                created_at=delivery.created_at,
                unread=delivery.read_at is None,
            )
        )
    return list(groups.values())


def notification_mark_read(*, user, delivery_id: int) -> bool:
    marked = bool(
        _inbox(user)
        .filter(pk=delivery_id, read_at__isnull=True)
        .update(read_at=timezone.now(), updated_at=timezone.now())
    )
    inbox_changed([user.pk])
    return marked


def notification_mark_all_read(*, user, proposal_id: int | None = None) -> int:
    unread = _inbox(user).filter(read_at__isnull=True)
    if proposal_id is not None:
        unread = unread.filter(proposal_id=proposal_id)
    marked = unread.update(read_at=timezone.now(), updated_at=timezone.now())
    inbox_changed([user.pk])
    return marked


@dataclass(frozen=True)
class PreferenceRow:
    kind: str
    label: str
    mode: str


def email_preferences(user) -> list[PreferenceRow]:
    saved = dict(EmailPreference.objects.filter(user=user).values_list("kind", "mode"))
    return [
        PreferenceRow(kind=kind, label=str(EventKind(kind).label), mode=saved.get(kind, default))
        for kind, default in EMAIL_DEFAULTS.items()
    ]


def email_preferences_set(*, user, modes: dict[str, str]) -> None:
    """Save the member's choices; unknown kinds or modes are ignored."""
    with transaction.atomic():
        for kind, mode in modes.items():
            if kind in EMAIL_DEFAULTS and mode in EmailMode.values:
                EmailPreference.objects.update_or_create(
                    user=user, kind=kind, defaults={"mode": mode}
                )
