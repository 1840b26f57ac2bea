"""Every read of the workers: who hears an event, the member's inbox, what a digest lists.

Each runs a fixed number of queries, whatever the data size.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from members.models import MODERATORS_GROUP
from proposals import selectors as proposal_selectors
from proposals.choices import ACTIVE_STATUSES, MembershipStatus, Status
from proposals.models import Follow, Membership, Proposal, TransitionLog

from .events import (
    AUDIENCE,
    EMAIL_DEFAULTS,
    Audience,
    Channel,
    EmailMode,
    EventKind,
    excerpt,
    headline,
)
from .models import Delivery, EmailDigest, EmailPreference, SlackThread

# --- who hears an event --------------------------------------------------------------------------


def audience_ids(*, kind: str, proposal, actor_id: int | None, payload: dict) -> set[int]:
    """Who hears an event: proposer, team members and followers (as the kind says), never the actor."""
    audience = AUDIENCE[kind]
    ids: set[int] = set()
    if audience == Audience.EVERYONE:
        ids.add(proposal.proposer_id)
        ids.update(
            Membership.objects.filter(
                proposal=proposal, status=MembershipStatus.ACCEPTED
            ).values_list("user_id", flat=True)
        )
        ids.update(Follow.objects.filter(proposal=proposal).values_list("user_id", flat=True))
    elif audience == Audience.PROPOSER:
        ids.add(proposal.proposer_id)
    elif audience == Audience.APPLICANT:
        ids.add(payload["applicant_id"])
    elif audience == Audience.MODERATORS:
        ids.update(
            get_user_model()
            .objects.filter(Q(groups__name=MODERATORS_GROUP) | Q(is_superuser=True))
            .values_list("pk", flat=True)
        )
    ids.discard(actor_id)
    ids.difference_update(payload.get("cheerer_ids", []))
    if ids:
        ids = set(
            get_user_model().objects.filter(pk__in=ids, is_active=True).values_list("pk", flat=True)
        )
    return ids


def email_modes(*, user_ids: set[int], kind: str) -> dict[int, str]:
    """Each member's email choice for `kind` (their saved one, else the kind's default)."""
    default = EMAIL_DEFAULTS.get(kind, EmailMode.OFF)
    modes = dict.fromkeys(user_ids, default)
    if kind in EMAIL_DEFAULTS and user_ids:
        modes.update(
            EmailPreference.objects.filter(user_id__in=user_ids, kind=kind).values_list(
                "user_id", "mode"
            )
        )
    return modes


# --- the member's inbox (in-app notifications) ---------------------------------------------------


@dataclass
class Notification:
    id: int
    kind: str
    text: str
    created_at: datetime
    unread: bool


@dataclass
class NotificationGroup:
    proposal_id: int | None
    title: str
    items: list[Notification] = field(default_factory=list)

    @property
    def unread(self) -> int:
        return sum(item.unread for item in self.items)


def inbox(*, user) -> QuerySet[Delivery]:
    return Delivery.objects.filter(channel=Channel.INAPP, recipient_id=user.pk)


def unread_count(*, user) -> int:
    """Counted on every page from the (recipient, channel, read_at) index: always the truth, and
    nothing outside the database to keep in step (or to be down) when the inbox changes."""
    return inbox(user=user).filter(read_at__isnull=True).count()


def notification_groups(*, user, limit: int = 200) -> list[NotificationGroup]:
    """The latest notifications grouped by proposal; groups ordered by their newest item. One query.

    Headlines are written in the active language.
    """
    deliveries = inbox(user=user).select_related("event").order_by("-created_at", "-id")[:limit]
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


@dataclass(frozen=True)
class PreferenceRow:
    kind: str
    label: str
    mode: str


def email_preferences(*, user) -> list[PreferenceRow]:
    saved = dict(EmailPreference.objects.filter(user=user).values_list("kind", "mode"))
    return [
        PreferenceRow(kind=kind, label=str(EventKind(kind).label), mode=saved.get(kind, default))
        for kind, default in EMAIL_DEFAULTS.items()
    ]


# --- email digests -------------------------------------------------------------------------------


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def proposal_link(proposal_id: int | None) -> str:
    if proposal_id is None:
        return absolute("/")
    return absolute(reverse("proposals:detail", args=[proposal_id]))


def digest_recipient_ids(*, since: datetime) -> list[int]:
    """Members with unread notifications that arrived since `since`."""
    return list(
        Delivery.objects.filter(channel=Channel.INAPP, read_at__isnull=True, created_at__gte=since)
        .values_list("recipient_id", flat=True)
        .distinct()
        .order_by("recipient_id")
    )


def digest_since(*, user, day: date, now: datetime) -> datetime:
    """A digest covers what arrived since the member's previous digest (or the last day)."""
    previous = (
        EmailDigest.objects.filter(user=user, sent_at__isnull=False)
        .exclude(day=day)
        .order_by("-sent_at")
        .values_list("sent_at", flat=True)
        .first()
    )
    return previous or now - timedelta(days=1)


