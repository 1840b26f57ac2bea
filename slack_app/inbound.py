"""Slack → incubator: check the shape of what Slack sent and hand it over; over HTTP, verify first.

`receive_command`, `receive_interaction` and `receive_event` are the one hand-over: they take what
Slack sent, already decoded, and return the JSON body to answer with (or None). The HTTP views
here and the Socket Mode runner (slack_app.socket) call exactly these, so both transports do the
same. Over HTTP, every request is verified (signature v0 over the raw body, five-minute window) before anything is
parsed. A signed request of the wrong shape (a string where Slack sends an object, a missing user)
is a 400 saying what is wrong, never a 500. Answers are immediate; anything that calls Slack back
(opening a modal, answering through a response_url) is published by name after commit and done by
a worker.
"""

import hashlib
import json
import logging
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from workers import publish

from . import blocks, client, handlers, home, receipts
from .handlers import ButtonPress, Command, ViewSubmission
from .interactions import MessageAction
from .models import EVENT_TYPE_MAX

log = logging.getLogger(__name__)

ID_MAX = 255
# Slack's deepest payloads (rich_text lists in a message, a modal's state) stay far above this.
DEPTH_MAX = 64


class Malformed(ValueError):
    """A signed request that is not shaped as Slack sends it."""


def slack_verified(view: Callable) -> Callable:
    @csrf_exempt
    @require_POST
    @wraps(view)
    def wrapper(request: HttpRequest) -> HttpResponse:
        signed = client.request_is_signed(
            body=request.body,
            timestamp=request.headers.get("X-Slack-Request-Timestamp", ""),
            signature=request.headers.get("X-Slack-Signature", ""),
        )
        if not signed:
            log.warning("Refused a Slack request with a bad or missing signature")
            return JsonResponse({"error": "invalid_signature"}, status=401)
        try:
            return view(request)
        except Malformed as error:
            log.warning("Refused a signed Slack request of the wrong shape: %s", error)
            return JsonResponse({"error": "invalid_payload", "detail": str(error)}, status=400)

    return wrapper


def _foreign(team_id: str, app_id: str) -> bool:
    return bool(
        (settings.SLACK_TEAM_ID and team_id != settings.SLACK_TEAM_ID)
        or (settings.SLACK_APP_ID and app_id != settings.SLACK_APP_ID)
    )


# --- shape checks --------------------------------------------------------------------------------


def _text(container: dict, key: str, *, required: bool = False, where: str = "") -> str:
    value = container.get(key)
    if value is None:
        if required:
            raise Malformed(f"{where}{key} is missing")
        return ""
    if not isinstance(value, str):
        raise Malformed(f"{where}{key} must be a string")
    return value


def _identifier(container: dict, key: str, *, required: bool = False, where: str = "") -> str:
    """Slack's ids (team, user, app, trigger, action): short, printable, never a NUL."""
    value = _text(container, key, required=required, where=where)
    if len(value) > ID_MAX or not value.isprintable():
        raise Malformed(f"{where}{key} is not an id")
    if required and not value:
        raise Malformed(f"{where}{key} is empty")
    return value


def _object(container: dict, key: str, *, required: bool = False) -> dict:
    value = container.get(key)
    if value is None:
        if required:
            raise Malformed(f"{key} is missing")
        return {}
    if not isinstance(value, dict):
        raise Malformed(f"{key} must be an object")
    return value


def _no_nul(value, where: str = "payload") -> None:
    """Slack clients cannot send a NUL; a payload holding one is refused as a whole, and so is
    one nested deeper than Slack nests anything (the handlers walk what they are given)."""
    pending = [(value, where, 0)]
    while pending:
        value, where, depth = pending.pop()
        if depth > DEPTH_MAX:
            raise Malformed(f"{where} is nested too deep")
        if isinstance(value, str):
            if "\x00" in value:
                raise Malformed(f"{where} contains a NUL character")
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str) and "\x00" in key:
                    raise Malformed(f"{where} contains a NUL character")
                pending.append((item, f"{where}.{key}", depth + 1))
        elif isinstance(value, list):
            pending.extend((item, where, depth + 1) for item in value)


def _json(raw: bytes | str, what: str):
    try:
        return json.loads(raw)
    except ValueError:
        raise Malformed(f"{what} is not JSON") from None
    except RecursionError:
        raise Malformed(f"{what} is nested too deep") from None


