"""Every read of the workers: who hears an event, the member's inbox, what a digest lists.

Each runs a fixed number of queries, whatever the data size.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from members.models import MODERATORS_GROUP
from members.suggestions import teams_for_member
from proposals import selectors as proposal_selectors
from proposals.choices import ACTIVE_STATUSES, MembershipStatus, Status
from proposals.models import Follow, Membership, Proposal, TransitionLog
from proposals.permissions import is_moderator

from .events import (
    AUDIENCE,
    EMAIL_DEFAULTS,
    MODERATOR_KINDS,
    SLACK_DM_DEFAULTS,
    Audience,
    Channel,
    EmailMode,
    EventKind,
    IntroductionEventKind,
    excerpt,
    headline_for,
    introduction_question,
    summary,
)
from .models import Delivery, EmailDigest, EmailPreference, Event, SlackDmPreference, SlackThread

# --- who hears an event --------------------------------------------------------------------------


# The answers to a join request: the applicant hears these, addressed to them.
ANSWER_KINDS = frozenset({EventKind.JOIN_ACCEPTED, EventKind.JOIN_DECLINED})
# The community's moderators (superusers moderate too), as a filter on members.
MODERATORS = Q(groups__name=MODERATORS_GROUP) | Q(is_superuser=True)


def audience_members(*, kind: str, proposal, actor_id: int | None, payload: dict) -> dict[int, str]:
    """Who hears an event: proposer, team members and followers (as the kind says), never the
    actor; only active members. Each with their linked Slack account's id ("" when none), which
    their Slack direct messages need (slack_dm_ids): one query, where looking up the team, the
    followers, who is active and who linked Slack took four."""
    audience = AUDIENCE[kind]
    left_out = {actor_id, *payload.get("cheerer_ids", [])}
    # Nobody hears of their own joining, leaving or waiting: only an answer is addressed to the
    # person it is about (and reads so, see notification_text).
    if kind not in ANSWER_KINDS:
        left_out.add(payload.get("applicant_id"))
    if audience == Audience.EVERYONE:
        people = (
            Q(pk=proposal.proposer_id)
            | Q(
                pk__in=Membership.objects.filter(
                    proposal=proposal, status=MembershipStatus.ACCEPTED
                ).values("user_id")
            )
            | Q(pk__in=Follow.objects.filter(proposal=proposal).values("user_id"))
        )
    elif audience == Audience.MODERATORS:
        people = MODERATORS
    elif audience in (Audience.PROPOSER, Audience.APPLICANT):
        named = proposal.proposer_id if audience == Audience.PROPOSER else payload["applicant_id"]
        if named in left_out:
            return {}
        people = Q(pk=named)
    else:
        return {}
    members = get_user_model().objects.filter(people, is_active=True)
    return {
        pk: slack_user_id
        for pk, slack_user_id in members.values_list("pk", "slack_user_id")
        if pk not in left_out
    }


def moderator_ids() -> set[int]:
    """The community's active moderators (superusers moderate too)."""
    return set(
        get_user_model().objects.filter(MODERATORS, is_active=True).values_list("pk", flat=True)
    )


def recorded_payload(*, dedupe_key: str) -> dict | None:
    """The payload of the event recorded under this key (a periodic one), None if there is none."""
    return Event.objects.filter(dedupe_key=dedupe_key).values_list("payload", flat=True).first()


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


def slack_dm_ids(*, user_ids: set[int], kind: str, linked: set[int] | None = None) -> set[int]:
    """Who of these members gets `kind` as a Slack direct message: those who have linked their
    Slack account (a member without one gets none) and want it (their saved choice, else the
    kind's default). Two queries at most; one when the caller knows which of them are active
    and `linked` their account (audience_members)."""
    if kind not in SLACK_DM_DEFAULTS or not user_ids:
        return set()
    if linked is None:
        linked = set(
            get_user_model()
            .objects.filter(pk__in=user_ids, is_active=True)
            .exclude(slack_user_id="")
            .values_list("pk", flat=True)
        )
    if not linked:
        return set()
    wants = dict.fromkeys(linked, SLACK_DM_DEFAULTS[kind])
    wants.update(
        SlackDmPreference.objects.filter(user_id__in=linked, kind=kind).values_list(
            "user_id", "enabled"
        )
    )
    return {user_id for user_id, enabled in wants.items() if enabled}


# --- the member's inbox (in-app notifications) ---------------------------------------------------

NOTIFICATIONS_PAGE = 30


@dataclass
class Notification:
    id: int
    kind: str
    text: str
    created_at: datetime
    unread: bool
    proposal_id: int | None = None
    # Where the notification points: the proposal (at the comment, the team, ...), or the moderators'
    # page for a failed delivery.
    url: str = ""
    # What was said with it (a comment, a move's note, a join request's message, the reply to one),
    # and, for a reply, who replied.
    quote: str = ""
    reply_from: str = ""


