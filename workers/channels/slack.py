"""The Slack channel: the only module that knows slack_sdk.

One root message per proposal (a Block Kit card, re-rendered from the current state and edited in
place), each event a reply in that thread. Posts carry the event and delivery ids in message
metadata, so a retry after an ambiguous failure looks for its earlier post instead of posting twice.
"""

import http.client
import logging
import re
import socket
import urllib.error
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.webhook import WebhookClient

from proposals.choices import ACTIVE_STATUSES, Status

from ..events import EventKind, excerpt, headline
from ..models import Delivery, SlackThread

logger = logging.getLogger(__name__)

METADATA_TYPE = "incubator_event"
CARD_METADATA_TYPE = "incubator_card"
HEADER_MAX = 150
SECTION_MAX = 3000
FIELD_MAX = 2000
BUTTON_TEXT_MAX = 75
# Errors that say nothing about our request; everything else that Slack refuses is permanent.
TRANSIENT_ERRORS = frozenset(
    {"internal_error", "fatal_error", "service_unavailable", "request_timeout", "ratelimited"}
)
SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,30}$")


class SlackError(Exception):
    def __init__(self, message: str, *, ambiguous: bool = False):
        super().__init__(message)
        # True when Slack may have acted on the request although we saw an error.
        self.ambiguous = ambiguous


class SlackRateLimited(SlackError):
    def __init__(self, retry_after: float):
        super().__init__(f"ratelimited (Retry-After: {retry_after:g})")
        self.retry_after = retry_after


class SlackTransient(SlackError):
    """Timeouts, dropped connections, 5xx: try again later with backoff."""


class SlackPermanent(SlackError):
    """channel_not_found, invalid_auth, token_revoked, invalid_blocks ...: retrying cannot help."""


class SlackPaced(Exception):
    """Our own pacing (about one message per second per channel): come back after `wait` seconds."""

    def __init__(self, wait: float):
        super().__init__(f"paced for {wait:.2f}s")
        self.wait = wait


def escape(text: str) -> str:
    """mrkdwn control characters only: no <!channel> pings, no disguised links."""
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def person(user) -> str:
    """A Slack mention when the member's Slack id is known, else their escaped name."""
    if user is None:
        return ""
    if SLACK_USER_ID.match(user.slack_user_id or ""):
        return f"<@{user.slack_user_id}>"
    return escape(user.public_name)


def is_configured() -> bool:
    return bool(settings.SLACK_BOT_TOKEN)


def _client(*, retry_connection_errors: bool) -> WebClient:
    # Posting never retries inside the SDK: a reset after Slack accepted a post would post twice.
    kwargs = {} if retry_connection_errors else {"retry_handlers": []}
    return WebClient(
        token=settings.SLACK_BOT_TOKEN,
        base_url=settings.SLACK_API_URL,
        timeout=settings.SLACK_TIMEOUT_SECONDS,
        **kwargs,
    )


def _call(method: str, *, ambiguous_on_failure: bool, **kwargs) -> dict:
    client = _client(retry_connection_errors=not ambiguous_on_failure)
    try:
        response = client.api_call(method, json=kwargs)
        return response.data
    except SlackApiError as error:
        status = error.response.status_code
        headers = {k.lower(): v for k, v in (error.response.headers or {}).items()}
        if status == 429:
            raw = headers.get("retry-after", "1")
            raw = raw[0] if isinstance(raw, list) else raw
            raise SlackRateLimited(float(raw)) from error
        code = (error.response.data or {}).get("error", "") if status == 200 else ""
        if status >= 500 or code in TRANSIENT_ERRORS:
            raise SlackTransient(
                f"{method}: HTTP {status} {code}".strip(), ambiguous=ambiguous_on_failure
            ) from error
        raise SlackPermanent(code or f"HTTP {status}") from error
    except urllib.error.HTTPError as error:
        raise SlackTransient(f"{method}: HTTP {error.code}", ambiguous=True) from error
    except urllib.error.URLError as error:
        # Connection refused and DNS failures happen before Slack saw anything.
        refused = isinstance(error.reason, ConnectionRefusedError | socket.gaierror)
        raise SlackTransient(
            f"{method}: {error.reason}", ambiguous=ambiguous_on_failure and not refused
        ) from error
    except (TimeoutError, OSError, http.client.HTTPException, ValueError) as error:
        raise SlackTransient(
            f"{method}: {type(error).__name__} {error}", ambiguous=ambiguous_on_failure
        ) from error


def channel_for(proposal) -> str:
    """The channel a proposal's thread lives in: its theme's own channel if one is routed."""
    routes = settings.SLACK_THEME_CHANNELS or {}
    for tag in proposal.tags.all():
        if tag.name in routes:
            return routes[tag.name]
    return settings.SLACK_CHANNEL_ID