def command_key(*, timestamp: str, body: bytes) -> str:
    """The same signed request, replayed, gives the same key (and so the same proposal)."""
    digest = hashlib.sha256(timestamp.encode() + b":" + body).hexdigest()
    return f"slack:{digest[:48]}"


def envelope_key(envelope_id: str) -> str:
    """Over Socket Mode: the same envelope, delivered again (or to a second runner), gives the
    same key (and so the same proposal)."""
    digest = hashlib.sha256(b"envelope:" + envelope_id.encode()).hexdigest()
    return f"slack:{digest[:48]}"


def _command(data: dict, *, key: str) -> Command:
    return Command(
        slack_user_id=_identifier(data, "user_id", required=True),
        team_id=_identifier(data, "team_id"),
        text=_text(data, "text").strip(),
        trigger_id=_identifier(data, "trigger_id"),
        key=key,
    )


def _values(view: dict) -> dict[str, str]:
    """The modal's inputs as {block_id: text}: state.values.<block>.<action>.value."""
    values = _object(_object(view, "state"), "values")
    found = {}
    for block_id, actions in values.items():
        if not isinstance(actions, dict):
            raise Malformed("view.state.values must hold objects")
        for action in actions.values():
            if not isinstance(action, dict):
                raise Malformed("view.state.values must hold objects")
            selected = action.get("selected_option")  # radio buttons and selects
            if isinstance(selected, dict):
                found[block_id] = _text(selected, "value", where="view.state.values.")
            else:
                found[block_id] = _text(action, "value", where="view.state.values.")
    return found


# --- answers -------------------------------------------------------------------------------------


def _open_view_later(trigger_id: str, view: dict) -> None:
    publish.after_commit(publish.SLACK_OPEN_VIEW, trigger_id, view)


def _respond_later(response_url: str, text: str) -> None:
    """Answer a button press privately; Slack takes that answer through the response_url."""
    if response_url and text:
        publish.after_commit(publish.SLACK_RESPOND, response_url, text)


def _replace_later(response_url: str, message: blocks.Message | None) -> None:
    """Show the pressed message as it reads now (its buttons answered), through the response_url."""
    if response_url and message is not None:
        publish.after_commit(
            publish.SLACK_REPLACE_MESSAGE, response_url, message.text, message.blocks
        )


# --- the hand-over: the same functions for HTTP and Socket Mode ---------------------------------
#
# Each takes what Slack sent, already decoded (a slash command's fields, an interaction payload,
# an event callback), checks its shape (Malformed when it is wrong) and returns the JSON body
# Slack should get back, or None for an empty answer. The HTTP views below and slack_app.socket
# call exactly these.


def receive_command(fields: dict, *, key: str) -> dict | None:
    """A slash command: an ephemeral answer, or None when a modal is on its way. `key` names this
    delivery of it (command_key over HTTP, envelope_key over Socket Mode): the same key, the same
    proposal."""
    if not isinstance(fields, dict):
        raise Malformed("the command must be an object")
    command = _command(fields, key=key)
    if _foreign(command.team_id, _identifier(fields, "api_app_id")):
        return blocks.ephemeral(
            _("This command only works in the community's own Slack workspace.")
        )
    answer = handlers.command(command)
    if answer.view is not None:
        _open_view_later(command.trigger_id, answer.view)
        return None
    return blocks.ephemeral(answer.text)


def receive_interaction(payload: dict) -> dict | None:
    """A button, a modal's submission, a shortcut: None, or a modal's field errors."""
    if not isinstance(payload, dict):
        raise Malformed("payload must be an object")
    _no_nul(payload)
    kind = _identifier(payload, "type", required=True)
    team_id = _identifier(_object(payload, "team"), "id", where="team.")
    user_id = _identifier(
        _object(payload, "user", required=True), "id", required=True, where="user."
    )
    response_url = _text(payload, "response_url")
    trigger_id = _identifier(payload, "trigger_id")
    if _foreign(team_id, _identifier(payload, "api_app_id")):
        _respond_later(response_url, _("This app only works in the community's own workspace."))
        return None
    if kind == "block_actions":
        return _block_actions(payload, team_id, user_id, response_url, trigger_id)
    if kind == "view_submission":
        return _view_submission(payload, team_id, user_id, response_url)
    if kind == "message_action":
        return _message_action(payload, team_id, user_id, response_url, trigger_id)
    # Other kinds (view_closed, shortcuts we did not register): nothing to do.
    return None


