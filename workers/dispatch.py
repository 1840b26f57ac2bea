"""One delivery, start to end: claim it, send it through its channel, and have the outbox record
what happened (sent, retry later, or failed for good). Also one card update and one daily digest.

Email, in-app and Slack direct-message deliveries run as one task each (`process`); a direct
message takes its slot of the Slack workspace's pace, the one every channel's sender shares. A
Slack delivery to a channel is one step of its
channel's sequence, which workers.relay owns (order and pace): `slack_post` makes the one post
the delivery needs next (its thread's card first, if the thread has none yet), `slack_card_update`
and `slack_card_repost` keep a card current: a proposal's (its thread's root) or a community
meetup's announcement (first posted by `slack_card_repost`, as a card not in the channel yet).
Each says what Slack answered, so the relay decides when the channel may go on; none of them
waits.
"""

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone, translation

from slack_app.client import SlackError, SlackPermanent, SlackRateLimited, SlackTransient

from . import lanes, outbox, publish, selectors
from .channels import email as email_channel
from .channels import inapp as inapp_channel
from .channels import meetup_card, slack_dm
from .channels import slack as slack_channel
from .events import Channel, EventKind
from .models import FINAL_STATUSES, Delivery, EmailDigest, SlackThread

logger = logging.getLogger(__name__)

# Slack's answers that mean the card is gone (deleted in Slack): post it again.
CARD_GONE = frozenset({"message_not_found", "thread_not_found"})
# A card Slack could not update for a passing reason is tried again this much later.
CARD_RETRY_SECONDS = 30.0


@dataclass(frozen=True)
class Outcome:
    result: str  # sent | skipped | failed | busy | retry | missing | relayed
    retry_in: float = 0.0


def process(delivery_id: int) -> Outcome:
    """An email or in-app delivery. A Slack one is handed to its channel's sender."""
    current = Delivery.objects.filter(pk=delivery_id).first()
    if current is None:
        return Outcome("missing")
    if current.status in FINAL_STATUSES:
        return Outcome(current.status)
    if current.channel == Channel.SLACK:
        publish.relay(current.lane)
        return Outcome("relayed")
    wait = (current.not_before - timezone.now()).total_seconds()
    if wait > 1:
        # Handed back earlier with its own retry already scheduled (and the sweeper behind it).
        return Outcome("busy")
    delivery = outbox.claim(delivery_id)
    if delivery is None:
        # Another run holds it (its lease protects it) or has just finished it.
        return Outcome("busy")
    if delivery.attempts >= settings.WORKERS_MAX_ATTEMPTS:
        outbox.mark_failed(delivery, f"gave up after {delivery.attempts} attempts")
        return Outcome("failed")
    if delivery.channel in PAUSABLE and _paused(delivery.recipient):
        outbox.mark_skipped(delivery, "The member paused their notifications.")
        return Outcome("skipped")
    if delivery.channel == Channel.EMAIL:
        return _email(delivery)
    if delivery.channel == Channel.SLACK_DM:
        return _slack_dm(delivery)
    outbox.mark_sent(delivery, inapp_channel.send(delivery))
    return Outcome("sent")


# What a member's "pause notifications" quiets; the in-app notifications still arrive.
PAUSABLE = frozenset({Channel.EMAIL, Channel.SLACK_DM})


def _paused(user) -> bool:
    until = getattr(user, "notifications_paused_until", None)
    return until is not None and until > timezone.now()


def _transient(delivery: Delivery, error: str) -> Outcome:
    """A real failure (timeout, 5xx, SMTP): it counts, backs off, and fails at the cap."""
    if delivery.attempts + 1 >= settings.WORKERS_MAX_ATTEMPTS:
        outbox.mark_failed(
            delivery, f"gave up after {delivery.attempts + 1} attempts: {error}", failure=True
        )
        return Outcome("failed")
    retry_in = outbox.backoff(delivery.attempts + 1)
    outbox.release(delivery, retry_in=retry_in, error=error, failure=True)
    return Outcome("retry", retry_in=retry_in)


def _email(delivery: Delivery) -> Outcome:
    try:
        with email_channel.as_reader(delivery.recipient):
            message_id = email_channel.send(delivery)
    except email_channel.NoAddress:
        outbox.mark_skipped(delivery, "The member has no email address.")
        return Outcome("skipped")
    except OSError as error:  # smtplib.SMTPException is an OSError
        return _transient(delivery, f"{type(error).__name__}: {error}")
    outbox.mark_sent(delivery, message_id)
    return Outcome("sent")


