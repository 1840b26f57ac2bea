"""Email: one message per event for 'immediately', a daily digest for the rest.

Only sends: the caller activates the member's language and gives what to say; the message's
Message-ID is the delivery's external id.
"""

from collections.abc import Sequence
from contextlib import contextmanager

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import make_msgid
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ..events import EventKind, figure_rows, figures_note, summary
from ..models import Delivery
from ..selectors import (
    DigestGroup,
    DigestTeam,
    absolute,
    notification_path,
    notification_quote,
    notification_text,
)


class NoAddress(Exception):
    """The member has no email address: nothing can be sent."""


def language_of(user) -> str:
    return user.preferred_language or settings.LANGUAGE_CODE


@contextmanager
def as_reader(user):
    """Everything written to `user` in their language and their time zone (a meetup's time in a
    reminder reads as on their pages); the community's zone when they chose none."""
    with translation.override(language_of(user)), timezone.override(getattr(user, "zone", None)):
        yield


def _settings_link() -> str:
    return absolute(reverse("workers:email_settings"))


def _send(*, user, subject: str, template: str, context: dict) -> str:
    if not user.email:
        raise NoAddress(user.pk)
    message_id = make_msgid(domain="incubator")
    text = render_to_string(f"email/{template}.txt", context)
    html = render_to_string(f"email/{template}.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
        headers={"Message-ID": message_id},
    )
    message.attach_alternative(html, "text/html")
    message.send()
    return message_id


# Kinds whose email is more than a sentence: the organisers' weekly figures are a table.
TEMPLATES = {EventKind.ORGANISER_DIGEST: "organiser_digest"}
# The link's words, for kinds whose link is not a proposal's page ("Open the proposal" otherwise).
LINK_LABELS = {
    EventKind.WELCOME: _("Look around the board"),
    EventKind.MEMBER_ARRIVED: _("See their profile"),
}


def send(delivery: Delivery) -> str:
    """Send one event to its recipient now, in the active language; returns the Message-ID.

    Raises NoAddress, or an OSError (smtplib's errors are OSErrors) for the caller to retry.
    """
    user = delivery.recipient
    event = delivery.event
    line = notification_text(kind=event.kind, payload=event.payload, recipient_id=user.pk)
    quote, reply_from = notification_quote(
        kind=event.kind, payload=event.payload, recipient_id=user.pk
    )
    path = notification_path(kind=event.kind, proposal_id=event.proposal_id, payload=event.payload)
    return _send(
        user=user,
        subject=f"[incubator] {line}"[:200],
        template=TEMPLATES.get(event.kind, "notification"),
        context={
            "user": user,
            "headline": line,
            "quote": quote,
            "reply_from": reply_from,
            # What the event says beyond its headline, from the catalogue (the plain text is
            # the one any other channel would send).
            "summary": summary(event.kind, event.payload),
            "rows": figure_rows(event.kind, event.payload),
            "note": figures_note(event.kind, event.payload),
            "link": absolute(path or "/"),
            "link_label": LINK_LABELS.get(event.kind, ""),
            "settings_link": _settings_link(),
        },
    )


def send_digest(user, *, groups: list[DigestGroup], teams: Sequence[DigestTeam] = ()) -> str:
    """Send the member's daily digest of `groups` (and, now and then, a few `teams` looking for
    someone like them), in the active language; returns the Message-ID."""
    count = sum(len(group.lines) for group in groups)
    subject = ngettext(
        "[incubator] Your daily digest: %(count)d update",
        "[incubator] Your daily digest: %(count)d updates",
        count,
    ) % {"count": count}
    return _send(
        user=user,
        subject=subject,
        template="digest",
        context={
            "user": user,
            "groups": groups,
            "count": count,
            "teams": list(teams),
            "suggestions_link": absolute(reverse("members:settings") + "#visibility"),
            "site": absolute(""),
            "settings_link": _settings_link(),
        },
    )