def _link(proposal) -> str:
    return settings.SITE_URL.rstrip("/") + proposal.get_absolute_url()


def _card_buttons(proposal) -> list[ButtonElement]:
    """Open (a link), Cheer and, while it takes people, Join: handled by workers.slack_inbound."""
    value = str(proposal.pk)
    buttons = [
        ButtonElement(
            text=truncate(_("Open"), BUTTON_TEXT_MAX),
            url=_link(proposal),
            action_id="proposal_open",
        ),
        ButtonElement(
            text=truncate(_("Cheer"), BUTTON_TEXT_MAX), action_id="proposal_cheer", value=value
        ),
    ]
    if proposal.status in ACTIVE_STATUSES:
        buttons.append(
            ButtonElement(
                text=truncate(_("I'd like to join"), BUTTON_TEXT_MAX),
                action_id="proposal_join",
                value=value,
            )
        )
    return buttons


def build_card(proposal, *, version: int) -> tuple[str, list[dict]]:
    """The root message: the proposal's current state. A new block_id per version, as Slack asks."""
    from proposals.selectors import open_roles

    stage = str(Status(proposal.status).label)
    roles = [role for role in open_roles(proposal) if role.open]
    roles_text = (
        ", ".join(f"{escape(role.name)} ×{role.open}" for role in roles) if roles else _("none")
    )
    block = f"p{proposal.pk}v{version}"
    fields = [
        MarkdownTextObject(text=truncate(f"*{_('Stage')}*\n{stage}", FIELD_MAX)),
        MarkdownTextObject(
            text=truncate(f"*{_('Proposer')}*\n{person(proposal.proposer)}", FIELD_MAX)
        ),
        MarkdownTextObject(
            text=truncate(f"*{_('Team size')}*\n{proposal.member_count}", FIELD_MAX)
        ),
        MarkdownTextObject(text=truncate(f"*{_('Open roles')}*\n{roles_text}", FIELD_MAX)),
    ]
    blocks = [
        HeaderBlock(
            block_id=f"{block}h", text=PlainTextObject(text=truncate(proposal.title, HEADER_MAX))
        ),
        SectionBlock(
            block_id=f"{block}s",
            text=MarkdownTextObject(text=truncate(escape(proposal.summary) or " ", SECTION_MAX)),
            fields=fields,
        ),
        ContextBlock(
            block_id=f"{block}c",
            elements=[
                MarkdownTextObject(
                    text=" · ".join(
                        [
                            ngettext("%(count)d cheer", "%(count)d cheers", proposal.cheer_count)
                            % {"count": proposal.cheer_count},
                            ngettext(
                                "%(count)d comment", "%(count)d comments", proposal.comment_count
                            )
                            % {"count": proposal.comment_count},
                        ]
                    )
                )
            ],
        ),
        ActionsBlock(block_id=f"{block}a", elements=_card_buttons(proposal)),
    ]
    fallback = truncate(f"{proposal.title} — {stage}", SECTION_MAX)
    return fallback, [b.to_dict() for b in blocks]


def build_reply(event) -> tuple[str, list[dict]]:
    """A thread reply for one event. User text is escaped; the actor is mentioned when known."""
    payload = {k: escape(v) if isinstance(v, str) else v for k, v in event.payload.items()}
    if event.kind == EventKind.CHEERED:
        payload["cheerer_names"] = [escape(name) for name in payload.get("cheerer_names", [])]
    if event.actor is not None:
        payload["actor_name"] = person(event.actor)
    text = truncate(headline(event.kind, payload), SECTION_MAX)
    blocks: list = [SectionBlock(text=MarkdownTextObject(text=text))]
    quote = payload.get("excerpt") or payload.get("note") or payload.get("message") or ""
    if quote:
        blocks.append(
            SectionBlock(text=MarkdownTextObject(text=truncate(f"> {quote}", SECTION_MAX)))
        )
    if event.kind in (EventKind.NUDGE, EventKind.JOIN_REQUESTED) and event.proposal is not None:
        blocks.append(
            ContextBlock(elements=[MarkdownTextObject(text=person(event.proposal.proposer))])
        )
    if event.kind == EventKind.JOIN_REQUESTED and event.payload.get("membership_id"):
        value = str(event.payload["membership_id"])
        blocks.append(
            ActionsBlock(
                elements=[
                    ButtonElement(text=_("Accept"), action_id="membership_accept", value=value),
                    ButtonElement(text=_("Decline"), action_id="membership_decline", value=value),
                ]
            )
        )
    if event.kind == EventKind.NUDGE and event.proposal is not None:
        value = str(event.proposal.pk)
        blocks.append(
            ActionsBlock(
                elements=[
                    ButtonElement(
                        text=_("Still going"), action_id="nudge_still_going", value=value
                    ),
                    ButtonElement(text=_("Pause (archive)"), action_id="nudge_pause", value=value),
                ]
            )
        )
    return text, [b.to_dict() for b in blocks]