@dataclass
class DigestGroup:
    proposal_id: int | None
    title: str
    link: str
    lines: list[str] = field(default_factory=list)


def digest_groups(*, user, since: datetime) -> list[DigestGroup]:
    """Unread in-app notifications since `since` whose kind the member gets in the digest.

    Grouped by proposal, newest first (groups ordered by their newest item); in the active language.
    """
    modes = dict(EMAIL_DEFAULTS)
    modes.update(EmailPreference.objects.filter(user=user).values_list("kind", "mode"))
    digest_kinds = [kind for kind, mode in modes.items() if mode == EmailMode.DIGEST]
    deliveries = (
        inbox(user=user)
        .filter(read_at__isnull=True, created_at__gte=since, event__kind__in=digest_kinds)
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
                link=proposal_link(event.proposal_id),
            )
        group.lines.append(headline(event.kind, event.payload))
    return list(groups.values())


# --- what beat looks for -------------------------------------------------------------------------


def join_requests_waiting(*, asked_before: datetime) -> QuerySet[Membership]:
    return Membership.objects.filter(
        status=MembershipStatus.REQUESTED, created_at__lte=asked_before
    ).select_related("proposal", "user")


def quiet_proposals(*, quiet_since: datetime) -> QuerySet[Proposal]:
    return Proposal.objects.filter(
        status__in=ACTIVE_STATUSES, last_activity_at__lte=quiet_since
    ).select_related("proposer")


def weekly_digest_sections(*, now: datetime | None = None) -> dict:
    """What the channel's weekly digest lists: the last seven days, newest first."""
    now = now or timezone.now()
    since = now - timedelta(days=7)

    def item(proposal) -> dict:
        return {
            "id": proposal.pk,
            "title": excerpt(proposal.title, 120),
            "path": proposal.get_absolute_url(),
        }

    def moved_to(status: str) -> list[dict]:
        logs = (
            TransitionLog.objects.filter(to_status=status, created_at__gte=since)
            .select_related("proposal")
            .order_by("-created_at")
        )
        seen: dict[int, dict] = {}
        for log in logs:
            seen.setdefault(log.proposal_id, item(log.proposal))
        return list(seen.values())

    return {
        "new_ideas": [
            item(p)
            for p in Proposal.objects.filter(created_at__gte=since).order_by("-created_at")[:15]
        ],
        "looking_for_people": [
            item(p)
            for p in Proposal.objects.filter(proposal_selectors.looking_for_people()).order_by(
                "-last_activity_at"
            )[:15]
        ],
        "launched": moved_to(Status.RUNNING),
        "completed": moved_to(Status.DONE),
    }


# --- Slack ---------------------------------------------------------------------------------------


def proposal_for_slack(*, proposal_id: int) -> Proposal:
    """A proposal with what its card shows (proposer, themes for routing, roles wanted)."""
    return (
        Proposal.objects.select_related("proposer")
        .prefetch_related("tags", "roles_wanted")
        .get(pk=proposal_id)
    )


def slack_thread(*, proposal_id: int) -> SlackThread | None:
    """The proposal's thread, once its card has been posted."""
    return SlackThread.objects.filter(proposal_id=proposal_id).exclude(root_ts="").first()