# --- a Slack direct message ----------------------------------------------------------------------

# A direct message waits this long at most, in its task, for its slot of the workspace's pace; a
# later slot is given back, and the delivery comes again then (no attempt counted).
DM_LONGEST_SLOT_WAIT = 5.0


class _Later(Exception):
    """The workspace's next slot is too far off to wait for here."""

    def __init__(self, wait: float):
        super().__init__(f"the workspace's next slot is in {wait:.1f} s")
        self.wait = wait


def _dm_slot() -> None:
    """Take the workspace's next write slot for a direct message's Slack call, which waits for it
    right before it leaves (`pace`); a slot too far off is given back."""
    now = timezone.now()
    slot = outbox.workspace_write(earliest=now)
    wait = (slot.at - now).total_seconds()
    if wait > DM_LONGEST_SLOT_WAIT:
        outbox.workspace_unused(slot)
        raise _Later(wait)
    pace(slot.at)


def _dm_conversation(user) -> tuple[str, bool]:
    """The member's conversation with the app: (its id, whether it was known before). Opened
    once per Slack account (conversations.open), with a slot of its own."""
    known = outbox.dm_channel(user)
    if known:
        return known, True
    _dm_slot()
    with _writing():
        channel = slack_dm.open_conversation(slack_user_id=user.slack_user_id)
    outbox.dm_channel_opened(user, channel_id=channel)
    return channel, False


def _slack_dm(delivery: Delivery) -> Outcome:
    """One direct message, posted once: claimed like an email (so two runs never both send it),
    marked as posting before the post (so a retry after a lost answer looks for it first), within
    the workspace's pace. Slack's Retry-After is waited out without counting an attempt; passing
    failures back off; a refusal (user_not_found, cannot_dm_bot, ...) fails it for good."""
    user = delivery.recipient
    if not slack_dm.is_configured():
        outbox.mark_skipped(delivery, "No Slack token configured.")
        return Outcome("skipped")
    if user is None or not user.is_active or not user.slack_user_id:
        outbox.mark_skipped(delivery, "The member has no linked Slack account.")
        return Outcome("skipped")
    with email_channel.as_reader(user):
        prepared = slack_dm.prepare(delivery)
    if prepared.message is None:
        outbox.mark_skipped(delivery, prepared.skip)
        return Outcome("skipped")
    known = False
    try:
        channel, known = _dm_conversation(user)
        _dm_slot()
        if delivery.external_id == outbox.POSTING:
            found = slack_dm.find(channel=channel, delivery=delivery)
            if found:
                outbox.mark_sent(delivery, found)
                return Outcome("sent")
        ts = _posting(
            delivery,
            lambda: slack_dm.post(channel=channel, delivery=delivery, message=prepared.message),
        )
    except _Later as later:
        outbox.release(delivery, retry_in=later.wait)
        return Outcome("retry", retry_in=later.wait)
    except SlackRateLimited as limited:
        wait = limited.retry_after + settings.SLACK_RETRY_AFTER_MARGIN_SECONDS
        outbox.release(delivery, retry_in=wait, error=str(limited))
        return Outcome("retry", retry_in=wait)
    except SlackPermanent as error:
        if known and error.code == "channel_not_found":
            # The conversation we knew is gone: the next attempt opens it again.
            outbox.dm_channel_lost(user)
            return _transient(delivery, f"Slack: {error}")
        outbox.mark_failed(delivery, f"Slack refused: {error}")
        return Outcome("failed")
    except SlackTransient as error:
        return _transient(delivery, str(error))
    outbox.mark_sent(delivery, ts)
    return Outcome("sent")


# --- Slack: one step of a channel's sequence -----------------------------------------------------


@dataclass(frozen=True)
class Step:
    # sent | card (the thread's card went first; the delivery's own post is next) | retry |
    # failed | skipped | paused (Slack's Retry-After) | busy | updated | lost (the card is gone)
    result: str
    pause: float = 0.0
    # Whether Slack was called (the call took its slots: the channel's, the workspace's).
    called: bool = True


_writes = threading.local()


