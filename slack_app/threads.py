"""Two-way threads: a reply in a proposal's Slack thread becomes a comment on the proposal.

The `message` event's handler (slack_app.handlers.EVENT_HANDLERS). A reply by a linked member, under
the root message the outbox keeps for the proposal (workers.models.SlackThread), goes through the
comment service like a comment written on the page (same validation and safe rendering; the usual
notifications), and remembers its message (channel, ts): an edit or deletion in Slack follows it, a
retried event finds it, and the outbox does not post it back to the thread. The app's own posts
(the thread's replies of web comments among them) are never imported. Someone whose Slack account
is not linked is asked, privately and once a day per thread, to connect it; when the proposer has
switched the import off, a replier is told so kindly, once per proposal.
"""

import logging

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import translation

from members import selectors as member_selectors
from members import services as member_services
from members.models import User
from proposals import permissions, selectors, services
from proposals.errors import ProposalError
from proposals.models import Proposal
from workers import publish
from workers.models import SlackThread

from . import blocks, mrkdwn
from .events import SlackEvent

logger = logging.getLogger(__name__)

# Messages that are a person's own words; every other subtype (joins, topic changes, a bot's
# posts, thread broadcasts' echoes…) is not a comment.
PERSON_SUBTYPES = frozenset({"", "file_share", "thread_broadcast", "me_message"})
CONNECT_PROMPT_SECONDS = 24 * 3600
IMPORT_OFF_NOTE_SECONDS = 90 * 24 * 3600


# Slack's channel ids, user ids and ts are short; the comment keeps 32 characters of its message's.
ID_MAX = 32


def _text(value) -> str:
    return value if isinstance(value, str) else ""


def _id(value) -> str:
    """One of Slack's ids or ts, or "" for anything that is not one."""
    return value if isinstance(value, str) and len(value) <= ID_MAX and value.isprintable() else ""


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _foreign(team_id: str) -> bool:
    return bool(settings.SLACK_TEAM_ID and team_id != settings.SLACK_TEAM_ID)


def _from_an_app(message: dict) -> bool:
    """The app's own posts (and any other app's or bot's): never a member's comment."""
    return bool(
        message.get("bot_id")
        or message.get("app_id")
        or message.get("bot_profile")
        or _text(message.get("subtype")) == "bot_message"
    )


def _thread_proposal(*, channel: str, thread_ts: str) -> Proposal | None:
    thread = (
        SlackThread.objects.select_related("proposal")
        .filter(channel_id=channel, root_ts=thread_ts, proposal__isnull=False)
        .first()
    )
    return thread.proposal if thread is not None else None


def _names(message: dict) -> dict[str, str]:
    """The linked members a message mentions, by Slack user id (one query)."""
    ids = mrkdwn.mentioned_users(message)
    if not ids:
        return {}
    members = User.objects.filter(Q(slack_user_id__in=ids), is_active=True)
    return {member.slack_user_id: member.public_name for member in members}


def _body(message: dict) -> str:
    return mrkdwn.to_markdown(message, names=_names(message))


def _language(member: User | None) -> str:
    return (member.preferred_language if member else "") or settings.LANGUAGE_CODE


def _tell(*, channel: str, user: str, thread_ts: str, text: str, once_key: str = "", seconds=0):
    """A private note to the replier in the thread, sent by a task after commit; with `once_key`,
    at most once in `seconds` (with the cache down, sent: better twice than never)."""
    if once_key:
        try:
            if not cache.add(once_key, 1, timeout=seconds):
                return
        except Exception:  # the cache backend's own errors (redis, file system) differ
            logger.warning("Cache unavailable; a Slack note may be sent twice.")
    publish.after_commit(publish.SLACK_POST_EPHEMERAL, channel, user, text, thread_ts)


def _connect_prompt(*, team_id: str, channel: str, user: str, thread_ts: str) -> None:
    url = _absolute(member_services.slack_link_path(team_id=team_id, slack_user_id=user))
    with translation.override(settings.LANGUAGE_CODE):
        text = blocks.connect_prompt(url=url)
    _tell(
        channel=channel,
        user=user,
        thread_ts=thread_ts,
        text=text,
        once_key=f"slack-thread-connect:{user}:{channel}:{thread_ts}",
        seconds=CONNECT_PROMPT_SECONDS,
    )


def _posted(team_id: str, event: dict) -> None:
    channel, ts = _id(event.get("channel")), _id(event.get("ts"))
    thread_ts, user = _id(event.get("thread_ts")), _id(event.get("user"))
    if not (channel and ts and user and thread_ts) or thread_ts == ts:
        return  # not a reply in a thread
    proposal = _thread_proposal(channel=channel, thread_ts=thread_ts)
    if proposal is None:
        return
    member = member_selectors.member_for_slack(slack_user_id=user)
    if member is None:
        _connect_prompt(team_id=team_id, channel=channel, user=user, thread_ts=thread_ts)
        return
    with translation.override(_language(member)):
        if not permissions.slack_replies_become_comments(proposal):
            _tell(
                channel=channel,
                user=user,
                thread_ts=thread_ts,
                text=blocks.thread_replies_off(url=_absolute(proposal.get_absolute_url())),
                once_key=f"slack-thread-off:{user}:{proposal.pk}",
                seconds=IMPORT_OFF_NOTE_SECONDS,
            )
            return
        try:
            services.comment_create(
                proposal=proposal,
                author=member,
                body=_body(event),
                slack_channel=channel,
                slack_ts=ts,
            )
        except (ValidationError, ProposalError) as error:
            reason = error.message if isinstance(error, ProposalError) else " ".join(error.messages)
            _tell(
                channel=channel,
                user=user,
                thread_ts=thread_ts,
                text=blocks.thread_reply_refused(reason),
            )


def _changed(event: dict) -> None:
    """An edit in Slack: the comment it became says the same (an unchanged text, e.g. a reply
    count or a link preview added to the message, changes nothing)."""
    message = event.get("message")
    if not isinstance(message, dict) or _from_an_app(message):
        return
    comment = selectors.comment_for_slack_message(
        channel=_text(event.get("channel")), ts=_text(message.get("ts"))
    )
    if comment is None:
        return
    editor = member_selectors.member_for_slack(slack_user_id=_text(message.get("user")))
    if editor is None or editor.pk != comment.author_id:
        return
    body = _body(message)
    if body == comment.body:
        return
    try:
        services.comment_update(comment=comment, by=editor, body=body)
    except (ValidationError, ProposalError):
        # Emptied in Slack (or too long): the comment keeps its last good words.
        logger.info("A Slack edit of comment %s was not applied.", comment.pk)


def _deleted(event: dict) -> None:
    """Deleted in Slack: the comment is deleted as its author deletes one on the page (the
    proposal's count follows)."""
    comment = selectors.comment_for_slack_message(
        channel=_text(event.get("channel")), ts=_text(event.get("deleted_ts"))
    )
    if comment is not None:
        services.comment_delete(comment=comment, by=comment.author)


def message(slack_event: SlackEvent) -> None:
    event = slack_event.event
    if _foreign(slack_event.team_id):
        return
    subtype = _text(event.get("subtype"))
    if subtype == "message_changed":
        _changed(event)
    elif subtype == "message_deleted":
        _deleted(event)
    elif subtype in PERSON_SUBTYPES and not _from_an_app(event):
        _posted(slack_event.team_id, event)
