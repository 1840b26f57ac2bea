"""「やってみたいにする」 / "Make it a proposal" (issue 12): a message shortcut, or a reaction with
the proposal emoji, turns a Slack message into a proposal.

The shortcut (callback `make_proposal`) opens the idea form prefilled from the message; the form
keeps the message's channel, ts and author in its private_metadata, signed for the person who
opened it, so a forged or someone else's form creates nothing. Submitted, the proposal keeps the
message as its origin (proposals.origins) and its card is posted in the message's thread. A
reaction (`reaction_added` with SLACK_PROPOSAL_EMOJI) by a linked member gets a private prompt
whose button opens the same form. Nothing here calls Slack in a request: what must be read from
Slack (the reacted-to message) or sent (the prompt, a modal after a prompt's button) is done by a
worker (`reaction_prompt`, `open_message_modal`, published by name after commit).

The handlers take the member already resolved (slack_app.handlers routes to them) and answer with
an `interactions.Answer`.
"""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from members import selectors as member_selectors
from members.models import User
from proposals import origins
from proposals.errors import ProposalError
from proposals.models import AuthorAnswer, SlackOrigin, Tag
from proposals.wording import split_names
from workers import publish

from . import blocks, client, message_text, shortcut_blocks
from .events import SlackEvent
from .interactions import Answer, MessageAction

logger = logging.getLogger(__name__)

SALT = "slack_app.shortcuts.message"
# A form opened from a message is good for a day (Slack closes an unsubmitted modal long before).
METADATA_MAX_AGE = 24 * 3600
# Slack's channel ids, user ids and ts are short; the origin keeps 32 characters of each (a longer
# one is no Slack id, and would fail in the database when the form is submitted).
ID_MAX = SlackOrigin._meta.get_field("message_ts").max_length
TEXT_MAX = 40_000  # Slack's own limit on a message's text
MENTIONS_NAMED = 10


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _language(member: User | None) -> str:
    return (member.preferred_language if member else "") or settings.LANGUAGE_CODE


def _is_id(value: object) -> bool:
    return isinstance(value, str) and 0 < len(value) <= ID_MAX and value.isprintable()


@dataclass(frozen=True)
class SourceMessage:
    """The message a proposal is made from, checked."""

    channel_id: str
    ts: str
    thread_ts: str  # the thread it is in ("" at the top of the channel)
    author_slack_user_id: str
    text: str


class Refused(Exception):
    """A message that cannot become a proposal, with the reason in words."""


def source_message(message: object, *, channel_id: str) -> SourceMessage:
    """The message as Slack sent it (a shortcut's payload, or conversations.replies), checked."""
    if not isinstance(message, dict) or not _is_id(channel_id):
        raise Refused(_("I couldn't read that message. Please try again from the message itself."))
    ts, text, user = message.get("ts"), message.get("text", ""), message.get("user", "")
    thread_ts = message.get("thread_ts", "")
    if not _is_id(ts) or not isinstance(text, str) or not isinstance(user, str):
        raise Refused(_("I couldn't read that message. Please try again from the message itself."))
    if not isinstance(thread_ts, str) or (thread_ts and not _is_id(thread_ts)):
        raise Refused(_("I couldn't read that message. Please try again from the message itself."))
    if user and not _is_id(user):
        raise Refused(_("I couldn't read that message. Please try again from the message itself."))
    if (
        message.get("bot_id")
        or message.get("subtype") == "bot_message"
        or (settings.SLACK_APP_ID and message.get("app_id") == settings.SLACK_APP_ID)
    ):
        raise Refused(_("Messages from apps and bots can't be made into proposals."))
    if "\x00" in text or len(text) > TEXT_MAX:
        raise Refused(_("That message can't be made into a proposal."))
    if not text.strip():
        raise Refused(_("That message has no text to make a proposal from."))
    return SourceMessage(
        channel_id=channel_id,
        ts=ts,
        thread_ts=thread_ts if thread_ts != ts else "",
        author_slack_user_id=user,
        text=text,
    )


def _name_of(slack_user_id: str) -> str | None:
    member = member_selectors.member_for_slack(slack_user_id=slack_user_id)
    return member.public_name if member else None


def _draft(message: SourceMessage) -> message_text.Draft:
    names = {
        user_id: _name_of(user_id)
        for user_id in message_text.user_ids(message.text)[:MENTIONS_NAMED]
    }
    text = message_text.plain_text(message.text, name_of=names.get)
    suggested = Tag.objects.filter(suggested=True).values_list("name", flat=True)
    return message_text.draft(text, suggested=list(suggested))


