"""Runs one delivery through its channel and decides what happens next (done, later, or never).

The Celery task is a thin shell around `process`: it turns an Outcome with `retry_in` into a
`self.retry(countdown=...)`, so the worker never sleeps waiting for Slack.
"""

import logging
import random
import time
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from . import outbox, pacing
from .channels import email as email_channel
from .channels import slack as slack_channel
from .events import Channel
from .models import Delivery, DeliveryStatus

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    result: str  # sent | skipped | failed | busy | retry | missing
    retry_in: float = 0.0
    slot_at: float | None = None


def process(delivery_id: int, *, slot_at: float | None = None) -> Outcome:
    current = Delivery.objects.filter(pk=delivery_id).first()
    if current is None:
        return Outcome("missing")
    if current.status in (DeliveryStatus.SENT, DeliveryStatus.FAILED, DeliveryStatus.SKIPPED):
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
    outbox.mark_sent(delivery)
    return Outcome("sent")


def _transient(delivery: Delivery, error: str) -> Outcome:
    if delivery.attempts >= settings.WORKERS_MAX_ATTEMPTS:
        outbox.mark_final(
            delivery, DeliveryStatus.FAILED, f"gave up after {delivery.attempts} attempts: {error}"
        )
        return Outcome("failed")
    retry_in = outbox.backoff(delivery.attempts)
    outbox.release(delivery, retry_in=retry_in, error=error)
    return Outcome("retry", retry_in=retry_in)


def _email(delivery: Delivery) -> Outcome:
    try:
        sent = email_channel.send_notification(delivery)
    except OSError as error:  # smtplib.SMTPException is an OSError
        return _transient(delivery, f"{type(error).__name__}: {error}")
    if not sent:
        outbox.mark_final(delivery, DeliveryStatus.SKIPPED, "The member has no email address.")
        return Outcome("skipped")
    outbox.mark_sent(delivery)
    return Outcome("sent")


def _slack(delivery: Delivery, slot_at: float | None) -> Outcome:
    if not slack_channel.is_configured():
        outbox.mark_final(delivery, DeliveryStatus.SKIPPED, "No Slack token configured.")
        return Outcome("skipped")
    reserved = {"at": slot_at}

    def take_slot(channel: str) -> None:
        if reserved["at"] is not None:
            early = reserved["at"] - time.time()
            if early > 0.1:
                raise slack_channel.SlackPaced(early)  # keep the slot already reserved
            reserved["at"] = None
            return
        wait = pacing.reserve(channel)
        if wait > 0.05:
            raise slack_channel.SlackPaced(wait)

    try:
        ts = slack_channel.send(delivery, take_slot=take_slot)
    except slack_channel.SlackPaced as paced:
        outbox.release(delivery, retry_in=paced.wait)
        return Outcome(
            "retry", retry_in=paced.wait, slot_at=reserved["at"] or time.time() + paced.wait
        )
    except slack_channel.SlackRateLimited as limited:
        if delivery.attempts >= settings.WORKERS_MAX_ATTEMPTS:
            outbox.mark_final(delivery, DeliveryStatus.FAILED, str(limited))
            return Outcome("failed")
        retry_in = limited.retry_after + random.uniform(0, 1)
        outbox.release(delivery, retry_in=retry_in, error=str(limited))
        return Outcome("retry", retry_in=retry_in)
    except slack_channel.SlackPermanent as error:
        outbox.mark_final(delivery, DeliveryStatus.FAILED, f"Slack refused: {error}")
        return Outcome("failed")
    except slack_channel.SlackTransient as error:
        return _transient(delivery, str(error))
    outbox.mark_sent(delivery, ts)
    return Outcome("sent")