def build_weekly_digest(event) -> tuple[str, list[dict]]:
    sections = event.payload.get("sections", {})
    titles = {
        "new_ideas": _("New ideas"),
        "looking_for_people": _("Teams looking for people"),
        "launched": _("Launched"),
        "completed": _("Completed"),
    }
    text = headline(event.kind, event.payload)
    blocks: list = [HeaderBlock(text=PlainTextObject(text=truncate(text, HEADER_MAX)))]
    for key, title in titles.items():
        items = sections.get(key, [])
        if not items:
            continue
        lines = [
            f"• <{settings.SITE_URL.rstrip('/')}{item['path']}|{escape(item['title'])}>"
            for item in items[:15]
        ]
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=truncate(f"*{escape(str(title))}*\n" + "\n".join(lines), SECTION_MAX)
                )
            )
        )
    if len(blocks) == 1:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=_("A quiet week."))))
    return text, [b.to_dict() for b in blocks]


def _metadata(delivery: Delivery, kind: str = METADATA_TYPE, **extra) -> dict:
    return {
        "event_type": kind,
        "event_payload": {"event_id": delivery.event_id, "delivery_id": delivery.pk, **extra},
    }


def _find(messages: list[dict], *, event_type: str, key: str, value: int) -> str | None:
    for message in messages:
        metadata = message.get("metadata") or {}
        if metadata.get("event_type") == event_type and (
            (metadata.get("event_payload") or {}).get(key) == value
        ):
            return message["ts"]
    return None


def _find_in_history(channel: str, *, since, event_type: str, key: str, value: int) -> str | None:
    cursor = None
    for _page in range(10):
        data = _call(
            "conversations.history",
            ambiguous_on_failure=False,
            channel=channel,
            oldest=f"{since.timestamp() - 60:.6f}",
            include_all_metadata=True,
            limit=200,
            **({"cursor": cursor} if cursor else {}),
        )
        found = _find(data.get("messages", []), event_type=event_type, key=key, value=value)
        cursor = (data.get("response_metadata") or {}).get("next_cursor")
        if found or not cursor:
            return found
    return None


def _find_in_thread(thread: SlackThread, delivery: Delivery) -> str | None:
    cursor = None
    for _page in range(10):
        data = _call(
            "conversations.replies",
            ambiguous_on_failure=False,
            channel=thread.channel_id,
            ts=thread.root_ts,
            include_all_metadata=True,
            limit=200,
            **({"cursor": cursor} if cursor else {}),
        )
        found = _find(
            data.get("messages", []), event_type=METADATA_TYPE, key="delivery_id", value=delivery.pk
        )
        cursor = (data.get("response_metadata") or {}).get("next_cursor")
        if found or not cursor:
            return found
    return None


@dataclass
class Poster:
    """Posts through the shared pace: `take_slot(channel)` raises SlackPaced when it is too early."""

    take_slot: object

    def post(self, delivery: Delivery, **kwargs) -> str:
        self.take_slot(kwargs["channel"])
        # Marked before the call: if we never hear back, the next attempt looks before posting.
        Delivery.objects.filter(pk=delivery.pk).update(external_id="?")
        try:
            data = _call(
                "chat.postMessage",
                ambiguous_on_failure=True,
                unfurl_links=False,
                unfurl_media=False,
                **kwargs,
            )
        except SlackError as error:
            if not error.ambiguous:
                Delivery.objects.filter(pk=delivery.pk).update(external_id="")
            raise
        return data["ts"]


def _ensure_thread(proposal, delivery: Delivery, poster: Poster) -> tuple[SlackThread, bool]:
    """The proposal's root card, posted once. Returns (thread, whether it was posted just now)."""
    thread, _created = SlackThread.objects.get_or_create(
        proposal=proposal, defaults={"channel_id": channel_for(proposal)}
    )
    if thread.root_ts:
        return thread, False
    ts = None
    if thread.card_version > 0:
        # An earlier attempt may have posted the card and crashed before saving its ts.
        ts = _find_in_history(
            thread.channel_id,
            since=proposal.created_at,
            event_type=CARD_METADATA_TYPE,
            key="proposal_id",
            value=proposal.pk,
        )
    if ts is None:
        SlackThread.objects.filter(pk=thread.pk).update(card_version=1)
        text, blocks = build_card(proposal, version=1)
        ts = poster.post(
            delivery,
            channel=thread.channel_id,
            text=text,
            blocks=blocks,
            metadata=_metadata(delivery, CARD_METADATA_TYPE, proposal_id=proposal.pk),
        )
        Delivery.objects.filter(pk=delivery.pk).update(external_id="")
    SlackThread.objects.filter(pk=thread.pk).update(root_ts=ts, card_version=1)
    thread.root_ts, thread.card_version = ts, 1
    return thread, True