def receive_event(body: dict) -> dict | None:
    """An Events API body: url_verification is answered with its challenge; an event callback is
    recorded once by its event_id and handed to a worker (slack_app.receipts)."""
    if not isinstance(body, dict):
        raise Malformed("the body must be an object")
    _no_nul(body)
    kind = _identifier(body, "type", required=True)
    if kind == "url_verification":
        return {"challenge": _identifier(body, "challenge", required=True)}
    if kind != "event_callback":
        return None  # app_rate_limited and the like: nothing to do
    team_id = _identifier(body, "team_id")
    event_id = _identifier(body, "event_id", required=True)
    event = _object(body, "event", required=True)
    event_type = _identifier(event, "type", required=True, where="event.")
    if len(event_type) > EVENT_TYPE_MAX:
        raise Malformed("event.type is not an event type")
    if _foreign(team_id, _identifier(body, "api_app_id")):
        log.warning("Ignored a Slack event from another workspace or app (%s)", team_id)
        return None
    receipts.event_receipt_record(
        event_id=event_id,
        team_id=team_id,
        type=event_type,
        event=event,
        ext_shared=body.get("is_ext_shared_channel") is True,
    )
    return None


def _block_actions(
    payload: dict, team_id: str, user_id: str, response_url: str, trigger_id: str
) -> dict | None:
    actions = payload.get("actions")
    if not isinstance(actions, list) or not actions:
        raise Malformed("actions must be a non-empty list")
    action = actions[0]
    if not isinstance(action, dict):
        raise Malformed("actions must hold objects")
    press = ButtonPress(
        slack_user_id=user_id,
        team_id=team_id,
        action_id=_identifier(action, "action_id", required=True, where="actions[0]."),
        value=_text(action, "value", where="actions[0]."),
        trigger_id=trigger_id,
    )
    answer = handlers.button(press)
    if answer.view is not None:
        _open_view_later(trigger_id, answer.view)
    _replace_later(response_url, answer.replace)
    _respond_later(response_url, answer.text)
    if answer.text and not response_url and _object(payload, "view").get("type") == "home":
        # A press in the Home tab has no response_url for the answer's words (a refusal: the
        # request was answered or withdrawn meanwhile): the Home is shown as it is now instead.
        home.home_pressed(slack_user_id=user_id)
    return None


def _view_submission(payload: dict, team_id: str, user_id: str, response_url: str) -> dict | None:
    view = _object(payload, "view", required=True)
    submission = ViewSubmission(
        slack_user_id=user_id,
        team_id=team_id,
        callback_id=_identifier(view, "callback_id", where="view."),
        view_id=_identifier(view, "id", where="view."),
        private_metadata=_text(view, "private_metadata", where="view."),
        values=_values(view),
    )
    answer = handlers.view_submission(submission)
    if answer.errors:
        return blocks.modal_errors(answer.errors)
    _respond_later(response_url, answer.text)
    return None


def _message_action(
    payload: dict, team_id: str, user_id: str, response_url: str, trigger_id: str
) -> dict | None:
    """A message shortcut: the message itself is checked by its handler, which refuses one it
    cannot use in words (through the response_url)."""
    action = MessageAction(
        slack_user_id=user_id,
        team_id=team_id,
        callback_id=_identifier(payload, "callback_id"),
        trigger_id=trigger_id,
        channel_id=_identifier(_object(payload, "channel"), "id", where="channel."),
        message=payload.get("message"),
    )
    answer = handlers.message_action(action)
    if answer.view is not None:
        _open_view_later(trigger_id, answer.view)
    _respond_later(response_url, answer.text)
    return None


# --- the HTTP endpoints ----------------------------------------------------------------------------


def _answer(body: dict | None) -> HttpResponse:
    return JsonResponse(body) if body is not None else HttpResponse(status=200)


@slack_verified
def slash_command(request: HttpRequest) -> HttpResponse:
    key = command_key(
        timestamp=request.headers.get("X-Slack-Request-Timestamp", ""), body=request.body
    )
    return _answer(receive_command(request.POST.dict(), key=key))


def _payload(request: HttpRequest) -> dict:
    payload = _json(request.POST.get("payload", ""), "payload")
    if not isinstance(payload, dict):
        raise Malformed("payload must be an object")
    return payload


@slack_verified
def interaction(request: HttpRequest) -> HttpResponse:
    return _answer(receive_interaction(_payload(request)))


@slack_verified
def events(request: HttpRequest) -> HttpResponse:
    """The Events API. Answered at once: the work is a worker's (Slack retries an event it does
    not hear back about within three seconds, and the receipt makes the retry do nothing)."""
    return _answer(receive_event(_json(request.body, "the body")))