def _signed(message: SourceMessage, *, submitter: str) -> str:
    return signing.dumps(
        {
            "c": message.channel_id,
            "ts": message.ts,
            "th": message.thread_ts,
            "a": message.author_slack_user_id,
            "u": submitter,
        },
        salt=SALT,
    )


def _unsigned(metadata: str, *, submitter: str) -> dict | None:
    """The form's message, if the form is ours, recent, and was opened by this person."""
    try:
        data = signing.loads(metadata, salt=SALT, max_age=METADATA_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("u") != submitter:
        return None
    if not all(isinstance(data.get(key), str) for key in ("c", "ts", "th", "a")):
        return None
    return data


def modal_for(member: User, message: SourceMessage) -> dict:
    author = member_selectors.member_for_slack(slack_user_id=message.author_slack_user_id)
    return shortcut_blocks.proposal_modal(
        draft=_draft(message),
        metadata=_signed(message, submitter=member.slack_user_id),
        author_name=author.public_name if author and author.pk != member.pk else "",
    )


def _already(origin: SlackOrigin) -> Answer:
    proposal = origin.proposal
    return Answer(
        text=shortcut_blocks.already_a_proposal(
            title=proposal.title, url=_absolute(proposal.get_absolute_url())
        )
    )


# --- the message shortcut ------------------------------------------------------------------------


def make_proposal(member: User, action: MessageAction) -> Answer:
    """The shortcut on a message: the idea form, prefilled from it."""
    try:
        message = source_message(action.message, channel_id=action.channel_id)
    except Refused as refused:
        return Answer(text=str(refused))
    earlier = origins.origin_of_message(channel_id=message.channel_id, message_ts=message.ts)
    if earlier is not None:
        return _already(earlier)
    if not action.trigger_id:
        return Answer(text=_("Please try the shortcut again."))
    return Answer(view=modal_for(member, message))


# The service names fields by the model's words; the form's blocks by its own.
_BLOCKS = {"title": "title", "summary": "summary", "tags": "themes"}


def _errors(error: ValidationError) -> dict[str, str]:
    if not hasattr(error, "error_dict"):
        return {"title": " ".join(error.messages)}
    found: dict[str, list[str]] = {}
    for name, messages in error.message_dict.items():
        found.setdefault(_BLOCKS.get(name, "title"), []).extend(messages)
    return {block: " ".join(messages) for block, messages in found.items()}


def form_submit(member: User, submission) -> Answer:
    """The form submitted: a proposal with the message as its origin (a `ViewSubmission`)."""
    data = _unsigned(submission.private_metadata, submitter=submission.slack_user_id)
    if data is None:
        return Answer(
            errors={
                "title": _("This form can't be used any more. Please start again from the message.")
            }
        )
    try:
        origins.proposal_from_slack(
            submitter=member,
            title=submission.value("title"),
            summary=submission.value("summary"),
            tags=split_names(submission.value("themes")),
            channel_id=data["c"],
            message_ts=data["ts"],
            thread_ts=data["th"],
            author_slack_user_id=data["a"],
            for_author=submission.value("who") == shortcut_blocks.WHO_AUTHOR,
            submission_key=f"slack-view:{submission.view_id}" if submission.view_id else "",
        )
    except ValidationError as error:
        return Answer(errors=_errors(error))
    except ProposalError as error:
        return Answer(errors={"title": error.message})
    return Answer()


# --- the reaction prompt -------------------------------------------------------------------------


def _pointer(channel_id: str, ts: str) -> str:
    return signing.dumps({"c": channel_id, "ts": ts}, salt=SALT + ".prompt")


def reaction_added(slack_event: SlackEvent) -> None:
    """The proposal emoji on a message, by a linked member in our workspace: a private prompt
    to them (sent by a worker after commit). Other emoji, foreign teams, strangers: nothing."""
    if settings.SLACK_TEAM_ID and slack_event.team_id != settings.SLACK_TEAM_ID:
        return
    event = slack_event.event
    item = event.get("item")
    if event.get("reaction") != settings.SLACK_PROPOSAL_EMOJI or not isinstance(item, dict):
        return
    channel, ts, user = item.get("channel"), item.get("ts"), event.get("user")
    if item.get("type") != "message" or not all(_is_id(value) for value in (channel, ts, user)):
        return
    if member_selectors.member_for_slack(slack_user_id=user) is None:
        return
    if origins.origin_of_message(channel_id=channel, message_ts=ts) is not None:
        return  # already a proposal: its card is in the message's thread
    publish.after_commit(publish.SLACK_REACTION_PROMPT, channel, ts, user)


def reaction_prompt(*, channel_id: str, ts: str, slack_user_id: str) -> str:
    """In a worker: the prompt, if the message is one a proposal can be made from (not a bot's,
    which Slack tells only with the message itself). Raises client.SlackError for the task's
    retry policy."""
    member = member_selectors.member_for_slack(slack_user_id=slack_user_id)
    if member is None or not client.is_configured():
        return "skipped"
    try:
        source_message(client.message_at(channel=channel_id, ts=ts), channel_id=channel_id)
    except Refused:
        return "skipped"
    with translation.override(_language(member)):
        prompt = shortcut_blocks.reaction_prompt(value=_pointer(channel_id, ts))
    client.post_ephemeral(
        channel=channel_id, user=slack_user_id, text=prompt.text, blocks=prompt.blocks
    )
    return "sent"


def prompt_open(member: User, press) -> Answer:
    """The prompt's button (a `ButtonPress`): a worker reads the message and opens the form
    within the trigger's three seconds."""
    try:
        data = signing.loads(press.value, salt=SALT + ".prompt", max_age=METADATA_MAX_AGE)
    except signing.BadSignature:
        data = None
    if not isinstance(data, dict) or not press.trigger_id:
        return Answer(text=_("Please react to the message again, or use its shortcut."))
    publish.after_commit(
        publish.SLACK_OPEN_MESSAGE_MODAL, press.trigger_id, data["c"], data["ts"], member.pk
    )
    return Answer()


def prompt_dismiss(member: User, press) -> Answer:
    return Answer(replace=shortcut_blocks.prompt_dismissed())


def open_message_modal(*, trigger_id: str, channel_id: str, ts: str, member_id: int) -> str:
    """In a worker: read the message and open the prefilled form (views.open)."""
    member = User.objects.filter(pk=member_id, is_active=True).first()
    if member is None:
        return "skipped"
    try:
        message = source_message(
            client.message_at(channel=channel_id, ts=ts), channel_id=channel_id
        )
    except Refused:
        return "skipped"
    with translation.override(_language(member)):
        view = modal_for(member, message)
    client.open_view(trigger_id=trigger_id, view=view)
    return "opened"


# --- the author's answer -------------------------------------------------------------------------


def author_message(origin: SlackOrigin) -> blocks.Message:
    """The author's direct message as it should read now."""
    state = {
        AuthorAnswer.PENDING: shortcut_blocks.AuthorState.OPEN,
        AuthorAnswer.CONFIRMED: shortcut_blocks.AuthorState.CONFIRMED,
        AuthorAnswer.DECLINED: shortcut_blocks.AuthorState.DECLINED,
    }.get(origin.author_answer, shortcut_blocks.AuthorState.ENDED)
    proposal = origin.proposal
    return shortcut_blocks.author_dm(
        shortcut_blocks.AuthorDm(
            origin_id=origin.pk,
            submitter=origin.submitted_by.public_name if origin.submitted_by else "",
            title=proposal.title,
            url=_absolute(reverse("proposals:detail", args=[proposal.pk])),
            state=state,
        )
    )


def _origin(value: str) -> SlackOrigin | None:
    if not (value.isascii() and value.isdigit()) or len(value) > 19 or not 0 < int(value) < 2**63:
        return None
    return (
        SlackOrigin.objects.select_related("proposal", "submitted_by").filter(pk=int(value)).first()
    )


def _answer(member: User, press, *, confirm: bool) -> Answer:
    origin = _origin(press.value)
    if origin is None:
        return Answer(text=_("That proposal no longer exists."))
    answer = origins.origin_confirm if confirm else origins.origin_decline
    try:
        answered = answer(origin=origin, by=member)
    except ProposalError as error:
        origin.refresh_from_db()
        if origin.author_id != member.pk:
            return Answer(text=blocks.refusal(error.message))
        return Answer(text=blocks.refusal(error.message), replace=author_message(origin))
    answered.proposal, answered.submitted_by = origin.proposal, origin.submitted_by
    return Answer(replace=author_message(answered))


def author_confirm(member: User, press) -> Answer:
    return _answer(member, press, confirm=True)


def author_decline(member: User, press) -> Answer:
    return _answer(member, press, confirm=False)
