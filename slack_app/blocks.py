"""Everything we show in Slack, as pure functions of data: cards, thread replies, the weekly digest,
modals and the private answers to commands and buttons.

Each builder escapes every piece of member-written text (titles, summaries, names, roles, comments)
in every field Slack parses, the message's top-level `text` (the notification fallback) included, and
keeps within Block Kit's limits. Strings are translated in the language the caller has activated.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from introductions.choices import Answer as IntroductionAnswer
from meetups.choices import Answer, RsvpStatus
from proposals.choices import ACTIVE_STATUSES, Status
from proposals.commitments import MONTH_CHOICES
from proposals.wording import join_names
from workers.events import EventKind, MeetupEventKind, headline, headline_for

from .client import escape

# Block Kit's limits (https://docs.slack.dev/reference/block-kit/blocks).
TEXT_MAX = 3000  # the top-level fallback: Slack allows more, a notification shows far less
SECTION_MAX = 3000
FIELD_MAX = 2000
HEADER_MAX = 150
BUTTON_TEXT_MAX = 75
BLOCKS_MAX = 50
MODAL_TITLE_MAX = 24
LABEL_MAX = 2000
DIGEST_ITEMS_MAX = 15
LISTING_MAX = 10

SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,30}$")
_OPEN_ENTITY = re.compile(r"&[a-z]{0,3}$")


def clip(text: str, limit: int) -> str:
    """Shorten already escaped text to `limit`, never cutting an entity (&amp;) or a <link> in two."""
    if len(text) <= limit:
        return text
    cut = _OPEN_ENTITY.sub("", text[: limit - 1])
    if cut.rfind("<") > cut.rfind(">"):
        cut = cut[: cut.rfind("<")]
    return cut + "…"


def _plain(text: str, limit: int) -> dict:
    return {"type": "plain_text", "text": clip(text, limit) or " ", "emoji": True}


def _mrkdwn(text: str, limit: int = SECTION_MAX) -> dict:
    return {"type": "mrkdwn", "text": clip(text, limit) or " "}


def _button(label: str, action_id: str, value: str | None = None, url: str | None = None) -> dict:
    button = {"type": "button", "text": _plain(label, BUTTON_TEXT_MAX), "action_id": action_id}
    if value is not None:
        button["value"] = value
    if url is not None:
        button["url"] = url
    return button


def _link(url: str, label: str) -> str:
    """A mrkdwn link to one of our own pages; the label is member text and is escaped."""
    return f"<{url}|{escape(label)}>"


@dataclass(frozen=True)
class Person:
    name: str
    slack_user_id: str = ""


def mention(person: Person | None) -> str:
    """A Slack mention when the member's Slack id is known (and well formed), else the escaped name."""
    if person is None:
        return ""
    if SLACK_USER_ID.match(person.slack_user_id or ""):
        return f"<@{person.slack_user_id}>"
    return escape(person.name)


@dataclass(frozen=True)
class Message:
    """A message's notification fallback and its blocks: the keyword arguments of a post."""

    text: str
    blocks: list[dict]


def _message(text: str, blocks: list[dict]) -> Message:
    return Message(text=clip(text, TEXT_MAX), blocks=blocks[:BLOCKS_MAX])


# --- the proposal's card (the thread's root message) ---------------------------------------------


@dataclass(frozen=True)
class OpenRole:
    name: str
    open: int


@dataclass(frozen=True)
class Card:
    proposal_id: int
    title: str
    summary: str
    status: str
    proposer: Person
    team_size: int
    cheers: int
    comments: int
    url: str
    open_roles: tuple[OpenRole, ...] = field(default=())
    # Made from someone's Slack message as their idea, not confirmed by them yet: their name.
    idea_from: str = ""


def stage_label(status: str) -> str:
    return str(Status(status).label) if status in Status.values else escape(status)


