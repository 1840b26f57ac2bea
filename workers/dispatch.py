"""One delivery, start to end: claim it, send it through its channel, and have the outbox record
what happened (sent, retry later, or failed for good). Also one card refresh and one daily digest.

The Celery tasks are thin shells around these: a `retry_in` becomes a countdown, so a worker never
sleeps waiting for Slack.
"""

import logging
import random
import time
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone, translation

from slack_app.client import SlackError, SlackPermanent, SlackRateLimited, SlackTransient

from . import outbox, pacing, publish, selectors
from .channels import email as email_channel
from .channels import inapp as inapp_channel
from .channels import slack as slack_channel
from .events import Channel, EventKind
from .models import FINAL_STATUSES, Delivery, DeliveryStatus, EmailDigest

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    result: str  # sent | skipped | failed | busy | retry | missing
    retry_in: float = 0.0
    slot_at: float | None = None


class Paced(Exception):
    """Our own pacing (about one message per second per channel): come back after `wait` seconds."""

    def __init__(self, wait: float):
        super().__init__(f"paced for {wait:.2f}s")
        self.wait = wait


def process(delivery_id: int, *, slot_at: float | None = None) -> Outcome:
    current = Delivery.objects.filter(pk=delivery_id).first()
    if current is None:
        return Outcome("missing")
    if current.status in FINAL_STATUSES:
        return Outcome(current.status)
    wait = (current.not_before - timezone.now()).total_seconds()
    if current.status == DeliveryStatus.PENDING and wait > 1:
        # Handed back earlier with its own retry already scheduled (and the sweeper behind it):
        # a stray run must not schedule another, which would lose the reserved Slack slot.
        return Outcome("retry", retry_in=wait) if current.attempts == 0 else Outcome("busy")
    if outbox.blocked_by_earlier(current):
        # The earlier one starts this one when it is done (tasks.deliver); this is the backstop.
        return Outcome("retry", retry_in=2.0 + 3.0 * random.random())
    delivery = outbox.claim(delivery_id)
    if delivery is None:
        # Another run holds it (its lease protects it) or has just finished it.
        return Outcome("busy")
    if delivery.channel == Channel.SLACK:
        return _slack(delivery, slot_at)
    if delivery.channel == Channel.EMAIL:
        return _email(delivery)
    outbox.mark_sent(delivery, inapp_channel.send(delivery))
    return Outcome("sent")


def _transient(delivery: Delivery, error: str) -> Outcome:
    if delivery.attempts >= settings.WORKERS_MAX_ATTEMPTS:
        outbox.mark_failed(delivery, f"gave up after {delivery.attempts} attempts: {error}")
        return Outcome("failed")
    retry_in = outbox.backoff(delivery.attempts)
    outbox.release(delivery, retry_in=retry_in, error=error)
    return Outcome("retry", retry_in=retry_in)


def _email(delivery: Delivery) -> Outcome:
    try:
        with translation.override(email_channel.language_of(delivery.recipient)):
            message_id = email_channel.send(delivery)
    except email_channel.NoAddress:
        outbox.mark_skipped(delivery, "The member has no email address.")
        return Outcome("skipped")
    except OSError as error:  # smtplib.SMTPException is an OSError
        return _transient(delivery, f"{type(error).__name__}: {error}")
    outbox.mark_sent(delivery, message_id)
    return Outcome("sent")


# --- Slack: the proposal's thread (its card), then the event's reply ------------------------------


class _Pace:
    """Takes the channel's next slot before each post; raises Paced when it is not yet time.

    A delivery handed back for its slot comes back with `slot_at` and keeps that slot.
    """

    def __init__(self, slot_at: float | None):
        self.slot_at = slot_at

    def take(self, channel: str) -> None:
        if self.slot_at is not None:
            early = self.slot_at - time.time()
            if early > 0.1:
                raise Paced(early)
            self.slot_at = None
            return
        wait = pacing.reserve(channel)
        if wait > 0.05:
            self.slot_at = time.time() + wait
            raise Paced(wait)


def _posting(delivery: Delivery, post):
    """Run one post with the delivery marked as posting, so a lost answer is looked up, not
    repeated. The mark stays only when Slack may have kept the post."""
    outbox.mark_posting(delivery)
    try:
        ts = post()
    except SlackError as error:
        if not error.ambiguous:
            outbox.clear_posting(delivery)
        raise
    return ts


