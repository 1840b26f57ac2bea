"""The event catalogue: what can happen, who hears it, and how each kind reads in a sentence."""

from dataclasses import dataclass
from datetime import date, datetime

from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from introductions.choices import question_text
from proposals.choices import Status
from proposals.wording import join_names


class EventKind(models.TextChoices):
    SUBMITTED = "submitted", _("New proposal")
    TRANSITIONED = "transitioned", _("Stage changed")
    JOIN_REQUESTED = "join_requested", _("Join request")
    JOIN_ACCEPTED = "join_accepted", _("Join request accepted")
    JOIN_DECLINED = "join_declined", _("Join request declined")
    MEMBER_LEFT = "member_left", _("Member left")
    COMMENTED = "commented", _("New comment")
    CHEERED = "cheered", _("Cheers")
    JOIN_REMINDER = "join_reminder", _("Unanswered join request")
    NUDGE = "nudge", _("Quiet proposal")
    WEEKLY_DIGEST = "weekly_digest", _("Weekly channel digest")
    DELIVERY_FAILED = "delivery_failed", _("Message not delivered")
    # Invitations to a team (issue 13), recorded by proposals.services.
    INVITED = "invited", _("Invitation to a team")
    INVITATION_DECLINED = "invitation_declined", _("Invitation answered “not now”")
    INVITATION_EXPIRED = "invitation_expired", _("Invitation expired")
    # Meetups (issue 14), recorded by meetups.services through record_event_for.
    MEETUP_PROMOTED = "meetup_promoted", _("A place opened up at a meetup")
    MEETUP_CANCELLED = "meetup_cancelled", _("Meetup cancelled")
    MEETUP_MOVED = "meetup_moved", _("Meetup moved")
    MEETUP_REMINDER = "meetup_reminder", _("Meetup reminder")
    MEETUP_FOLLOW_UP = "meetup_follow_up", _("After a meetup")
    MEETUP_NARROWED = "meetup_narrowed", _("A meetup became for its team only")
    # The organisers' weekly figures (issue 15), addressed to the moderators by insight.services.
    ORGANISER_DIGEST = "organiser_digest", _("The community’s weekly figures (moderators)")
    # Commitments with an end (issue 13), recorded by proposals.services.
    COMMITMENT_ENDING = "commitment_ending", _("The time you offered a team is ending")
    COMMITMENT_FINISHED = "commitment_finished", _("A member finished their time, with thanks")
    # Introductions (issue 13), recorded by introductions.services through record_events_for.
    INTRODUCED = "introduced", _("An introduction to someone new")
    INTRODUCTION_FOLLOW_UP = "introduction_follow_up", _("“Did you get to talk?”")
    # Outgoing webhooks (issue 15): an endpoint turned off after failing again and again.
    WEBHOOK_DISABLED = "webhook_disabled", _("Webhook turned off")
    # Asking to join (issue 16): an application whose address is confirmed, for the moderators.
    APPLICATION_RECEIVED = "application_received", _("Someone asked to join (moderators)")
    # A proposal made from a member's Slack message on their behalf (issue 12): is it theirs?
    AUTHOR_ASKED = "author_asked", _("An idea from your Slack message, waiting for you to confirm")


class Channel(models.TextChoices):
    INAPP = "inapp", _("In the app")
    EMAIL = "email", _("Email")
    SLACK = "slack", _("Slack")
    # A personal message from the app to one member, in their Slack DM (a member who has linked
    # their Slack account, as they chose on the settings page: SLACK_DM_DEFAULTS).
    SLACK_DM = "slack_dm", _("Slack direct message")


class EmailMode(models.TextChoices):
    IMMEDIATELY = "immediately", _("Immediately")
    DIGEST = "digest", _("In the daily digest")
    OFF = "off", _("Off")