def pace(gate: datetime | None) -> None:
    """The channel's sender says when its next Slack write may leave: the write waits for that
    moment itself, right before the call, so the work before it (claiming, loading, rendering)
    overlaps the wait instead of adding to every slot."""
    _writes.gate = gate


@contextmanager
def _writing() -> Iterator[None]:
    """Around one Slack write (a post, an update): it waits for the gate `pace` set before it,
    and notes when Slack answered (or the call gave up) after it."""
    gate = getattr(_writes, "gate", None)
    if gate is not None:
        _writes.gate = None
        wait = (gate - timezone.now()).total_seconds()
        if wait > 0:
            time.sleep(wait)
    try:
        yield
    finally:
        _writes.answered_at = timezone.now()


def answered_at(*, since: datetime) -> datetime:
    """When Slack last answered a write of this thread's, if it did since `since` (else `since`).
    A channel's pace counts from that answer (workers.relay): not from the moment the write left,
    which a slow answer would bring too close to the next on Slack's side, and not from the end
    of the step, whose bookkeeping would stretch every slot."""
    at = getattr(_writes, "answered_at", None)
    return at if at is not None and at >= since else since


def _posting(delivery: Delivery, post):
    """Run one post with the delivery marked as posting, so a lost answer is looked up, not
    repeated. The mark stays only when Slack may have kept the post."""
    outbox.mark_posting(delivery)
    try:
        with _writing():
            ts = post()
    except SlackError as error:
        if not error.ambiguous:
            outbox.clear_posting(delivery)
        raise
    return ts


def _post_card(thread: SlackThread, proposal, delivery: Delivery | None) -> str:
    """Post the card from the current state (or find the one an earlier attempt posted) and root
    the thread in it."""
    changes = thread.card_changes
    ts = None
    if thread.card_version > 0:
        # An earlier attempt may have posted the card and crashed before saving its ts.
        ts = slack_channel.find_card(channel=thread.channel_id, proposal=proposal)
    if ts is None:
        outbox.thread_card_posting(thread)

        def post():
            with _writing():
                return slack_channel.post_card(
                    channel=thread.channel_id, proposal=proposal, delivery=delivery
                )

        ts = _posting(delivery, post) if delivery is not None else post()
        if delivery is not None:
            outbox.clear_posting(delivery)
    outbox.thread_rooted(thread, root_ts=ts, changes=changes)
    return ts


def _send_slack(delivery: Delivery) -> tuple[str, str]:
    """The one post this delivery needs next: ("sent", ts) or ("card", root ts)."""
    event = delivery.event
    ambiguous = delivery.external_id == outbox.POSTING
    if event.kind == EventKind.WEEKLY_DIGEST:
        found = slack_channel.find_weekly_digest(delivery=delivery) if ambiguous else None
        if found:
            return "sent", found
        return "sent", _posting(
            delivery, lambda: slack_channel.post_weekly_digest(delivery=delivery)
        )
    if event.kind == EventKind.SELF_INTRODUCTION:
        found = slack_channel.find_self_introduction(delivery=delivery) if ambiguous else None
        if found:
            return "sent", found
        ts = _posting(delivery, lambda: slack_channel.post_self_introduction(delivery=delivery))
        return ("sent", ts) if ts else ("gone", "")
    proposal = selectors.proposal_for_slack(proposal_id=event.proposal_id)
    thread = outbox.thread_open(
        proposal=proposal, channel_id=delivery.lane or lanes.slack_lane_for(proposal)
    )
    if not thread.root_ts:
        ts = _post_card(thread, proposal, delivery)
        # The card is the announcement of a new proposal; a reply would only repeat it.
        return ("sent" if event.kind == EventKind.SUBMITTED else "card"), ts
    if event.kind == EventKind.SUBMITTED:
        return "sent", thread.root_ts
    found = slack_channel.find_reply(thread=thread, delivery=delivery) if ambiguous else None
    if found:
        return "sent", found
    return "sent", _posting(
        delivery, lambda: slack_channel.post_reply(thread=thread, delivery=delivery)
    )