def card(data: Card, *, version: int) -> Message:
    """The root message: the proposal's current state. A new block_id per version, as Slack asks."""
    stage = stage_label(data.status)
    roles_text = join_names(
        f"{escape(role.name)} ×{role.open}" for role in data.open_roles if role.open
    ) or _("none")
    # Labels outside the f-strings, where makemessages can find them.
    labels = (_("Stage"), capfirst(_("proposer")), _("Team size"), capfirst(_("roles wanted")))
    values = (stage, mention(data.proposer), data.team_size, roles_text)
    fields = [
        _mrkdwn(f"*{label}*\n{value}", FIELD_MAX)
        for label, value in zip(labels, values, strict=True)
    ]
    counts = " · ".join(
        [
            ngettext("%(count)d cheer", "%(count)d cheers", data.cheers) % {"count": data.cheers},
            ngettext("%(count)d comment", "%(count)d comments", data.comments)
            % {"count": data.comments},
        ]
    )
    value = str(data.proposal_id)
    buttons = [
        _button(_("Open"), "proposal_open", url=data.url),
        _button(_("Cheer"), "proposal_cheer", value=value),
    ]
    if data.status in ACTIVE_STATUSES:
        buttons.append(_button(_("I'd like to join"), "proposal_join", value=value))
    block = f"p{data.proposal_id}v{version}"
    blocks = [
        {"type": "header", "block_id": f"{block}h", "text": _plain(escape(data.title), HEADER_MAX)},
        {
            "type": "section",
            "block_id": f"{block}s",
            "text": _mrkdwn(escape(data.summary)),
            "fields": fields,
        },
        {"type": "context", "block_id": f"{block}c", "elements": [_mrkdwn(counts)]},
        {"type": "actions", "block_id": f"{block}a", "elements": buttons},
    ]
    if data.idea_from:
        waiting = _("An idea from %(name)s, waiting for them to confirm") % {
            "name": escape(data.idea_from)
        }
        blocks.insert(
            2, {"type": "context", "block_id": f"{block}o", "elements": [_mrkdwn(waiting)]}
        )
    return _message(f"{escape(data.title)} — {stage}", blocks)


def unfurl(data: Card) -> dict:
    """A link to the proposal's page, unfurled (chat.unfurl): a compact card with the channel
    card's own Cheer and join buttons (the same action ids, so the same handlers answer them)."""
    stage = stage_label(data.status)
    roles_text = join_names(
        f"{escape(role.name)} ×{role.open}" for role in data.open_roles if role.open
    )
    labelled = [(_("Stage"), stage), (capfirst(_("proposer")), mention(data.proposer))]
    if roles_text:
        labelled.append((capfirst(_("roles wanted")), roles_text))
    # "Stage: Idea" (Japanese puts a full-width colon there).
    facts = [
        _("%(label)s: %(value)s") % {"label": label, "value": value} for label, value in labelled
    ]
    value = str(data.proposal_id)
    buttons = [_button(_("Cheer"), "proposal_cheer", value=value)]
    if data.status in ACTIVE_STATUSES:
        buttons.append(_button(_("I'd like to join"), "proposal_join", value=value))
    block = f"u{data.proposal_id}"
    return {
        "blocks": [
            {
                "type": "section",
                "block_id": f"{block}s",
                "text": _mrkdwn(f"*{_link(data.url, data.title)}*\n{escape(data.summary)}"),
            },
            {
                "type": "context",
                "block_id": f"{block}c",
                "elements": [_mrkdwn(" · ".join(facts))],
            },
            {"type": "actions", "block_id": f"{block}a", "elements": buttons},
        ]
    }


# --- a meetup's announcement (a card of its own in the community's channel) ----------------------

# The action ids of the card's RSVP buttons, and the answer each gives (meetups.choices.Answer).
MEETUP_ANSWERS = {
    "meetup_going": Answer.GOING,
    "meetup_maybe": Answer.MAYBE,
    "meetup_cant": Answer.CANT,
}


@dataclass(frozen=True)
class MeetupCard:
    meetup_id: int
    title: str
    kind_label: str
    starts_at: datetime
    ends_at: datetime
    # The community's time zone (an IANA name): the card is one for everyone, so it says which.
    zone: str
    place: str
    has_online_link: bool
    going: int
    waiting: int
    maybe: int
    capacity: int | None
    url: str
    hosts: tuple[Person, ...] = field(default=())
    cancelled: bool = False
    cancel_note: str = ""
    ended: bool = False
    # Whether the whole community may see it (a meetup moved to its team only is not shown).
    public: bool = True


def meetup_when(starts_at: datetime, ends_at: datetime, zone: str) -> str:
    """When, as "12 July 2025, 19:00 – 21:00 (Asia/Tokyo)": in the active language, the zone named."""
    tz = ZoneInfo(zone)
    start, end = starts_at.astimezone(tz), ends_at.astimezone(tz)
    until = (
        formats.time_format(end, "TIME_FORMAT")
        if end.date() == start.date()
        else formats.date_format(end, "DATETIME_FORMAT")
    )
    return f"{formats.date_format(start, 'DATETIME_FORMAT')} – {until} ({zone})"