# The kinds a member can tune on the settings page, with their default email mode.
EMAIL_DEFAULTS: dict[str, str] = {
    EventKind.TRANSITIONED: EmailMode.DIGEST,
    EventKind.JOIN_REQUESTED: EmailMode.IMMEDIATELY,
    EventKind.JOIN_ACCEPTED: EmailMode.DIGEST,
    EventKind.JOIN_DECLINED: EmailMode.DIGEST,
    EventKind.MEMBER_LEFT: EmailMode.DIGEST,
    EventKind.COMMENTED: EmailMode.DIGEST,
    EventKind.CHEERED: EmailMode.DIGEST,
    EventKind.JOIN_REMINDER: EmailMode.DIGEST,
    EventKind.NUDGE: EmailMode.DIGEST,
    EventKind.INVITED: EmailMode.IMMEDIATELY,
    EventKind.INVITATION_DECLINED: EmailMode.DIGEST,
    EventKind.INVITATION_EXPIRED: EmailMode.DIGEST,
    # A meetup's news is about a date: it comes at once unless the member chooses otherwise.
    EventKind.MEETUP_PROMOTED: EmailMode.IMMEDIATELY,
    EventKind.MEETUP_CANCELLED: EmailMode.IMMEDIATELY,
    EventKind.MEETUP_MOVED: EmailMode.IMMEDIATELY,
    EventKind.MEETUP_REMINDER: EmailMode.IMMEDIATELY,
    EventKind.MEETUP_FOLLOW_UP: EmailMode.DIGEST,
    EventKind.MEETUP_NARROWED: EmailMode.IMMEDIATELY,
    # Itself a summary: it comes as one email on Monday unless the moderator turns it off.
    EventKind.ORGANISER_DIGEST: EmailMode.IMMEDIATELY,
    EventKind.COMMITMENT_ENDING: EmailMode.IMMEDIATELY,
    EventKind.COMMITMENT_FINISHED: EmailMode.DIGEST,
    EventKind.INTRODUCED: EmailMode.IMMEDIATELY,
    EventKind.INTRODUCTION_FOLLOW_UP: EmailMode.DIGEST,
    # Nothing reaches that receiver until a moderator turns it on again: say so at once.
    EventKind.WEBHOOK_DISABLED: EmailMode.IMMEDIATELY,
    # Someone is waiting for an answer: in the app at once, by email in the daily digest.
    EventKind.APPLICATION_RECEIVED: EmailMode.DIGEST,
    # It asks them to act (confirm, or "not me"), like an invitation.
    EventKind.AUTHOR_ASKED: EmailMode.IMMEDIATELY,
}

# Kinds only moderators ever hear of: only they see them on the email settings page.
MODERATOR_KINDS = frozenset(
    {EventKind.ORGANISER_DIGEST, EventKind.WEBHOOK_DISABLED, EventKind.APPLICATION_RECEIVED}
)

# The same kinds, with whether a member who has linked Slack gets them as a Slack direct message
# too until they choose otherwise: on for what asks them to act (an invitation) or is about a date.
SLACK_DM_DEFAULTS: dict[str, bool] = {
    kind: kind
    in {
        EventKind.INVITED,
        EventKind.MEETUP_REMINDER,
        EventKind.MEETUP_PROMOTED,
        EventKind.MEETUP_CANCELLED,
        EventKind.MEETUP_MOVED,
        EventKind.MEETUP_NARROWED,
        EventKind.COMMITMENT_ENDING,
        EventKind.AUTHOR_ASKED,
    }
    for kind in EMAIL_DEFAULTS
}

# Kinds posted as a reply in the proposal's Slack thread. A declined request stays private.
SLACK_KINDS = frozenset(
    {
        EventKind.SUBMITTED,
        EventKind.TRANSITIONED,
        EventKind.JOIN_REQUESTED,
        EventKind.JOIN_ACCEPTED,
        EventKind.MEMBER_LEFT,
        EventKind.COMMENTED,
        EventKind.CHEERED,
        EventKind.NUDGE,
        EventKind.WEEKLY_DIGEST,
    }
)


class Audience(models.TextChoices):
    """Who hears an event, before the actor is taken out."""

    NOBODY = "nobody"
    EVERYONE = "everyone"  # proposer, team members, followers
    PROPOSER = "proposer"
    APPLICANT = "applicant"  # the person whose join request was answered
    MODERATORS = "moderators"