@dataclass
class NotificationGroup:
    proposal_id: int | None
    title: str
    items: list[Notification] = field(default_factory=list)

    @property
    def unread(self) -> int:
        return sum(item.unread for item in self.items)


@dataclass
class NotificationPage:
    groups: list[NotificationGroup]
    # The id of the oldest notification shown, when there are older ones.
    older_than: int | None


def inbox(*, user) -> QuerySet[Delivery]:
    return Delivery.objects.filter(channel=Channel.INAPP, recipient_id=user.pk)


def unread_count(*, user) -> int:
    """Counted on every page from the (recipient, channel, read_at) index: always the truth, and
    nothing outside the database to keep in step (or to be down) when the inbox changes."""
    # One statement written once: as a queryset, building and compiling the count cost every
    # page several times what the count itself did.
    quote = connection.ops.quote_name

    def column(name: str) -> str:
        return quote(Delivery._meta.get_field(name).column)

    sql = (
        f"SELECT COUNT(*) FROM {quote(Delivery._meta.db_table)} WHERE {column('channel')} = %s "
        f"AND {column('recipient')} = %s AND {column('read_at')} IS NULL"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [Channel.INAPP.value, user.pk])
        return cursor.fetchone()[0]


def notification_text(*, kind: str, payload: dict, recipient_id: int | None) -> str:
    """The event's headline as this recipient reads it, in the active language: an answer to a
    join request is addressed to the person who asked (events.headline_for)."""
    return headline_for(kind, payload, recipient_id)


def notification_quote(*, kind: str, payload: dict, recipient_id: int | None) -> tuple[str, str]:
    """What was said with the event, and, for the answer to a join request (which only the person
    who asked is shown), who replied. ("", "") when nothing was said."""
    if kind in ANSWER_KINDS:
        if payload.get("applicant_id") != recipient_id:
            return "", ""
        return payload.get("response", ""), payload.get("actor_name", "")
    if kind == EventKind.INTRODUCED:
        return introduction_question(payload), ""
    if kind == EventKind.WELCOME:
        return summary(kind, payload), ""
    key = {
        EventKind.COMMENTED: "excerpt",
        EventKind.TRANSITIONED: "note",
        EventKind.JOIN_REQUESTED: "message",
    }.get(kind)
    return (payload.get(key, "") if key else ""), ""


def notification_path(*, kind: str, proposal_id: int | None, payload: dict) -> str:
    """Where a notification points, as a path of this site."""
    if kind == EventKind.DELIVERY_FAILED:
        return reverse("moderation:page") + "#deliveries"
    if (
        kind.startswith("meetup_")
        or kind in (EventKind.ORGANISER_DIGEST, EventKind.WELCOME, EventKind.MEMBER_ARRIVED)
        or kind in IntroductionEventKind.values
        or kind == EventKind.APPLICATION_RECEIVED
    ):
        # Meetups' kinds (MeetupEventKind's, and "meetup_follow_up") carry their page, or the
        # proposal form after a meetup, in the payload; the organisers' figures their week on the
        # insight page; introductions the member's own introductions. Only a path of this site is
        # followed, never one a browser reads as another site ("//host", "/\\host", "/\t/host").
        path = payload.get("path")
        if (
            isinstance(path, str)
            and path.startswith("/")
            and url_has_allowed_host_and_scheme(path, allowed_hosts=set())
        ):
            return path
        return ""
    if kind == EventKind.WEBHOOK_DISABLED and isinstance(payload.get("endpoint_id"), int):
        return reverse("webhooks:detail", args=[payload["endpoint_id"]])
    if kind == EventKind.INVITED and isinstance(payload.get("invitation_id"), int):
        return reverse("proposals:invitation", args=[payload["invitation_id"]])
    if kind == EventKind.COMMITMENT_ENDING and isinstance(payload.get("membership_id"), int):
        # The question's own page: continue (a new day) or finish with thanks.
        return reverse("proposals:commitment", args=[payload["membership_id"]])
    if proposal_id is None:
        return ""
    path = reverse("proposals:detail", args=[proposal_id])
    if kind == EventKind.COMMENTED and payload.get("comment_id"):
        # The whole discussion, so that an earlier comment is on the page too.
        return f"{path}?all=1#comment-{payload['comment_id']}"
    if kind in (
        EventKind.JOIN_REQUESTED,
        EventKind.JOIN_REMINDER,
        EventKind.COMMITMENT_FINISHED,
        *ANSWER_KINDS,
    ):
        return f"{path}#team"
    return path


def _notification(delivery: Delivery) -> Notification:
    event = delivery.event
    quote, reply_from = notification_quote(
        kind=event.kind, payload=event.payload, recipient_id=delivery.recipient_id
    )
    return Notification(
        id=delivery.pk,
        kind=event.kind,
        text=notification_text(
            kind=event.kind, payload=event.payload, recipient_id=delivery.recipient_id
        ),
        created_at=delivery.created_at,
        unread=delivery.read_at is None,
        proposal_id=event.proposal_id,
        url=notification_path(
            kind=event.kind, proposal_id=event.proposal_id, payload=event.payload
        ),
        quote=quote,
        reply_from=reply_from,
    )