def meetup_counts(data: MeetupCard) -> str:
    """The counts in the meetup page's own words: "3 of 20 going · 1 waiting · 2 maybe"."""
    if data.capacity is not None:
        parts = [
            _("%(going)s of %(capacity)s going") % {"going": data.going, "capacity": data.capacity}
        ]
    else:
        parts = [
            ngettext("%(counter)s going", "%(counter)s going", data.going) % {"counter": data.going}
        ]
    if data.waiting:
        parts.append(
            ngettext("%(counter)s waiting", "%(counter)s waiting", data.waiting)
            % {"counter": data.waiting}
        )
    if data.maybe:
        parts.append(
            ngettext("%(counter)s maybe", "%(counter)s maybe", data.maybe) % {"counter": data.maybe}
        )
    if data.capacity is not None and data.going >= data.capacity:
        parts.append(_("Full: waiting list"))
    return " · ".join(parts)


def meetup_card(data: MeetupCard, *, version: int) -> Message:
    """The meetup's announcement: what, when (in the community's zone, named), where, who hosts,
    the counts and the RSVP buttons. Never the online link, whoever may see it: people going are
    given it in the private answer to their RSVP, and on the meetup's page."""
    block = f"m{data.meetup_id}v{version}"
    if not data.public:
        text = _("This meetup is no longer open to the whole community.")
        return _message(text, [{"type": "section", "block_id": f"{block}s", "text": _mrkdwn(text)}])
    title = escape(data.title)
    when = meetup_when(data.starts_at, data.ends_at, data.zone)
    where = [escape(data.place)] if data.place.strip() else []
    if data.has_online_link:
        where.append(_("Online (the link comes with your answer “Going”)"))
    hosts = join_names(mention(host) for host in data.hosts)
    labels = (_("When"), capfirst(_("place")), capfirst(_("kind")), capfirst(_("hosts")))
    values = (when, "\n".join(where), escape(data.kind_label), hosts or " ")
    fields = [
        _mrkdwn(f"*{label}*\n{value}", FIELD_MAX)
        for label, value in zip(labels, values, strict=True)
    ]
    heading = title
    if data.cancelled:
        heading = _("Cancelled: %(title)s") % {"title": title}
    blocks: list[dict] = [
        {"type": "header", "block_id": f"{block}h", "text": _plain(heading, HEADER_MAX)},
        {
            "type": "section",
            "block_id": f"{block}s",
            "text": _mrkdwn(_link(data.url, _("The meetup's page"))),
            "fields": fields,
        },
    ]
    if data.cancelled:
        note = _("This meetup is cancelled.")
        if data.cancel_note.strip():
            note = f"{note}\n> {escape(data.cancel_note)}"
        blocks.append({"type": "section", "block_id": f"{block}x", "text": _mrkdwn(note)})
        return _message(_("Cancelled: %(title)s") % {"title": title}, blocks)
    blocks.append(
        {"type": "context", "block_id": f"{block}c", "elements": [_mrkdwn(meetup_counts(data))]}
    )
    if data.ended:
        blocks.append(
            {
                "type": "context",
                "block_id": f"{block}e",
                "elements": [_mrkdwn(_("This meetup is over; answers are closed."))],
            }
        )
    else:
        value = str(data.meetup_id)
        labels = {
            "meetup_going": _("Going"),
            "meetup_maybe": _("Maybe"),
            "meetup_cant": _("Can't make it"),
        }
        buttons = [_button(label, action, value=value) for action, label in labels.items()]
        buttons[0]["style"] = "primary"
        blocks.append({"type": "actions", "block_id": f"{block}a", "elements": buttons})
    return _message(f"{title} — {when}", blocks)


# --- one event, as a reply in the proposal's thread ----------------------------------------------


@dataclass(frozen=True)
class Reply:
    kind: str
    payload: dict
    actor: Person | None = None
    proposer: Person | None = None
    proposal_id: int | None = None


def _escaped(value):
    """Every string in `value`, however deep in its lists and dicts, escaped for Slack."""
    if isinstance(value, str):
        return escape(value)
    if isinstance(value, list | tuple):
        return [_escaped(item) for item in value]
    if isinstance(value, dict):
        return {key: _escaped(item) for key, item in value.items()}
    return value


def _escaped_payload(payload: dict) -> dict:
    """An event's payload with all member text escaped: names and themes sit in nested lists too
    (a cheers batch's names, an introduction's people and shared themes)."""
    escaped = _escaped(dict(payload))
    escaped.setdefault("cheerer_names", [])
    return escaped