def _ensure_thread(proposal, delivery: Delivery, pace: _Pace):
    """The proposal's root card, posted once. Returns (thread, whether it was posted just now)."""
    thread = outbox.thread_open(proposal=proposal, channel_id=slack_channel.channel_for(proposal))
    if thread.root_ts:
        return thread, False
    ts = None
    if thread.card_version > 0:
        # An earlier attempt may have posted the card and crashed before saving its ts.
        ts = slack_channel.find_card(channel=thread.channel_id, proposal=proposal)
    if ts is None:
        pace.take(thread.channel_id)
        outbox.thread_card_posting(thread)
        ts = _posting(
            delivery,
            lambda: slack_channel.post_card(
                channel=thread.channel_id, proposal=proposal, delivery=delivery
            ),
        )
        outbox.clear_posting(delivery)
    outbox.thread_rooted(thread, root_ts=ts)
    return thread, True


def _update_card(thread, proposal) -> None:
    version = thread.card_version + 1
    slack_channel.update_card(thread=thread, proposal=proposal, version=version)
    outbox.thread_card_updated(thread, version=version)


def _send_slack(delivery: Delivery, pace: _Pace) -> str:
    """Deliver one event to Slack and return the message's ts. Raises SlackError / Paced."""
    event = delivery.event
    ambiguous = delivery.external_id == outbox.POSTING
    if event.kind == EventKind.WEEKLY_DIGEST:
        found = slack_channel.find_weekly_digest(delivery=delivery) if ambiguous else None
        if found:
            return found
        pace.take(settings.SLACK_CHANNEL_ID)
        return _posting(delivery, lambda: slack_channel.post_weekly_digest(delivery=delivery))

    proposal = selectors.proposal_for_slack(proposal_id=event.proposal_id)
    thread, posted_now = _ensure_thread(proposal, delivery, pace)
    if event.kind == EventKind.SUBMITTED:
        # The card is the announcement; a reply would only repeat it.
        return thread.root_ts
    if not posted_now:
        _update_card(thread, proposal)
    found = slack_channel.find_reply(thread=thread, delivery=delivery) if ambiguous else None
    if found:
        return found
    pace.take(thread.channel_id)
    return _posting(delivery, lambda: slack_channel.post_reply(thread=thread, delivery=delivery))


def _slack(delivery: Delivery, slot_at: float | None) -> Outcome:
    if not slack_channel.is_configured():
        outbox.mark_skipped(delivery, "No Slack token configured.")
        return Outcome("skipped")
    pace = _Pace(slot_at)
    try:
        with translation.override(settings.LANGUAGE_CODE):
            ts = _send_slack(delivery, pace)
    except Paced as paced:
        outbox.release(delivery, retry_in=paced.wait)
        return Outcome("retry", retry_in=paced.wait, slot_at=pace.slot_at)
    except SlackRateLimited as limited:
        if delivery.attempts >= settings.WORKERS_MAX_ATTEMPTS:
            outbox.mark_failed(delivery, str(limited))
            return Outcome("failed")
        retry_in = limited.retry_after + random.uniform(0, 1)
        outbox.release(delivery, retry_in=retry_in, error=str(limited))
        return Outcome("retry", retry_in=retry_in)
    except SlackPermanent as error:
        outbox.mark_failed(delivery, f"Slack refused: {error}")
        return Outcome("failed")
    except SlackTransient as error:
        return _transient(delivery, str(error))
    outbox.mark_sent(delivery, ts)
    return Outcome("sent")


def refresh_card(proposal_id: int) -> bool:
    """Re-render a proposal's card if it has one. Permanent errors are logged, not retried;
    rate limits and passing failures are raised for the task to retry."""
    thread = selectors.slack_thread(proposal_id=proposal_id)
    if thread is None or not slack_channel.is_configured():
        return False
    proposal = selectors.proposal_for_slack(proposal_id=proposal_id)
    try:
        with translation.override(settings.LANGUAGE_CODE):
            _update_card(thread, proposal)
    except SlackPermanent as error:
        logger.error("Could not refresh the card of proposal %s: %s", proposal_id, error)
        return False
    return True


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
    if user is None or not user.email:
        return False
    the_day = date.fromisoformat(day)
    digest, _created = EmailDigest.objects.get_or_create(user=user, day=the_day)
    now = timezone.now()
    since = selectors.digest_since(user=user, day=the_day, now=now)
    if not EmailDigest.objects.filter(pk=digest.pk, sent_at__isnull=True).update(sent_at=now):
        return False
    with translation.override(email_channel.language_of(user)):
        groups = selectors.digest_groups(user=user, since=since)
        count = sum(len(group.lines) for group in groups)
        if count:
            try:
                email_channel.send_digest(user, groups=groups)
            except OSError:
                # Not sent after all: the next run may try again.
                EmailDigest.objects.filter(pk=digest.pk).update(sent_at=None)
                raise
    EmailDigest.objects.filter(pk=digest.pk).update(item_count=count)
    return count > 0
