"""The only module that imports slack_sdk: Web API calls, escaping, error classes, request signatures,
and the Socket Mode connection (slack_app.socket runs it).

Every failure Slack (or the network) can hand us becomes one of three errors, so callers decide
without knowing the SDK: SlackRateLimited (wait Retry-After), SlackTransient (back off and retry),
SlackPermanent (retrying cannot help). `ambiguous` says whether Slack may have acted although we saw
an error, which is what decides between "post again" and "look for the earlier post first".
"""

import contextlib
import http.client
import logging
import socket
import urllib.error
from collections.abc import Callable

from django.conf import settings
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier
from slack_sdk.socket_mode import SocketModeClient
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.webhook import WebhookClient

logger = logging.getLogger(__name__)

# Errors that say nothing about our request; everything else that Slack refuses is permanent.
TRANSIENT_ERRORS = frozenset(
    {"internal_error", "fatal_error", "service_unavailable", "request_timeout", "ratelimited"}
)
HISTORY_PAGES = 10


class SlackError(Exception):
    def __init__(self, message: str, *, ambiguous: bool = False, code: str = ""):
        super().__init__(message)
        # True when Slack may have acted on the request although we saw an error.
        self.ambiguous = ambiguous
        # Slack's own error code ("channel_not_found", "message_not_found", ...), when it gave one.
        self.code = code


class SlackRateLimited(SlackError):
    def __init__(self, retry_after: float):
        super().__init__(f"ratelimited (Retry-After: {retry_after:g})", code="ratelimited")
        self.retry_after = retry_after


class SlackTransient(SlackError):
    """Timeouts, dropped connections, 5xx: try again later with backoff."""


class SlackPermanent(SlackError):
    """channel_not_found, invalid_auth, token_revoked, invalid_blocks ...: retrying cannot help."""


def escape(text: str) -> str:
    """Slack's three control characters as entities: no <!channel> pings, no disguised links."""
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def is_configured() -> bool:
    return bool(settings.SLACK_BOT_TOKEN)


def _retry_after(headers) -> float:
    lowered = {name.lower(): value for name, value in (headers or {}).items()}
    raw = lowered.get("retry-after", "1")
    raw = raw[0] if isinstance(raw, list) else raw
    try:
        return max(0.0, float(raw))
    except (TypeError, ValueError):
        return 1.0


def _client(*, retry_connection_errors: bool) -> WebClient:
    # Posting never retries inside the SDK: a reset after Slack accepted a post would post twice.
    kwargs = {} if retry_connection_errors else {"retry_handlers": []}
    return WebClient(
        token=settings.SLACK_BOT_TOKEN,
        base_url=settings.SLACK_API_URL,
        timeout=settings.SLACK_TIMEOUT_SECONDS,
        **kwargs,
    )


def call(method: str, *, ambiguous_on_failure: bool, **kwargs) -> dict:
    """One Web API call with a JSON body; returns Slack's answer or raises a SlackError."""
    client = _client(retry_connection_errors=not ambiguous_on_failure)
    try:
        return client.api_call(method, json=kwargs).data
    except SlackApiError as error:
        status = error.response.status_code
        if status == 429:
            raise SlackRateLimited(_retry_after(error.response.headers)) from error
        data = error.response.data if isinstance(error.response.data, dict) else {}
        code = data.get("error", "") if status == 200 else ""
        if status >= 500 or code in TRANSIENT_ERRORS:
            raise SlackTransient(
                f"{method}: HTTP {status} {code}".strip(),
                ambiguous=ambiguous_on_failure,
                code=code,
            ) from error
        raise SlackPermanent(code or f"HTTP {status}", code=code) from error
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


def post_message(**kwargs) -> str:
    """chat.postMessage without link previews; returns the message's ts.

    A failure after Slack may have kept the post is ambiguous (see SlackError.ambiguous).
    """
    data = call(
        "chat.postMessage",
        ambiguous_on_failure=True,
        unfurl_links=False,
        unfurl_media=False,
        **kwargs,
    )
    return data["ts"]


def open_conversation(*, users: list[str]) -> str:
    """conversations.open with these Slack users: the app's direct message with one of them, or a
    group DM of several (introductions); returns its id. Slack opens it, or finds the one already
    open for the same people: asking twice opens nothing new."""
    data = call("conversations.open", ambiguous_on_failure=False, users=",".join(users))
    channel = data.get("channel") if isinstance(data, dict) else None
    if not isinstance(channel, dict) or not channel.get("id"):
        raise SlackPermanent("conversations.open gave no channel", code="no_channel")
    return channel["id"]


def open_direct_message(*, user: str) -> str:
    """The app's direct-message conversation with one Slack user ("D…")."""
    return open_conversation(users=[user])


def update_message(*, channel: str, ts: str, text: str, blocks: list[dict]) -> None:
    call(
        "chat.update", ambiguous_on_failure=False, channel=channel, ts=ts, text=text, blocks=blocks
    )