def reply(data: Reply) -> Message:
    """A thread reply for one event. Member text is escaped; the actor is mentioned when known."""
    payload = _escaped_payload(data.payload)
    if data.actor is not None:
        payload["actor_name"] = mention(data.actor)
    text = headline(data.kind, payload)
    blocks: list[dict] = [{"type": "section", "text": _mrkdwn(text)}]
    quote = payload.get("excerpt") or payload.get("note") or payload.get("message") or ""
    if quote:
        blocks.append({"type": "section", "text": _mrkdwn(f"> {quote}")})
    if data.kind in (EventKind.NUDGE, EventKind.JOIN_REQUESTED) and data.proposer is not None:
        blocks.append({"type": "context", "elements": [_mrkdwn(mention(data.proposer))]})
    membership_id = data.payload.get("membership_id")
    if data.kind == EventKind.JOIN_REQUESTED and isinstance(membership_id, int):
        value = str(membership_id)
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    _button(_("Accept"), "membership_accept", value=value),
                    _button(_("Decline"), "membership_decline", value=value),
                ],
            }
        )
    if data.kind == EventKind.NUDGE and data.proposal_id is not None:
        value = str(data.proposal_id)
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    _button(_("Still going"), "nudge_still_going", value=value),
                    _button(_("Pause (archive)"), "nudge_pause", value=value),
                ],
            }
        )
    return _message(text, blocks)


# --- a personal notification, in the member's direct message with the app ------------------------

# The action ids of an invitation's buttons in its direct message.
INVITATION_ACCEPT = "invitation_accept"
INVITATION_DECLINE = "invitation_decline"


@dataclass(frozen=True)
class DirectMessage:
    """One event as its recipient reads it (the headline in their words, made from the event's
    payload), the page it is about, and, for a meetup, where it is."""

    kind: str
    payload: dict
    recipient_id: int | None
    url: str
    quote: str = ""
    place: str = ""
    # Only for someone who may see it (meetups.permissions.can_see_online_link).
    online_url: str = ""


def _link_label(kind: str) -> str:
    if kind == MeetupEventKind.FOLLOW_UP:
        return _("Write it down as a proposal")
    if kind in MeetupEventKind.values:
        return _("The meetup's page")
    if kind == EventKind.INVITED:
        return _("See the invitation")
    return _("Open in incubator")


def _quoted(text: str) -> str:
    """Member text as a quote: escaped, each line marked (a quote mark holds for one line)."""
    return "\n".join(f"> {line}" for line in escape(text).splitlines() if line.strip())


def direct_message(data: DirectMessage) -> Message:
    """A personal notification: the headline, what was said with it, where (for a meetup: the
    place, and the online link for someone who may see it), and the link to its page. Every piece
    of member text is escaped, in the fallback `text` too."""
    text = headline_for(data.kind, _escaped_payload(data.payload), data.recipient_id)
    blocks: list[dict] = [{"type": "section", "text": _mrkdwn(text)}]
    quote = _quoted(data.quote)
    if quote:
        blocks.append({"type": "section", "text": _mrkdwn(quote)})
    where = []
    if data.place.strip():
        where.append(_("Place: %(place)s") % {"place": escape(data.place)})
    if data.online_url:
        # Slack makes a link of the address itself; escaped, it can mention nobody.
        where.append(_("The online link: %(url)s") % {"url": escape(data.online_url)})
    if where:
        blocks.append({"type": "section", "text": _mrkdwn("\n".join(where))})
    blocks.append(
        {"type": "context", "elements": [_mrkdwn(_link(data.url, _link_label(data.kind)))]}
    )
    return _message(text, blocks)


class InvitationAnswer:
    """Where an invitation stands, as its direct message shows it."""

    OPEN = ""  # the buttons
    ACCEPTED = "accepted"
    DECLINED = "declined"
    ENDED = "ended"


@dataclass(frozen=True)
class InvitationDm:
    invitation_id: int
    inviter: str
    title: str
    role: str
    message: str
    url: str
    answer: str = InvitationAnswer.OPEN
    # Shown while it is open, in the active time zone (the reader's, see email.as_reader).
    expires_at: datetime | None = None


def _invitation_outcome(data: InvitationDm) -> str:
    # The invitation page's own words.
    if data.answer == InvitationAnswer.ACCEPTED:
        return _("You accepted this invitation. Welcome to the team!")
    if data.answer == InvitationAnswer.DECLINED:
        return _("You said “not now”. You are welcome to ask to join whenever it suits you.")
    return _("This invitation has ended. You are still welcome to ask to join, at your own pace.")