AUDIENCE: dict[str, str] = {
    EventKind.SUBMITTED: Audience.NOBODY,
    EventKind.TRANSITIONED: Audience.EVERYONE,
    EventKind.JOIN_REQUESTED: Audience.PROPOSER,
    EventKind.JOIN_ACCEPTED: Audience.EVERYONE,
    EventKind.JOIN_DECLINED: Audience.APPLICANT,
    EventKind.MEMBER_LEFT: Audience.EVERYONE,
    EventKind.COMMENTED: Audience.EVERYONE,
    EventKind.CHEERED: Audience.EVERYONE,
    EventKind.JOIN_REMINDER: Audience.MODERATORS,
    EventKind.NUDGE: Audience.PROPOSER,
    EventKind.WEEKLY_DIGEST: Audience.NOBODY,
    # In the app only (no email default, not posted to Slack): the channel that failed may be email.
    EventKind.DELIVERY_FAILED: Audience.MODERATORS,
    # An invitation is addressed to the invitee by name (record_event_for): a kind's audience
    # never includes whom it is about. Its "not now" and its end go to the proposer.
    EventKind.INVITED: Audience.NOBODY,
    EventKind.INVITATION_DECLINED: Audience.PROPOSER,
    EventKind.INVITATION_EXPIRED: Audience.PROPOSER,
    # Addressed to the moderators by name (record_event_for), like a meetup's news.
    EventKind.ORGANISER_DIGEST: Audience.NOBODY,
    # The question is addressed to the member by name (record_event_for); their kind goodbye
    # goes to the proposer.
    EventKind.COMMITMENT_ENDING: Audience.NOBODY,
    EventKind.COMMITMENT_FINISHED: Audience.PROPOSER,
    EventKind.WEBHOOK_DISABLED: Audience.MODERATORS,
    EventKind.APPLICATION_RECEIVED: Audience.MODERATORS,
    # Addressed to the message's author by name (record_event_for).
    EventKind.AUTHOR_ASKED: Audience.NOBODY,
}