def slack_post(delivery_id: int) -> Step:
    """The next post of one Slack delivery. Called by its channel's sender only, which holds the
    channel's lease: a delivery left in sending by a sender that died is taken over."""
    delivery = outbox.claim(delivery_id, take_over=True)
    if delivery is None:
        return Step("busy", called=False)
    if not slack_channel.is_configured():
        outbox.mark_skipped(delivery, "No Slack token configured.")
        return Step("skipped", called=False)
    if delivery.attempts >= settings.WORKERS_MAX_ATTEMPTS:
        outbox.mark_failed(delivery, f"gave up after {delivery.attempts} attempts")
        return Step("failed", called=False)
    try:
        with translation.override(settings.LANGUAGE_CODE):
            result, ts = _send_slack(delivery)
    except SlackRateLimited as limited:
        # Slack asks the channel to wait: no attempt counted, the delivery keeps its turn.
        outbox.release(delivery, error=str(limited))
        return Step("paused", pause=limited.retry_after)
    except SlackPermanent as error:
        outbox.mark_failed(delivery, f"Slack refused: {error}")
        return Step("failed")
    except SlackTransient as error:
        return Step(_transient(delivery, str(error)).result)
    if result == "card":
        outbox.release(delivery)
        return Step("card")
    if result == "gone":
        outbox.clear_posting(delivery)
        outbox.mark_skipped(delivery, "The member is no longer in the community.")
        return Step("skipped", called=False)
    outbox.mark_sent(delivery, ts)
    return Step("sent")


def _card_of(thread: SlackThread):
    """What the thread's card shows, read now (the latest state): ("proposal 3", post, update),
    `post()` posting the card (or finding the one an earlier attempt posted) and rooting the
    thread in it, `update(version)` editing it in place. None when its meetup is gone."""
    if thread.source_of_id is not None:
        return _source_card_of(thread)
    if thread.meetup_id is None:
        proposal = selectors.proposal_for_slack(proposal_id=thread.proposal_id)

        def post_proposal() -> str:
            return _post_card(thread, proposal, None)

        def update_proposal(version: int) -> None:
            slack_channel.update_card(thread=thread, proposal=proposal, version=version)

        return f"proposal {proposal.pk}", post_proposal, update_proposal
    meetup = meetup_card.meetup_for_card(meetup_id=thread.meetup_id)
    if meetup is None:
        return None

    def post_meetup() -> str:
        return _post_meetup_card(thread, meetup)

    def update_meetup(version: int) -> None:
        meetup_card.update_card(thread=thread, meetup=meetup, version=version)

    return f"meetup {meetup.pk}", post_meetup, update_meetup


def _source_card_of(thread: SlackThread):
    """A proposal's card in the thread of the Slack message it was made from: posted as a reply
    under that message (or found, after an attempt whose answer was lost), then edited in place."""
    proposal = selectors.proposal_for_slack(proposal_id=thread.source_of_id)

    def post() -> str:
        changes = thread.card_changes
        ts = None
        if thread.card_version > 0:
            ts = slack_channel.find_source_card(thread=thread, proposal=proposal)
        if ts is None:
            outbox.thread_card_posting(thread)
            with _writing():
                ts = slack_channel.post_source_card(thread=thread, proposal=proposal)
        outbox.thread_rooted(thread, root_ts=ts, changes=changes)
        return ts

    def update(version: int) -> None:
        slack_channel.update_card(thread=thread, proposal=proposal, version=version)

    return f"the source card of proposal {proposal.pk}", post, update


def _post_meetup_card(thread: SlackThread, meetup) -> str:
    """A meetup's announcement: posted from the current state when the meetup is announced (the
    relay finds it as a card not in the channel yet), or again when it was deleted in Slack."""
    changes = thread.card_changes
    ts = None
    if thread.card_version > 0:
        # An earlier attempt may have posted the card and crashed before saving its ts.
        ts = meetup_card.find_card(thread=thread, meetup=meetup)
    if ts is None:
        if not meetup_card.worth_announcing(meetup):
            raise _NotAnnounced
        outbox.thread_card_posting(thread)
        with _writing():
            ts = meetup_card.post_card(channel=thread.channel_id, meetup=meetup)
    outbox.thread_rooted(thread, root_ts=ts, changes=changes)
    return ts


class _NotAnnounced(Exception):
    """A meetup's card that has no reason to appear (cancelled, over, or team-only now)."""


