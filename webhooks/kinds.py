"""Which events a webhook may carry: the ones the whole community sees happen (those Slack posts in
a proposal's thread), never one addressed to a person alone (an answer to a join request, an
invitation, a nudge, a meetup's reminder) nor the outbox's own news."""

from django.utils.translation import gettext_lazy as _

from workers.events import EventKind

# A moderator's "send a test event": no event of the community behind it.
PING = "ping"

WEBHOOK_KINDS: tuple[str, ...] = (
    EventKind.SUBMITTED,
    EventKind.TRANSITIONED,
    EventKind.JOIN_REQUESTED,
    EventKind.JOIN_ACCEPTED,
    EventKind.MEMBER_LEFT,
    EventKind.COMMENTED,
    EventKind.CHEERED,
)


def kind_label(kind: str) -> str:
    if kind == PING:
        return str(_("Test event"))
    return str(EventKind(kind).label) if kind in EventKind.values else kind


def kind_choices() -> list[tuple[str, str]]:
    return [(kind, kind_label(kind)) for kind in WEBHOOK_KINDS]