def excerpt(text: str, limit: int = 280) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def headline(kind: str, payload: dict) -> str:
    """One sentence for an event, in the active language (callers use translation.override)."""
    if kind in MeetupEventKind.values:
        return meetup_headline(kind, payload)
    if kind in CommitmentEventKind.values:
        return commitment_headline(kind, payload)
    if kind in IntroductionEventKind.values:
        return introduction_headline(kind, payload)
    if kind == EventKind.ORGANISER_DIGEST:
        return gettext("The community’s week in figures: %(start)s – %(end)s") % {
            "start": _day(payload.get("week_start")),
            "end": _day(payload.get("week_end")),
        }

    def status_label(value: str) -> str:
        return str(Status(value).label) if value in Status.values else value

    names = {
        "actor": payload.get("actor_name", ""),
        "title": payload.get("title", ""),
        "role": payload.get("role", ""),
        "applicant": payload.get("applicant_name", ""),
    }
    if kind == EventKind.SUBMITTED:
        return gettext("%(actor)s proposed “%(title)s”.") % names
    if kind == EventKind.AUTHOR_ASKED:
        return (
            gettext(
                "%(actor)s made your Slack message into a proposal, “%(title)s”, with you as its "
                "proposer. Is it yours?"
            )
            % names
        )
    if kind == EventKind.INVITED:
        return gettext("%(actor)s invited you to join “%(title)s” as %(role)s.") % names
    if kind == EventKind.INVITATION_DECLINED:
        return gettext(
            "%(invitee)s can’t join “%(title)s” just now. Thank you for asking them."
        ) % {**names, "invitee": names["applicant"]}
    if kind == EventKind.INVITATION_EXPIRED:
        return gettext(
            "Your invitation to %(invitee)s for “%(title)s” has ended without an answer."
        ) % {**names, "invitee": names["applicant"]}
    if kind == EventKind.TRANSITIONED:
        return gettext("%(actor)s moved “%(title)s” from %(source)s to %(target)s.") % {
            **names,
            "source": status_label(payload.get("from_status", "")),
            "target": status_label(payload.get("to_status", "")),
        }
    if kind == EventKind.JOIN_REQUESTED:
        return gettext("%(actor)s would like to join “%(title)s” as %(role)s.") % names
    if kind == EventKind.JOIN_ACCEPTED:
        return gettext("%(applicant)s joined “%(title)s” as %(role)s.") % names
    if kind == EventKind.JOIN_DECLINED:
        return gettext("Your request to join “%(title)s” was answered.") % names
    if kind == EventKind.MEMBER_LEFT:
        return gettext("%(actor)s stepped back from “%(title)s”.") % names
    if kind == EventKind.COMMENTED:
        return gettext("%(actor)s commented on “%(title)s”.") % names
    if kind == EventKind.CHEERED:
        cheerers = payload.get("cheerer_names", [])
        count = len(cheerers)
        return ngettext(
            "%(count)d person cheered “%(title)s”.",
            "%(count)d people cheered “%(title)s”.",
            count,
        ) % {"count": count, "title": names["title"]}
    if kind == EventKind.JOIN_REMINDER:
        return gettext(
            "%(applicant)s asked to join “%(title)s” %(days)d days ago and is still waiting for an answer."
        ) % {**names, "days": payload.get("days", 3)}
    if kind == EventKind.NUDGE:
        return (
            gettext(
                "It has been quiet around “%(title)s” for a while. Still going, or time for a pause?"
            )
            % names
        )
    if kind == EventKind.WEEKLY_DIGEST:
        return gettext("This week in the incubator")
    if kind == EventKind.DELIVERY_FAILED:
        channel = payload.get("channel", "")
        failure = {
            **names,
            "channel": str(Channel(channel).label) if channel in Channel.values else channel,
            "error": payload.get("error", ""),
        }
        if names["title"]:
            return (
                gettext(
                    "A message about “%(title)s” could not be delivered by %(channel)s: %(error)s"
                )
                % failure
            )
        return gettext("A message could not be delivered by %(channel)s: %(error)s") % failure
    if kind == EventKind.APPLICATION_RECEIVED:
        return gettext("%(name)s would like to join the community.") % {
            "name": payload.get("applicant_name", "")
        }
    if kind == EventKind.WEBHOOK_DISABLED:
        failures = payload.get("failures", 0)
        return ngettext(
            "The webhook “%(name)s” was turned off after %(count)d failed delivery in a row "
            "(%(error)s). Nothing is sent to it until a moderator turns it on again.",
            "The webhook “%(name)s” was turned off after %(count)d failed deliveries in a row "
            "(%(error)s). Nothing is sent to it until a moderator turns it on again.",
            failures,
        ) % {"name": payload.get("name", ""), "count": failures, "error": payload.get("error", "")}
    return names["title"]


def headline_for(kind: str, payload: dict, recipient_id: int | None) -> str:
    """The event's headline as one recipient reads it (in the app, an email, a direct message), in
    the active language: an answer to a join request is addressed to the person who asked; an
    introduction names the others."""
    if kind == EventKind.JOIN_ACCEPTED and payload.get("applicant_id") == recipient_id:
        return gettext("Your request to join “%(title)s” was accepted.") % {
            "title": payload.get("title", "")
        }
    if kind in IntroductionEventKind.values:
        return introduction_headline(kind, payload, recipient_id=recipient_id)
    return headline(kind, payload)


class InvitationEventKind:
    """The invitations' kinds by their short names (EventKind values). "not now" and an end reach
    the proposer (record_event); the invitation itself is addressed to the invitee by name
    (record_event_for). An accepted invitation is an EventKind.JOIN_ACCEPTED, like an accepted
    request."""

    INVITED = EventKind.INVITED
    DECLINED = EventKind.INVITATION_DECLINED
    EXPIRED = EventKind.INVITATION_EXPIRED
    values = (INVITED, DECLINED, EXPIRED)


