"""Email: one message per event for 'immediately', a daily digest for the rest; in the member's language."""

from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from ..events import EMAIL_DEFAULTS, EmailMode, headline
from ..models import Delivery, EmailPreference


def language_of(user) -> str:
    return user.preferred_language or settings.LANGUAGE_CODE


def _link(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _proposal_link(proposal_id: int | None) -> str:
    from django.urls import reverse

    if proposal_id is None:
        return _link("/")
    return _link(reverse("proposals:detail", args=[proposal_id]))


def _send(*, user, subject: str, template: str, context: dict) -> None:
    text = render_to_string(f"email/{template}.txt", context)
    html = render_to_string(f"email/{template}.html", context)
    message = EmailMultiAlternatives(
        subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=[user.email]
    )
    message.attach_alternative(html, "text/html")
    message.send()


def send_notification(delivery: Delivery) -> bool:
    """Send one event to one member now. False when the member has no address."""
    user = delivery.recipient
    if not user.email:
        return False
    event = delivery.event
    with translation.override(language_of(user)):
        line = headline(event.kind, event.payload)
        _send(
            user=user,
            subject=f"[incubator] {line}"[:200],
            template="notification",
            context={
                "user": user,
                "headline": line,
                "payload": event.payload,
                "link": _proposal_link(event.proposal_id),
                "settings_link": _link("/notifications/settings/"),
            },
        )
    return True


@dataclass
class DigestGroup:
    proposal_id: int | None
    title: str
    link: str
    lines: list[str] = field(default_factory=list)


def digest_modes(user) -> dict[str, str]:
    modes = dict(EMAIL_DEFAULTS)
    modes.update(EmailPreference.objects.filter(user=user).values_list("kind", "mode"))
    return modes


def digest_groups(user, *, since) -> list[DigestGroup]:
    """Unread in-app notifications since `since` whose kind the member gets in the digest.

    Grouped by proposal, newest first (groups ordered by their newest item).
    """
    from ..events import Channel

    digest_kinds = [kind for kind, mode in digest_modes(user).items() if mode == EmailMode.DIGEST]
    deliveries = (
        Delivery.objects.filter(
            channel=Channel.INAPP,
            recipient=user,
            read_at__isnull=True,
            created_at__gte=since,
            event__kind__in=digest_kinds,
        )
        .select_related("event")
        .order_by("-created_at", "-id")
    )
    groups: dict[int | None, DigestGroup] = {}
    for delivery in deliveries:
        event = delivery.event
        group = groups.get(event.proposal_id)
        if group is None:
            group = groups[event.proposal_id] = DigestGroup(
                proposal_id=event.proposal_id,
                title=event.payload.get("title", ""),
                link=_proposal_link(event.proposal_id),
            )
        group.lines.append(headline(event.kind, event.payload))
    return list(groups.values())


def send_digest(user, *, since) -> int:
    """Send the member's digest; returns the number of items (0: nothing sent)."""
    if not user.email:
        return 0
    with translation.override(language_of(user)):
        groups = digest_groups(user, since=since)
        count = sum(len(group.lines) for group in groups)
        if not count:
            return 0
        from django.utils.translation import ngettext

        subject = ngettext(
            "[incubator] Your daily digest: %(count)d update",
            "[incubator] Your daily digest: %(count)d updates",
            count,
        ) % {"count": count}
        _send(
            user=user,
            subject=subject,
            template="digest",
            context={
                "user": user,
                "groups": groups,
                "count": count,
                "settings_link": _link("/notifications/settings/"),
            },
        )
    return count