def invitation_dm(data: InvitationDm) -> Message:
    """An invitation in the invitee's direct message: who asks, for what, their message, and the
    buttons Join the team (accept) / Not now; once answered (here or on the web) or ended, the same message says
    so instead of the buttons."""
    text = headline(
        EventKind.INVITED,
        {
            "actor_name": escape(data.inviter),
            "title": escape(data.title),
            "role": escape(data.role),
        },
    )
    value = str(data.invitation_id)
    block = f"i{data.invitation_id}{data.answer or 'open'}"
    blocks: list[dict] = [{"type": "section", "block_id": f"{block}h", "text": _mrkdwn(text)}]
    quote = _quoted(data.message)
    if quote:
        blocks.append({"type": "section", "block_id": f"{block}q", "text": _mrkdwn(quote)})
    if data.answer == InvitationAnswer.OPEN and data.expires_at is not None:
        until = formats.date_format(timezone.localtime(data.expires_at), "SHORT_DATE_FORMAT")
        # The invitation page's own words.
        blocks.append(
            {
                "type": "context",
                "block_id": f"{block}w",
                "elements": [
                    _mrkdwn(
                        _(
                            "Answer whenever it suits you, until %(date)s. “Not now” needs no reason."
                        )
                        % {"date": until}
                    )
                ],
            }
        )
    if data.answer == InvitationAnswer.OPEN:
        # The invitation page's buttons.
        accept = _button(_("Join the team"), INVITATION_ACCEPT, value=value)
        accept["style"] = "primary"
        blocks.append(
            {
                "type": "actions",
                "block_id": f"{block}a",
                "elements": [accept, _button(_("Not now"), INVITATION_DECLINE, value=value)],
            }
        )
    else:
        blocks.append(
            {"type": "section", "block_id": f"{block}x", "text": _mrkdwn(_invitation_outcome(data))}
        )
    blocks.append(
        {
            "type": "context",
            "block_id": f"{block}c",
            "elements": [_mrkdwn(_link(data.url, _link_label(EventKind.INVITED)))],
        }
    )
    return _message(text, blocks)


# --- a direct message: the question a week before a member's time on a team ends ----------------

# The buttons' action ids: "N more months" for each of the forms' choices, and the kind goodbye.
COMMITMENT_CONTINUE = {f"commitment_continue_{months}": months for months in MONTH_CHOICES}
COMMITMENT_FINISH = "commitment_finish"
COMMITMENT_OPEN = "commitment_open"


def commitment_value(membership_id: int, until: str) -> str:
    """A continue button's value: the membership, and the end it answers about (so that a press
    replayed, or pressed after answering elsewhere, changes nothing)."""
    return f"{membership_id}:{until}"


def commitment_question(*, payload: dict, page_url: str, outcome: str = "") -> Message:
    """The gentle question (or its one reminder) as a direct message to the member: an
    EventKind.COMMITMENT_ENDING event's payload, and the absolute address of the question's page
    (workers.selectors.notification_path). Continue by 1, 3 or 6 more months, finish with
    thanks, or choose otherwise on the page (a day, no end). Once answered, the same message says
    `outcome` (mrkdwn, already escaped) instead of the buttons."""
    membership_id = payload.get("membership_id")
    until = str(payload.get("until", ""))
    text = headline(EventKind.COMMITMENT_ENDING, _escaped_payload(payload))
    blocks: list[dict] = [{"type": "section", "text": _mrkdwn(text)}]
    if outcome:
        blocks.append({"type": "section", "text": _mrkdwn(outcome)})
        blocks.append(
            {"type": "context", "elements": [_mrkdwn(_link(page_url, _("Open in incubator")))]}
        )
    elif isinstance(membership_id, int):
        value = commitment_value(membership_id, until)
        buttons = [
            _button(
                ngettext("%(count)d more month", "%(count)d more months", months)
                % {"count": months},
                action_id,
                value=value,
            )
            for action_id, months in COMMITMENT_CONTINUE.items()
        ]
        buttons.append(_button(_("Finish with thanks"), COMMITMENT_FINISH, value=value))
        buttons.append(_button(_("Other choices…"), COMMITMENT_OPEN, url=page_url))
        blocks.append({"type": "actions", "elements": buttons})
        blocks.append(
            {
                "type": "context",
                "elements": [
                    _mrkdwn(
                        _(
                            "There is no wrong answer, and no hurry: you stay on the team until "
                            "you say otherwise."
                        )
                    )
                ],
            }
        )
    return _message(text, blocks)