class MeetupEventKind:
    """The meetups' kinds by their short names (EventKind values), each addressed by
    meetups.services to the people it concerns (workers.services.record_event_for)."""

    PROMOTED = EventKind.MEETUP_PROMOTED
    CANCELLED = EventKind.MEETUP_CANCELLED
    MOVED = EventKind.MEETUP_MOVED
    REMINDER = EventKind.MEETUP_REMINDER
    FOLLOW_UP = EventKind.MEETUP_FOLLOW_UP
    # To people who had answered a meetup that its hosts then made for the team only.
    NARROWED = EventKind.MEETUP_NARROWED
    values = (PROMOTED, CANCELLED, MOVED, REMINDER, FOLLOW_UP, NARROWED)


def _meetup_when(value: str) -> str:
    """The meetup's start (stored as ISO 8601), in the active time zone and language."""
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return ""
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def meetup_headline(kind: str, payload: dict) -> str:
    """One sentence for a meetup event, in the active language."""
    names = {"title": payload.get("title", ""), "when": _meetup_when(payload.get("starts_at"))}
    if kind == MeetupEventKind.PROMOTED:
        return gettext("A place opened up: you are going to “%(title)s” (%(when)s).") % names
    if kind == MeetupEventKind.CANCELLED:
        return gettext("“%(title)s” (%(when)s) is cancelled.") % names
    if kind == MeetupEventKind.MOVED:
        return gettext("“%(title)s” has moved: it is now %(when)s.") % names
    if kind == MeetupEventKind.REMINDER:
        return gettext("Reminder: “%(title)s” starts %(when)s.") % names
    if kind == MeetupEventKind.NARROWED:
        return (
            gettext(
                "“%(title)s” (%(when)s) is now for its team only, so your answer has been "
                "taken off. Thank you for wanting to come; there are other meetups to join."
            )
            % names
        )
    if kind == MeetupEventKind.FOLLOW_UP:
        return (
            gettext(
                "Thank you for coming to “%(title)s”! Anything you’d like to try? "
                "Write it down as a proposal."
            )
            % names
        )
    return names["title"]


# --- the organisers' weekly figures --------------------------------------------------------------

# The figures of EventKind.ORGANISER_DIGEST, in the order they are shown: the payload's
# "this_week" and "last_week" each map these keys to a count (None: not known).
DIGEST_FIGURES: dict[str, str] = {
    "ideas": _("New ideas"),
    "reached_discussion": _("Of them, reached discussion"),
    "reached_team_forming": _("Of them, reached team forming"),
    "reached_running": _("Of them, reached running"),
    "reached_done": _("Of them, reached done"),
    "first_time_joiners": _("Members who joined a team for the first time"),
    "active_members": _("Active members"),
    "quiet_proposals": _("Proposals quiet for 30 days or more"),
    "join_requests_waiting": _("Join requests waiting for an answer"),
    "oldest_request_days": _("Oldest waiting request (days)"),
    "meetups_held": _("Meetups held"),
    "meetup_attendances": _("Times people came"),
}


@dataclass(frozen=True)
class FigureRow:
    label: str
    this_week: str
    last_week: str
    change: str  # "+3", "−1", "±0"; "—" when either week is not known


def _day(value) -> str:
    """A day stored as ISO 8601 (YYYY-MM-DD), in the active language's one date format."""
    try:
        day = date.fromisoformat(value)
    except (TypeError, ValueError):
        return ""
    return formats.date_format(day, "DATE_FORMAT")


def _count(value) -> str:
    return "—" if value is None else str(value)


def _change(this, last) -> str:
    if not isinstance(this, int) or not isinstance(last, int):
        return "—"
    difference = this - last
    if difference == 0:
        return "±0"
    return f"+{difference}" if difference > 0 else f"\u2212{-difference}"