def notification_page(
    *, user, older_than: int | None = None, size: int = NOTIFICATIONS_PAGE
) -> NotificationPage:
    """A page of the member's notifications, newest first, grouped by proposal (groups ordered by
    their newest item); `older_than` (a notification id) starts the page after that one.

    Two queries at most; headlines are written in the active language. Raises
    Delivery.DoesNotExist when `older_than` is no notification of this member.
    """
    deliveries = inbox(user=user).select_related("event").order_by("-created_at", "-id")
    if older_than is not None:
        start = inbox(user=user).values_list("created_at", flat=True).get(pk=older_than)
        deliveries = deliveries.filter(
            Q(created_at__lt=start) | Q(created_at=start, pk__lt=older_than)
        )
    rows = list(deliveries[: size + 1])
    shown = rows[:size]
    groups: dict[int | None, NotificationGroup] = {}
    for delivery in shown:
        event = delivery.event
        group = groups.setdefault(
            event.proposal_id,
            NotificationGroup(proposal_id=event.proposal_id, title=event.payload.get("title", "")),
        )
        group.items.append(_notification(delivery))
    return NotificationPage(
        groups=list(groups.values()),
        older_than=shown[-1].pk if len(rows) > size else None,
    )


def notification_groups(*, user, limit: int = NOTIFICATIONS_PAGE) -> list[NotificationGroup]:
    """The latest notifications grouped by proposal (the first page)."""
    return notification_page(user=user, size=limit).groups


def notification(*, user, delivery_id: int) -> Notification | None:
    """One of the member's notifications (to show it again once it is read)."""
    delivery = inbox(user=user).select_related("event").filter(pk=delivery_id).first()
    return _notification(delivery) if delivery else None


@dataclass(frozen=True)
class PreferenceRow:
    kind: str
    label: str
    mode: str
    # Whether it comes as a Slack direct message too (shown to members who have linked Slack).
    slack_dm: bool = False


def tunable_kinds(*, user) -> list[str]:
    """The kinds this member chooses emails for: the moderators' own only for moderators."""
    moderator = is_moderator(user)
    return [kind for kind in EMAIL_DEFAULTS if moderator or kind not in MODERATOR_KINDS]


def email_preferences(*, user) -> list[PreferenceRow]:
    """The settings page's rows: each tunable kind, its email mode and its Slack DM choice."""
    saved = dict(EmailPreference.objects.filter(user=user).values_list("kind", "mode"))
    dms = dict(SlackDmPreference.objects.filter(user=user).values_list("kind", "enabled"))
    return [
        PreferenceRow(
            kind=kind,
            label=str(EventKind(kind).label),
            mode=saved.get(kind, EMAIL_DEFAULTS[kind]),
            slack_dm=dms.get(kind, SLACK_DM_DEFAULTS[kind]),
        )
        for kind in tunable_kinds(user=user)
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
    items: list[Notification] = field(default_factory=list)

    @property
    def lines(self) -> list[str]:
        return [item.text for item in self.items]


def digest_groups(*, user, since: datetime) -> list[DigestGroup]:
    """Unread in-app notifications since `since` whose kind the member gets in the digest.

    Grouped by proposal, newest first (groups ordered by their newest item); in the active language,
    each as the member reads it in the app (with what was said and a link of its own).
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
        group.items.append(_notification(delivery))
    return list(groups.values())


# "Teams looking for someone like you" (issue 13), a short section of the digest: up to this many,
# at most once in this many days, and only for a member open to suggestions.
DIGEST_TEAMS_SHOWN = 3
DIGEST_TEAMS_EVERY_DAYS = 7


@dataclass(frozen=True)
class DigestTeam:
    title: str
    link: str
    why: str  # the one scorer's explanation, in the active language: 「関心: 福祉 · スキル: デザイン」


def digest_teams(*, user, day: date) -> list[DigestTeam]:
    """What the member's digest of `day` suggests (members.suggestions.teams_for_member, which
    suggests nothing to a member not open to suggestions): none when a digest of the past week
    already did."""
    if not user.open_to_suggestions:
        return []
    shown_lately = (
        EmailDigest.objects.filter(
            user=user,
            sent_at__isnull=False,
            suggestion_count__gt=0,
            day__gt=day - timedelta(days=DIGEST_TEAMS_EVERY_DAYS),
        )
        .exclude(day=day)
        .exists()
    )
    if shown_lately:
        return []
    return [
        DigestTeam(
            title=suggestion.proposal.title,
            link=proposal_link(suggestion.proposal.pk),
            why=suggestion.match.explanation,
        )
        for suggestion in teams_for_member(member=user, limit=DIGEST_TEAMS_SHOWN)
    ]


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