def slack_card_update(thread_id: int) -> Step:
    """chat.update the card from the current state: idempotent and insensitive to event order."""
    thread = SlackThread.objects.filter(pk=thread_id).first()
    if thread is None or not thread.root_ts:
        return Step("lost", called=False)
    if not slack_channel.is_configured():
        # Like a delivery without a token, skipped: the card is not looked at again.
        outbox.thread_card_given_up(thread, changes=thread.card_changes)
        return Step("skipped", called=False)
    card = _card_of(thread)
    if card is None:
        outbox.thread_card_given_up(thread, changes=thread.card_changes)
        return Step("skipped", called=False)
    what, _post, update = card
    changes, version = thread.card_changes, thread.card_version + 1
    try:
        with translation.override(settings.LANGUAGE_CODE), _writing():
            update(version)
    except SlackRateLimited as limited:
        return Step("paused", pause=limited.retry_after)
    except SlackPermanent as error:
        if error.code in CARD_GONE:
            logger.warning("The card of %s is gone; posting it again.", what)
            outbox.thread_card_lost(thread)
            return Step("lost")
        logger.error("Could not update the card of %s: %s", what, error)
        outbox.thread_card_given_up(thread, changes=changes)
        return Step("failed")
    except SlackTransient as error:
        logger.warning("The card of %s waits: %s", what, error)
        outbox.thread_card_later(thread, seconds=CARD_RETRY_SECONDS)
        return Step("retry")
    outbox.thread_card_updated(thread, version=version, changes=changes)
    return Step("updated")


def slack_card_repost(thread_id: int) -> Step:
    """Post a card not in the channel: a meetup's announcement the first time, or any card that
    was deleted in Slack (a proposal's thread continues under the new one)."""
    thread = SlackThread.objects.filter(pk=thread_id).first()
    if thread is None or thread.root_ts or not slack_channel.is_configured():
        return Step("busy", called=False)
    card = _card_of(thread)
    if card is None:
        outbox.thread_card_given_up(thread, changes=thread.card_changes)
        return Step("busy", called=False)
    what, post, _update = card
    try:
        with translation.override(settings.LANGUAGE_CODE):
            post()
    except _NotAnnounced:
        outbox.thread_card_given_up(thread, changes=thread.card_changes)
        return Step("skipped", called=False)
    except SlackRateLimited as limited:
        return Step("paused", pause=limited.retry_after)
    except SlackPermanent as error:
        logger.error("Could not post the card of %s: %s", what, error)
        outbox.thread_card_given_up(thread, changes=thread.card_changes)
        return Step("failed")
    except SlackTransient as error:
        logger.warning("The card of %s waits to be posted: %s", what, error)
        outbox.thread_card_later(thread, seconds=CARD_RETRY_SECONDS)
        return Step("retry")
    return Step("sent")


# --- the daily email digest ----------------------------------------------------------------------


def digests_queue(*, day: date) -> int:
    """Publish one digest per member with unread notifications from the last two days."""
    since = timezone.now() - timedelta(days=2)
    user_ids = selectors.digest_recipient_ids(since=since)
    for user_id in user_ids:
        publish.publish(publish.SEND_DIGEST, user_id, day.isoformat())
    return len(user_ids)


def digest_send(*, user_id: int, day: str) -> bool:
    """At most one digest per member and day. Covers what arrived since the previous digest."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.email or _paused(user):
        return False
    the_day = date.fromisoformat(day)
    digest, _created = EmailDigest.objects.get_or_create(user=user, day=the_day)
    now = timezone.now()
    since = selectors.digest_since(user=user, day=the_day, now=now)
    if not EmailDigest.objects.filter(pk=digest.pk, sent_at__isnull=True).update(sent_at=now):
        return False
    teams: list[selectors.DigestTeam] = []
    with email_channel.as_reader(user):
        groups = selectors.digest_groups(user=user, since=since)
        count = sum(len(group.lines) for group in groups)
        if count:
            # A digest that goes anyway may also suggest a few teams (never a mail of its own).
            teams = selectors.digest_teams(user=user, day=the_day)
            try:
                email_channel.send_digest(user, groups=groups, teams=teams)
            except OSError:
                # Not sent after all: the next run may try again.
                EmailDigest.objects.filter(pk=digest.pk).update(sent_at=None)
                raise
    EmailDigest.objects.filter(pk=digest.pk).update(item_count=count, suggestion_count=len(teams))
    return count > 0