def update_card(thread: SlackThread, proposal) -> None:
    """chat.update from the current database state: idempotent and insensitive to event order."""
    version = thread.card_version + 1
    text, blocks = build_card(proposal, version=version)
    _call(
        "chat.update",
        ambiguous_on_failure=False,
        channel=thread.channel_id,
        ts=thread.root_ts,
        text=text,
        blocks=blocks,
    )
    SlackThread.objects.filter(pk=thread.pk).update(card_version=version)
    thread.card_version = version


def refresh(proposal_id: int) -> bool:
    """Re-render a proposal's card if it has one. Permanent errors are logged, not retried."""
    from proposals.models import Proposal

    thread = SlackThread.objects.filter(proposal_id=proposal_id).exclude(root_ts="").first()
    if thread is None or not is_configured():
        return False
    proposal = (
        Proposal.objects.select_related("proposer")
        .prefetch_related("tags", "roles_wanted")
        .get(pk=proposal_id)
    )
    try:
        with translation.override(settings.LANGUAGE_CODE):
            update_card(thread, proposal)
    except SlackPermanent as error:
        logger.error("Could not refresh the card of proposal %s: %s", proposal_id, error)
        return False
    return True


def send(delivery: Delivery, *, take_slot) -> str:
    """Deliver one event to Slack and return the message's ts. Raises SlackError / SlackPaced."""
    from proposals.models import Proposal

    poster = Poster(take_slot=take_slot)
    event = delivery.event
    ambiguous = delivery.external_id == "?"
    with translation.override(settings.LANGUAGE_CODE):
        if event.kind == EventKind.WEEKLY_DIGEST:
            channel = settings.SLACK_CHANNEL_ID
            if ambiguous:
                found = _find_in_history(
                    channel,
                    since=event.created_at,
                    event_type=METADATA_TYPE,
                    key="delivery_id",
                    value=delivery.pk,
                )
                if found:
                    return found
            text, blocks = build_weekly_digest(event)
            return poster.post(
                delivery, channel=channel, text=text, blocks=blocks, metadata=_metadata(delivery)
            )

        proposal = (
            Proposal.objects.select_related("proposer")
            .prefetch_related("tags", "roles_wanted")
            .get(pk=event.proposal_id)
        )
        thread, posted_now = _ensure_thread(proposal, delivery, poster)
        if event.kind == EventKind.SUBMITTED:
            # The card is the announcement; a reply would only repeat it.
            return thread.root_ts
        if not posted_now:
            update_card(thread, proposal)
        if ambiguous:
            found = _find_in_thread(thread, delivery)
            if found:
                return found
        text, blocks = build_reply(event)
        return poster.post(
            delivery,
            channel=thread.channel_id,
            thread_ts=thread.root_ts,
            text=text,
            blocks=blocks,
            metadata=_metadata(delivery),
        )


def weekly_digest_sections(now=None) -> dict:
    """What the channel's weekly digest lists: the last seven days, newest first."""
    from datetime import timedelta

    from proposals.models import Proposal, TransitionLog

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
            for p in Proposal.objects.filter(status=Status.TEAM_FORMING).order_by(
                "-last_activity_at"
            )[:15]
        ],
        "launched": moved_to(Status.RUNNING),
        "completed": moved_to(Status.DONE),
    }


# --- answering someone who acted from Slack (workers/slack_inbound.py) ---------------------------


def open_view(*, trigger_id: str, view: dict) -> None:
    """Open a modal for the person who just ran the command or pressed a button (views.open)."""
    if not is_configured():
        logger.warning("Slack is not configured: cannot open a modal")
        return
    _call("views.open", ambiguous_on_failure=False, trigger_id=trigger_id, view=view)


def respond_ephemeral(*, response_url: str, text: str) -> None:
    """Answer one person privately through the response_url that came with their action."""
    client = WebhookClient(response_url, timeout=settings.SLACK_TIMEOUT_SECONDS)
    try:
        response = client.send(text=text, response_type="ephemeral", replace_original=False)
    except (TimeoutError, OSError, http.client.HTTPException) as error:
        raise SlackTransient(f"response_url: {type(error).__name__} {error}") from error
    if response.status_code == 429:
        headers = {name.lower(): value for name, value in (response.headers or {}).items()}
        raw = headers.get("retry-after", "1")
        raise SlackRateLimited(float(raw[0] if isinstance(raw, list) else raw))
    if response.status_code >= 500:
        raise SlackTransient(f"response_url: HTTP {response.status_code}")
    if response.status_code != 200:
        raise SlackPermanent(f"response_url: HTTP {response.status_code} {response.body}")