def figure_rows(kind: str, payload: dict) -> list[FigureRow]:
    """The table an event carries (the organisers' weekly figures: this week, the week before and
    the change), in the active language; [] for kinds without one."""
    if kind != EventKind.ORGANISER_DIGEST:
        return []
    this, last = payload.get("this_week") or {}, payload.get("last_week") or {}
    return [
        FigureRow(
            label=str(label),
            this_week=_count(this.get(key)),
            last_week=_count(last.get(key)),
            change=_change(this.get(key), last.get(key)),
        )
        for key, label in DIGEST_FIGURES.items()
    ]


def summary(kind: str, payload: dict) -> str:
    """What an event says beyond its headline, as plain text (a plain-text email, a Slack DM), in
    the active language and time zone; "" when the headline says it all."""
    rows = figure_rows(kind, payload)
    if not rows:
        return ""
    lines = [
        gettext("%(label)s: %(this)s (the week before: %(last)s, %(change)s)")
        % {"label": row.label, "this": row.this_week, "last": row.last_week, "change": row.change}
        for row in rows
    ]
    note = figures_note(kind, payload)
    return "\n".join([*lines, note] if note else lines)


def figures_note(kind: str, payload: dict) -> str:
    """When the figures that say how things stand were counted, in the reader's time zone."""
    if kind != EventKind.ORGANISER_DIGEST:
        return ""
    when = _meetup_when(payload.get("as_of"))
    if not when:
        return ""
    return gettext(
        "Quiet proposals and waiting join requests are counted as of %(when)s; the rest for "
        "each whole week."
    ) % {"when": when}


class CommitmentEventKind:
    """A time offered until a day (proposals.commitments): the gentle question a week before and
    its one reminder (ENDING, to the member, by name), and the kind goodbye (FINISHED, to the
    proposer)."""

    ENDING = EventKind.COMMITMENT_ENDING
    FINISHED = EventKind.COMMITMENT_FINISHED
    values = (ENDING, FINISHED)


def commitment_headline(kind: str, payload: dict) -> str:
    """One sentence for a commitment's event, in the active language."""
    names = {
        "title": payload.get("title", ""),
        "until": _day(payload.get("until")),
        "name": payload.get("actor_name", ""),
    }
    if kind == CommitmentEventKind.ENDING and payload.get("reminder"):
        return (
            gettext(
                "Just once more, gently: your time with “%(title)s” was planned until %(until)s. "
                "Would you like to continue, or finish with thanks? Either is fine."
            )
            % names
        )
    if kind == CommitmentEventKind.ENDING:
        return (
            gettext(
                "Your time with “%(title)s” is planned until %(until)s. Would you like to "
                "continue, or finish there with thanks? Either is fine."
            )
            % names
        )
    if kind == CommitmentEventKind.FINISHED:
        return (
            gettext(
                "%(name)s has finished their time with “%(title)s”, with thanks. They stay among "
                "the people who helped."
            )
            % names
        )
    return names["title"]


class IntroductionEventKind:
    """The introductions' kinds by their short names (EventKind values), addressed by
    introductions.services to the people introduced, when they are not all on Slack (on Slack,
    their group DM says it)."""

    INTRODUCED = EventKind.INTRODUCED
    FOLLOW_UP = EventKind.INTRODUCTION_FOLLOW_UP
    values = (INTRODUCED, FOLLOW_UP)


def introduction_headline(kind: str, payload: dict, *, recipient_id: int | None = None) -> str:
    """One sentence for an introduction, naming the others (everyone when the reader is not
    said), in the active language."""
    people = [
        name
        for person_id, name in payload.get("people") or []
        if recipient_id is None or person_id != recipient_id
    ]
    names = {"names": join_names(people), "shared": join_names(payload.get("shared") or [])}
    if kind == IntroductionEventKind.FOLLOW_UP:
        return gettext("Did you get to talk with %(names)s?") % names
    if names["shared"]:
        return gettext("Meet %(names)s! You share an interest in %(shared)s.") % names
    return gettext("Meet %(names)s! Someone new to get to know.") % names


def introduction_question(payload: dict) -> str:
    """ "A first question to ask: …", in the active language."""
    question = question_text(payload.get("question", ""), payload.get("theme", ""))
    return gettext("A first question to ask: %(question)s") % {"question": question}