def post_ephemeral(
    *, channel: str, user: str, text: str, thread_ts: str = "", blocks: list[dict] | None = None
) -> None:
    """chat.postEphemeral: a message only `user` sees (and only while they are in the channel).
    Ambiguous on failure is harmless here: a second private note at worst."""
    extra = {"thread_ts": thread_ts} if thread_ts else {}
    if blocks:
        extra["blocks"] = blocks
    call(
        "chat.postEphemeral",
        ambiguous_on_failure=False,
        channel=channel,
        user=user,
        text=text,
        **extra,
    )


def unfurl(*, target: dict, unfurls: dict) -> None:
    """chat.unfurl: cards for links in a message (`target`: its channel and ts, or Slack's
    unfurl_id and source). Setting the same unfurls again changes nothing."""
    where = {
        key: str(target[key]) for key in ("channel", "ts", "unfurl_id", "source") if target.get(key)
    }
    call("chat.unfurl", ambiguous_on_failure=False, unfurls=unfurls, **where)


def _matches(message: dict, *, event_type: str, key: str, value: int) -> bool:
    metadata = message.get("metadata") or {}
    return metadata.get("event_type") == event_type and (
        (metadata.get("event_payload") or {}).get(key) == value
    )


def _find(method: str, *, event_type: str, key: str, value: int, **query) -> str | None:
    cursor = None
    for _page in range(HISTORY_PAGES):
        data = call(
            method,
            ambiguous_on_failure=False,
            include_all_metadata=True,
            limit=200,
            **query,
            **({"cursor": cursor} if cursor else {}),
        )
        for message in data.get("messages", []):
            if _matches(message, event_type=event_type, key=key, value=value):
                return message["ts"]
        cursor = (data.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return None
    return None


def find_in_channel(
    *, channel: str, oldest: float, event_type: str, key: str, value: int
) -> str | None:
    """A top-level message of ours whose metadata says `key == value`, posted since `oldest`."""
    return _find(
        "conversations.history",
        channel=channel,
        oldest=f"{oldest:.6f}",
        event_type=event_type,
        key=key,
        value=value,
    )


def find_in_thread(
    *, channel: str, root_ts: str, event_type: str, key: str, value: int
) -> str | None:
    """A reply of ours under `root_ts` whose metadata says `key == value`."""
    return _find(
        "conversations.replies",
        channel=channel,
        ts=root_ts,
        event_type=event_type,
        key=key,
        value=value,
    )


def open_view(*, trigger_id: str, view: dict) -> None:
    """Open a modal for the person who just ran the command or pressed a button (views.open)."""
    if not is_configured():
        logger.warning("Slack is not configured: cannot open a modal")
        return
    call("views.open", ambiguous_on_failure=False, trigger_id=trigger_id, view=view)


def permalink(*, channel: str, ts: str) -> str:
    """chat.getPermalink: the address of one message (a proposal's origin, issue 12)."""
    data = call("chat.getPermalink", ambiguous_on_failure=False, channel=channel, message_ts=ts)
    link = data.get("permalink") if isinstance(data, dict) else None
    if not isinstance(link, str) or not link.startswith("https://"):
        raise SlackPermanent("chat.getPermalink gave no permalink", code="no_permalink")
    return link


def message_at(*, channel: str, ts: str) -> dict | None:
    """One message by its channel and ts, at the top of the channel or in a thread
    (conversations.replies gives a message by its own ts too); None when Slack has none."""
    data = call(
        "conversations.replies",
        ambiguous_on_failure=False,
        channel=channel,
        ts=ts,
        latest=ts,
        inclusive=True,
        limit=1,
    )
    for message in data.get("messages", []) if isinstance(data, dict) else []:
        if isinstance(message, dict) and message.get("ts") == ts:
            return message
    return None


def publish_home(*, user_id: str, view: dict) -> None:
    """Show this Slack user's App Home tab (views.publish replaces the whole view: a repeat shows
    the same again)."""
    call("views.publish", ambiguous_on_failure=False, user_id=user_id, view=view)


def respond_ephemeral(*, response_url: str, text: str) -> None:
    """Answer one person privately through the response_url that came with their action."""
    _respond(response_url, text=text, response_type="ephemeral", replace_original=False)


def respond_replace(*, response_url: str, text: str, blocks: list[dict]) -> None:
    """Replace the message whose button was pressed (e.g. a direct message's buttons by what was
    answered), through the response_url that came with the action."""
    _respond(response_url, text=text, blocks=blocks, replace_original=True)


def _respond(response_url: str, **body) -> None:
    client = WebhookClient(response_url, timeout=settings.SLACK_TIMEOUT_SECONDS)
    try:
        response = client.send(**body)
    except (TimeoutError, OSError, http.client.HTTPException, ValueError) as error:
        raise SlackTransient(f"response_url: {type(error).__name__} {error}") from error
    if response.status_code == 429:
        raise SlackRateLimited(_retry_after(response.headers))
    if response.status_code >= 500:
        raise SlackTransient(f"response_url: HTTP {response.status_code}")
    if response.status_code != 200:
        raise SlackPermanent(f"response_url: HTTP {response.status_code} {response.body}")


def request_is_signed(*, body: bytes, timestamp: str, signature: str) -> bool:
    """Slack's v0 signature over the raw body, within five minutes. Malformed input is simply
    invalid, never an exception (the SDK raises on a non-numeric timestamp or non-UTF-8 body)."""
    secret = settings.SLACK_SIGNING_SECRET
    if not (secret and timestamp and signature):
        return False
    if not (timestamp.isascii() and timestamp.isdigit()):
        return False
    try:
        return SignatureVerifier(secret).is_valid(
            body=body, timestamp=timestamp, signature=signature
        )
    except (ValueError, UnicodeDecodeError):
        return False


# --- Socket Mode -----------------------------------------------------------------------------------

# (envelope type, envelope_id, payload) → the payload to acknowledge the envelope with, or None.
EnvelopeHandler = Callable[[str, str, object], dict | None]


def _shut(sock) -> None:
    """Wake a read blocked on this socket (closing it from another thread does not)."""
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


class _SocketModeClient(SocketModeClient):
    """The SDK's built-in client, but replacing a connection (after a `disconnect` envelope)
    does not wait for the old connection's blocked read to time out: the SDK closes the old one
    under its receive lock, three seconds during which the new connection's envelopes would go
    unread, past Slack's time to acknowledge them."""

    def connect(self) -> None:
        old = self.current_session
        if old is not None:
            close = old.close

            def close_now() -> None:
                _shut(old.sock)
                close()

            old.close = close_now
        super().connect()


class SocketMode:
    """One Socket Mode connection: slack_sdk's built-in SocketModeClient (no websocket package of
    its own), opened with the app-level token through apps.connections.open at SLACK_API_URL.

    Each envelope (slash_commands, interactive, events_api) is given to `on_envelope` in one of
    the SDK's worker threads, then acknowledged with its envelope_id and what `on_envelope`
    returned (an ephemeral answer, a modal's errors), within Slack's three seconds. An envelope
    whose handling raised is not acknowledged: Slack sends it again, and the hand-over does
    nothing twice. The SDK reconnects by itself: on a `disconnect` envelope, when Slack closes the
    socket, and when a connection stays silent for four pings.
    """

    def __init__(self, *, app_token: str, on_envelope: EnvelopeHandler, ping_interval: float):
        self._on_envelope = on_envelope
        web_client = WebClient(
            base_url=settings.SLACK_API_URL, timeout=settings.SLACK_TIMEOUT_SECONDS
        )
        self._client = _SocketModeClient(
            app_token=app_token,
            web_client=web_client,
            ping_interval=ping_interval,
            auto_reconnect_enabled=True,
            logger=logging.getLogger("slack_app.socket.connection"),
        )
        # The raw listener, not the SDK's request listener: every envelope is acknowledged, even
        # one whose payload the SDK's SocketModeRequest would not take (a list, a string).
        self._client.message_listeners.append(self._on_message)

    def _on_message(self, sdk_client: SocketModeClient, message: dict, raw: str | None) -> None:
        envelope_id = message.get("envelope_id") if isinstance(message, dict) else None
        if not isinstance(envelope_id, str) or not envelope_id:
            return  # hello, and whatever is no envelope (disconnect is the SDK's own)
        kind = message.get("type")
        try:
            payload = self._on_envelope(kind, envelope_id, message.get("payload"))
        except Exception:
            logger.exception(
                "A Socket Mode %s envelope failed; left unacknowledged for Slack to send again",
                kind,
            )
            return
        response = SocketModeResponse(envelope_id=envelope_id, payload=payload)
        sdk_client.send_socket_mode_response(response)

    def connect(self) -> None:
        """Open the first connection. SlackPermanent when Slack refuses the token (retrying cannot
        help), SlackTransient when it cannot be reached now."""
        try:
            self._client.connect()
        except SlackApiError as error:
            data = error.response.data if isinstance(error.response.data, dict) else {}
            code = data.get("error", "") or f"HTTP {error.response.status_code}"
            if error.response.status_code >= 500 or code in TRANSIENT_ERRORS:
                raise SlackTransient(f"apps.connections.open: {code}", code=code) from error
            raise SlackPermanent(f"apps.connections.open: {code}", code=code) from error
        except (urllib.error.URLError, TimeoutError, OSError, http.client.HTTPException) as error:
            raise SlackTransient(f"apps.connections.open: {error}") from error

    def is_connected(self) -> bool:
        return self._client.is_connected()

    def close(self) -> None:
        """Stop at once: the SDK's own close waits for a blocked read to time out (its receive
        lock) and for its queue's poll; both are woken first. Envelopes being handled finish."""
        sdk = self._client
        sdk.closed = True
        sdk.auto_reconnect_enabled = False
        sdk.current_session_state.terminated = True
        if sdk.current_session is not None:
            _shut(sdk.current_session.sock)
        sdk.message_queue.put(None)
        sdk.close()
