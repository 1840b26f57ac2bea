"""What "Make it a proposal" shows in Slack (issue 12), as pure functions of data: the modal
prefilled from a message, the private prompt after a reaction, the author's direct message with
Confirm / Not me, and the private answers.

Member text is escaped in every mrkdwn field and in the notification fallback `text`; the
modal's inputs are plain text values, which Slack does not parse, so a draft goes in as written.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from workers.events import EventKind, headline

from .blocks import (
    LABEL_MAX,
    Message,
    _button,
    _input,
    _link,
    _message,
    _modal,
    _mrkdwn,
    _plain,
    clip,
    escape,
)
from .message_text import SUMMARY_MAX, TITLE_MAX, Draft

MODAL_CALLBACK = "make_proposal_submit"
SHORTCUT_CALLBACK = "make_proposal"  # the message shortcut's callback_id (the app's manifest)
PROMPT_OPEN = "make_proposal_open"  # the reaction prompt's button
PROMPT_DISMISS = "make_proposal_dismiss"
AUTHOR_CONFIRM = "author_confirm"
AUTHOR_DECLINE = "author_decline"
WHO_ME = "me"
WHO_AUTHOR = "author"
THEMES_MAX = 400
OPTION_MAX = 75  # a radio button's text (Block Kit's option object)


def _prefilled(block: dict, value: str) -> dict:
    if value:
        block["element"]["initial_value"] = value[: block["element"]["max_length"]]
    return block


def proposal_modal(*, draft: Draft, metadata: str, author_name: str = "") -> dict:
    """The idea form, prefilled from the message. `author_name`: the message's author, a linked
    member other than the person submitting, who may be named as its proposer instead."""
    blocks = [
        {
            "type": "context",
            "elements": [
                _mrkdwn(_("From a Slack message. Change anything you like before posting."))
            ],
        },
        _prefilled(_input("title", _("Title"), max_length=TITLE_MAX), draft.title),
        _prefilled(_input("summary", _("One-line summary"), max_length=SUMMARY_MAX), draft.summary),
        _prefilled(
            _input("themes", _("Themes (comma-separated)"), max_length=THEMES_MAX, optional=True),
            "、".join(draft.themes),
        ),
    ]
    if author_name:
        me = {"text": _plain(_("I propose it"), OPTION_MAX), "value": WHO_ME}
        # Slack refuses the whole form for an option over 75 characters: a long name is
        # shortened, the sentence around it kept.
        sentence = _("It's %(name)s's idea (they'll be asked to confirm)")
        room = max(OPTION_MAX - len(sentence % {"name": ""}), 10)
        name = clip(escape(author_name), room)
        author = {"text": _plain(sentence % {"name": name}, OPTION_MAX), "value": WHO_AUTHOR}
        blocks.append(
            {
                "type": "input",
                "block_id": "who",
                "label": _plain(_("Who proposes it?"), LABEL_MAX),
                "element": {
                    "type": "radio_buttons",
                    "action_id": "value",
                    "initial_option": me,
                    "options": [me, author],
                },
            }
        )
    return _modal(
        callback_id=MODAL_CALLBACK,
        title=_("Make it a proposal"),
        submit=_("Post"),
        blocks=blocks,
        private_metadata=metadata,
    )


def prompt_dismissed() -> Message:
    """The prompt, once its "Not now" is pressed: no buttons left."""
    text = _("No problem. You can make it a proposal later from the message's menu.")
    return _message(text, [{"type": "section", "text": _mrkdwn(text)}])


def already_a_proposal(*, title: str, url: str) -> str:
    return _("This message is already a proposal: %(link)s") % {"link": _link(url, title)}


def reaction_prompt(*, value: str) -> Message:
    """The private prompt to whoever reacted to a message with the proposal emoji."""
    text = _("Would you like to make this message a proposal? 🌱")
    button = _button(_("Make it a proposal"), PROMPT_OPEN, value=value)
    button["style"] = "primary"
    return _message(
        text,
        [
            {"type": "section", "text": _mrkdwn(text)},
            {
                "type": "actions",
                "elements": [button, _button(_("Not now"), PROMPT_DISMISS, value="")],
            },
        ],
    )


class AuthorState:
    """Where the author's question stands, as their direct message shows it."""

    OPEN = ""
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    ENDED = "ended"


@dataclass(frozen=True)
class AuthorDm:
    origin_id: int
    submitter: str
    title: str
    url: str
    state: str = AuthorState.OPEN


def author_dm(data: AuthorDm) -> Message:
    """Asks the message's author whether the proposal is theirs: Confirm / Not me; once
    answered (here or on the web), the same message says so instead of the buttons."""
    text = headline(
        EventKind.AUTHOR_ASKED, {"actor_name": escape(data.submitter), "title": escape(data.title)}
    )
    block = f"o{data.origin_id}{data.state or 'open'}"
    blocks: list[dict] = [{"type": "section", "block_id": f"{block}h", "text": _mrkdwn(text)}]
    if data.state == AuthorState.OPEN:
        confirm = _button(_("Confirm, it's mine"), AUTHOR_CONFIRM, value=str(data.origin_id))
        confirm["style"] = "primary"
        blocks.append(
            {
                "type": "actions",
                "block_id": f"{block}a",
                "elements": [
                    confirm,
                    _button(_("Not me"), AUTHOR_DECLINE, value=str(data.origin_id)),
                ],
            }
        )
        blocks.append(
            {
                "type": "context",
                "block_id": f"{block}w",
                "elements": [
                    _mrkdwn(
                        _("Until you answer, %(actor)s looks after it. “Not me” needs no reason.")
                        % {"actor": escape(data.submitter)}
                    )
                ],
            }
        )
    else:
        outcome = {
            AuthorState.CONFIRMED: _("You confirmed it: you are its proposer now. 🌱"),
            AuthorState.DECLINED: _("You said “not me”: it stays with %(actor)s.")
            % {"actor": escape(data.submitter)},
        }.get(data.state, _("This has already been answered."))
        blocks.append({"type": "section", "block_id": f"{block}x", "text": _mrkdwn(outcome)})
    blocks.append(
        {
            "type": "context",
            "block_id": f"{block}c",
            "elements": [_mrkdwn(_link(data.url, _("Open in incubator")))],
        }
    )
    return _message(text, blocks)