def commitment_continued(*, title: str, url: str, until: str) -> str:
    """The private answer to "N more months" (`until` already in the reader's date format)."""
    return _("Thank you! You're with %(link)s until %(day)s. 🌱") % {
        "link": _link(url, title),
        "day": until,
    }


def commitment_finished(*, title: str, url: str) -> str:
    return _("Thank you so much for your time with %(link)s. You're welcome back any time. 🙏") % {
        "link": _link(url, title)
    }


# --- the weekly channel digest -------------------------------------------------------------------


def _lines_within(lines: list[str], limit: int, heading: str = "") -> str:
    """Whole lines only, as many as fit: a cut would break a link in two."""
    text = heading
    for line in lines:
        candidate = f"{text}\n{line}" if text else line
        if len(candidate) > limit:
            break
        text = candidate
    return text


def weekly_digest(*, sections: dict, site_url: str) -> Message:
    titles = {
        "new_ideas": _("New ideas"),
        "looking_for_people": _("Teams looking for people"),
        "launched": _("Launched"),
        "completed": _("Completed"),
    }
    text = headline(EventKind.WEEKLY_DIGEST, {})
    blocks: list[dict] = [{"type": "header", "text": _plain(escape(text), HEADER_MAX)}]
    for key, title in titles.items():
        items = sections.get(key) or []
        if not items:
            continue
        lines = [
            f"• {_link(site_url.rstrip('/') + str(item.get('path', '')), str(item.get('title', '')))}"
            for item in items[:DIGEST_ITEMS_MAX]
        ]
        body = _lines_within(lines, SECTION_MAX, heading=f"*{escape(str(title))}*")
        blocks.append({"type": "section", "text": _mrkdwn(body)})
    if len(blocks) == 1:
        blocks.append({"type": "section", "text": _mrkdwn(_("A quiet week."))})
    return _message(escape(text), blocks)


@dataclass(frozen=True)
class SelfIntroduction:
    """A member's self-introduction as the introductions channel shows it (issue 16)."""

    person: Person
    bio: str
    interests: tuple[str, ...]
    url: str  # their profile page


def self_introduction(data: SelfIntroduction) -> Message:
    """The card a new member chose to post: who they are in their own words, what they care
    about, a link to their profile. Every member text is escaped, the fallback included."""
    name = escape(data.person.name)
    text = _("%(name)s introduced themselves. Say hello!") % {"name": name}
    heading = _("%(name)s introduced themselves. Say hello!") % {"name": mention(data.person)}
    blocks: list[dict] = [{"type": "section", "text": _mrkdwn(heading)}]
    if data.bio.strip():
        blocks.append({"type": "section", "text": _mrkdwn(_quoted_block(data.bio))})
    if data.interests:
        interests = escape(join_names(list(data.interests)))
        blocks.append(
            {
                "type": "context",
                "elements": [_mrkdwn(_("Interests: %(names)s") % {"names": interests}, 2000)],
            }
        )
    blocks.append(
        {
            "type": "actions",
            "elements": [_button(_("See their profile"), "open_profile", url=data.url)],
        }
    )
    return _message(text, blocks)


def _quoted_block(text: str) -> str:
    """Member text as a mrkdwn quote, line by line, escaped."""
    return "\n".join(f">{escape(line)}" for line in text.strip().splitlines())


# --- modals --------------------------------------------------------------------------------------


def _input(block_id: str, label: str, *, max_length: int, optional=False, multiline=False) -> dict:
    return {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": _plain(label, LABEL_MAX),
        "element": {
            "type": "plain_text_input",
            "action_id": "value",
            "max_length": max_length,
            "multiline": multiline,
        },
    }


def _modal(*, callback_id: str, title: str, submit: str, blocks: list[dict], **extra) -> dict:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": _plain(title, MODAL_TITLE_MAX),
        "submit": _plain(submit, MODAL_TITLE_MAX),
        "close": _plain(_("Cancel"), MODAL_TITLE_MAX),
        "blocks": blocks[:BLOCKS_MAX],
        **extra,
    }


def idea_modal() -> dict:
    return _modal(
        callback_id="idea_submit",
        title=_("Post an idea"),
        submit=_("Post"),
        blocks=[
            _input("title", _("Title"), max_length=120),
            _input("summary", _("One-line summary"), max_length=280),
            _input("themes", _("Themes (comma-separated)"), max_length=400, optional=True),
            _input(
                "roles",
                _("Roles wanted (one per line)"),
                max_length=600,
                optional=True,
                multiline=True,
            ),
        ],
    )


