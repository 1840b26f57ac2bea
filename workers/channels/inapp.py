"""In-app notifications: the member's in-app Delivery rows, read and marked read here."""

from dataclasses import dataclass, field

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


def unread_count(user) -> int:
    """Counted on every page from the (recipient, channel, read_at) index: always the truth, and
    nothing outside the database to keep in step (or to be down) when the inbox changes."""
    return Delivery.objects.filter(
        channel=Channel.INAPP, recipient_id=user.pk, read_at__isnull=True
    ).count()


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
    return marked


def notification_mark_all_read(*, user, proposal_id: int | None = None) -> int:
    unread = _inbox(user).filter(read_at__isnull=True)
    if proposal_id is not None:
        unread = unread.filter(proposal_id=proposal_id)
    marked = unread.update(read_at=timezone.now(), updated_at=timezone.now())
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
