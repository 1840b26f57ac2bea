"""What a handler answers, and the requests it is handed that live outside slack_app.handlers
(so that the capability modules handlers.py routes to, like shortcuts.py, need not import it)."""

from dataclasses import dataclass, field

from . import blocks


@dataclass(frozen=True)
class Answer:
    """What the person sees: a private text, a modal to open, or a modal's field errors."""

    text: str = ""  # mrkdwn, built by slack_app.blocks (member text already escaped)
    view: dict | None = None
    errors: dict[str, str] = field(default_factory=dict)
    # The message whose button was pressed, as it should read now (its buttons answered).
    replace: blocks.Message | None = None


@dataclass(frozen=True)
class MessageAction:
    """A message shortcut (`message_action`): which one, who ran it, and the message as Slack
    sent it (an object whose fields the shortcut's handler checks itself, so that a message it
    cannot use is refused in words, not with an error page)."""

    slack_user_id: str
    team_id: str
    callback_id: str
    trigger_id: str
    channel_id: str
    message: object