def join_modal(*, proposal_id: int, title: str) -> dict:
    return _modal(
        callback_id="join_request",
        private_metadata=str(proposal_id),
        title=_("I'd like to join"),
        submit=_("Send"),
        blocks=[
            {"type": "section", "text": _mrkdwn(f"*{escape(title)}*")},
            _input("role", _("Role you'd like to take"), max_length=60),
            _input(
                "availability",
                _("Your pace (e.g. weekends, 2 h a week)"),
                max_length=200,
                optional=True,
            ),
            _input("message", _("A message"), max_length=2000, optional=True, multiline=True),
            _input(
                "until",
                _("Until when? (optional, a date such as 2030-04-30)"),
                max_length=10,
                optional=True,
            ),
        ],
    )


def modal_errors(errors: dict[str, str]) -> dict:
    """Slack's answer to a view submission that shows a message under each field."""
    return {
        "response_action": "errors",
        "errors": {block: clip(escape(text), SECTION_MAX) for block, text in errors.items()},
    }


# --- private answers to a command or a button ----------------------------------------------------


def ephemeral(text: str) -> dict:
    """An answer only the person who asked sees (the slash command's immediate response)."""
    return {"response_type": "ephemeral", "text": clip(text, TEXT_MAX)}


def refusal(reason: str) -> str:
    """A domain refusal or validation message, which may quote what the member typed."""
    return escape(reason)


def idea_refused(reason: str) -> str:
    return _("I couldn't post that idea: %(why)s") % {"why": escape(reason)}


def idea_posted(*, title: str, url: str) -> str:
    return _(
        "Posted your idea %(link)s 🌱 It now appears on the board and in the channel. "
        "Next: when you're ready, open the discussion and say which roles you'd like help with "
        "— at your own pace."
    ) % {"link": _link(url, title)}


def connect_prompt(*, url: str) -> str:
    return _(
        "Your Slack account isn't connected to incubator yet. Connect it here, then try again: %(url)s"
    ) % {"url": url}


def thread_replies_off(*, url: str) -> str:
    """To someone replying in a proposal's thread whose proposer keeps the discussion on the page."""
    return _(
        "Thanks for joining in! Replies in this thread don't become comments on this proposal: "
        "its proposer keeps the discussion on the proposal's page. You're welcome there: %(url)s"
    ) % {"url": url}


def thread_reply_refused(reason: str) -> str:
    """A reply in a proposal's thread that could not become a comment (`reason`: the service's
    own words, e.g. too long)."""
    return _("Your reply couldn't be added to the proposal as a comment: %(reason)s") % {
        "reason": escape(reason)
    }


def link_prompt(*, url: str) -> str:
    return _(
        "Open this link while signed in to incubator to connect your Slack account: %(url)s"
    ) % {"url": url}


def help_text(*, command: str) -> str:
    command = escape(command)
    return "\n".join(
        [
            _("*%(command)s* turns a “I want to try this” into a proposal.") % {"command": command},
            _("• `%(command)s title | one-line summary` posts an idea right away")
            % {"command": command},
            _("• `%(command)s` alone opens a small form") % {"command": command},
            _("• `%(command)s list` shows teams looking for people") % {"command": command},
            _("One line is enough. Details can come later, whenever suits you."),
        ]
    )


@dataclass(frozen=True)
class Listing:
    title: str
    url: str
    open_roles: tuple[OpenRole, ...]


def looking_for_people(listings: list[Listing]) -> str:
    lines = []
    for listing in listings[:LISTING_MAX]:
        wanted = join_names(
            f"{escape(role.name)} ×{role.open}" for role in listing.open_roles if role.open
        )
        if wanted:
            lines.append(clip(f"• {_link(listing.url, listing.title)} — {wanted}", 290))
    if not lines:
        return _("No team is looking for people right now. Maybe yours will be the first?")
    return _lines_within(lines, TEXT_MAX, heading=_("Teams looking for people:"))


def cheered(*, title: str, already: bool) -> str:
    if already:
        return _("You're already cheering “%(title)s” 📣") % {"title": escape(title)}
    return _("You cheered “%(title)s” 📣 and will hear how it goes.") % {"title": escape(title)}


def join_answered(*, name: str, accepted: bool) -> str:
    if accepted:
        return _("%(name)s is now on the team. 🎉") % {"name": escape(name)}
    return _("You answered %(name)s kindly; they'll get your message.") % {"name": escape(name)}


def meetup_answered(*, title: str, url: str, status: str, online_url: str = "") -> str:
    """The private answer to an RSVP button. `online_url` only for someone now going."""
    names = {"link": _link(url, title)}
    if status == RsvpStatus.GOING:
        text = _("You're going to %(link)s. See you there! 🎉") % names
    elif status == RsvpStatus.WAITLISTED:
        text = (
            _(
                "%(link)s is full for now, so you're on the waiting list. If a place opens up, "
                "you'll move up and we'll tell you."
            )
            % names
        )
    elif status == RsvpStatus.MAYBE:
        text = _("Noted: maybe for %(link)s. You can change your answer any time.") % names
    else:
        text = _("Thanks for letting us know you can't make %(link)s.") % names
    if online_url:
        # Slack makes a link of the address itself; escaped, it can mention nobody.
        text += "\n" + _("The online link: %(url)s") % {"url": escape(online_url)}
    return text


# --- an introduction, in the group DM of the people it introduces (issue 13) ---------------------

# The action ids of "did you get to talk?" and the answer each gives.
INTRODUCTION_ANSWERS = {
    "introduction_yes": IntroductionAnswer.YES,
    "introduction_not_yet": IntroductionAnswer.NOT_YET,
    "introduction_skip": IntroductionAnswer.SKIP,
}


@dataclass(frozen=True)
class IntroductionPost:
    introduction_id: int
    people: tuple[Person, ...]
    shared: tuple[str, ...]  # themes, as members wrote them
    question: str  # in the active language; it may hold a theme a member wrote
    url: str  # the introductions page
    settings_url: str


def introduction(data: IntroductionPost) -> Message:
    """Who, what they share, a first question, and how to pause."""
    names = {
        "names": join_names(mention(person) for person in data.people),
        "shared": join_names(escape(theme) for theme in data.shared),
    }
    if data.shared:
        hello = (
            _(
                "Hello %(names)s! 👋 You share an interest in %(shared)s, so we thought you "
                "might like to meet."
            )
            % names
        )
    else:
        hello = (
            _("Hello %(names)s! 👋 You haven't met yet, so we thought you might like to.") % names
        )
    question = _("A first question to ask: %(question)s") % {"question": escape(data.question)}
    after = _(
        "Find a time that suits you: a call, a coffee, a walk. In a week I'll ask how it went."
    )
    links = " · ".join(
        (
            _link(data.url, _("Your introductions")),
            _link(data.settings_url, _("Pause or stop introductions")),
        )
    )
    block = f"i{data.introduction_id}"
    blocks = [
        {"type": "section", "block_id": f"{block}h", "text": _mrkdwn(hello)},
        {"type": "section", "block_id": f"{block}q", "text": _mrkdwn(f"*{question}*")},
        {
            "type": "context",
            "block_id": f"{block}c",
            "elements": [_mrkdwn(f"{after}\n{links}")],
        },
    ]
    return _message(f"{hello} {question}", blocks)


@dataclass(frozen=True)
class IntroductionFollowUp:
    introduction_id: int
    people: tuple[Person, ...]


def introduction_follow_up(data: IntroductionFollowUp) -> Message:
    """A week on, in the same group DM: did you get to talk? Each person answers for themselves."""
    ask = _("It's been a week since we introduced you, %(names)s. Did you get to talk?") % {
        "names": join_names(mention(person) for person in data.people)
    }
    labels = {action: str(answer.label) for action, answer in INTRODUCTION_ANSWERS.items()}
    value = str(data.introduction_id)
    buttons = [_button(label, action, value=value) for action, label in labels.items()]
    buttons[0]["style"] = "primary"
    block = f"f{data.introduction_id}"
    blocks = [
        {"type": "section", "block_id": f"{block}s", "text": _mrkdwn(ask)},
        {"type": "actions", "block_id": f"{block}a", "elements": buttons},
        {
            "type": "context",
            "block_id": f"{block}c",
            "elements": [
                _mrkdwn(_("Only you see your answer; the organisers only ever see counts."))
            ],
        },
    ]
    return _message(ask, blocks)


def introduction_answered(answer: str) -> str:
    """The private answer to "did you get to talk?"."""
    if answer == IntroductionAnswer.YES:
        return _("Lovely! Thank you for telling us. 🌱")
    if answer == IntroductionAnswer.NOT_YET:
        return _("No hurry: whenever it suits you both.")
    return _("Noted. Thank you for letting us know.")
