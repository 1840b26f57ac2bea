"""One webhook delivery, start to end: claim it, check the address again, sign, POST, and have the
outbox record what the receiver answered.

- 2xx: delivered.
- Network errors, timeouts, 408, 429 and 5xx: tried again later, with exponential backoff and
  jitter (and at least the receiver's Retry-After), until WEBHOOKS_MAX_ATTEMPTS.
- Any other answer (a redirect, which is never followed; 4xx): failed for good at once.
- An address that now leads to a private network: failed for good, and nothing is sent.
"""

import time
from dataclasses import dataclass
from http.client import HTTPException

from django.conf import settings
from django.utils import timezone, translation

from workers import outbox as worker_outbox
from workers.models import DeliveryStatus

from . import addresses, outbox, payload, sender, signing
from .models import WebhookDelivery

FINAL = (DeliveryStatus.SENT, DeliveryStatus.FAILED, DeliveryStatus.SKIPPED)
# Retry-After beyond this is not waited for: the delivery gives up rather than wait for days.
RETRY_AFTER_MAX_SECONDS = 3600


@dataclass(frozen=True)
class Outcome:
    result: str  # sent | failed | retry | busy | missing | skipped
    retry_in: float = 0.0


def _passing(status: int) -> bool:
    return status in (408, 429) or 500 <= status <= 599


def process(delivery_id: int) -> Outcome:
    current = (
        WebhookDelivery.objects.filter(pk=delivery_id).values_list("status", "not_before").first()
    )
    if current is None:
        return Outcome("missing")
    status, not_before = current
    if status in FINAL:
        return Outcome(status)
    if (not_before - timezone.now()).total_seconds() > 1:
        # Published again early (a "retry now" elsewhere, the sweeper): its own retry is due later.
        return Outcome("busy")
    delivery = outbox.claim(delivery_id)
    if delivery is None:
        # Another run holds it (its lease protects it) or has just finished it.
        return Outcome("busy")
    with translation.override(settings.LANGUAGE_CODE):
        return _send(delivery)


def _give_up(delivery: WebhookDelivery, error: str, **answer) -> Outcome:
    outbox.mark_failed(delivery, error=error, **answer)
    return Outcome("failed")


def _later(delivery: WebhookDelivery, error: str, *, started_at, status=None, answer="", wait=None):
    """A passing failure: it counts, backs off, and gives up (for good) at the cap."""
    attempt = delivery.attempts + 1
    if attempt >= settings.WEBHOOKS_MAX_ATTEMPTS:
        return _give_up(
            delivery,
            f"gave up after {attempt} attempts: {error}",
            started_at=started_at,
            status=status,
            answer=answer,
        )
    retry_in = worker_outbox.backoff(attempt)
    if wait is not None:
        if wait > RETRY_AFTER_MAX_SECONDS:
            return _give_up(
                delivery,
                f"{error}; the receiver asked to wait {int(wait)} s",
                started_at=started_at,
                status=status,
                answer=answer,
            )
        retry_in = max(retry_in, wait)
    outbox.mark_retry(
        delivery,
        started_at=started_at,
        retry_in=retry_in,
        status=status,
        error=error,
        answer=answer,
    )
    return Outcome("retry", retry_in=retry_in)


def _send(delivery: WebhookDelivery) -> Outcome:
    endpoint = delivery.endpoint
    if not endpoint.active:
        outbox.mark_failed(delivery, error="The webhook is turned off.", counts=False)
        return Outcome("skipped")
    if delivery.attempts >= settings.WEBHOOKS_MAX_ATTEMPTS:
        # Its last tries were lost with their workers.
        return _give_up(delivery, f"gave up after {delivery.attempts} attempts")
    started_at = timezone.now()
    body = delivery.body or outbox.fix_body(delivery, payload.body_for(delivery))
    try:
        target = addresses.check(endpoint.url)
    except addresses.AddressRefused as refused:
        return _give_up(delivery, refused.message, started_at=started_at)
    except addresses.AddressUnresolved as unresolved:
        return _later(delivery, unresolved.message, started_at=started_at)
    timestamp = int(time.time())
    raw = body.encode()
    headers = {
        "X-Incubator-Event": delivery.kind,
        "X-Incubator-Delivery": str(delivery.uuid),
        "X-Incubator-Timestamp": str(timestamp),
        "X-Incubator-Signature": signing.signature(
            secret=endpoint.secret, timestamp=timestamp, body=raw
        ),
    }
    if endpoint.previous_secret and (endpoint.previous_secret_until or started_at) > started_at:
        headers["X-Incubator-Signature-Previous"] = signing.signature(
            secret=endpoint.previous_secret, timestamp=timestamp, body=raw
        )
    try:
        answer = sender.post(
            target, body=raw, headers=headers, timeout=settings.WEBHOOKS_TIMEOUT_SECONDS
        )
    except (OSError, HTTPException, UnicodeError) as error:  # timeouts, TLS: OSErrors
        return _later(delivery, f"{type(error).__name__}: {error}", started_at=started_at)
    seen = {"started_at": started_at, "status": answer.status, "answer": answer.excerpt}
    if 200 <= answer.status <= 299:
        outbox.mark_sent(delivery, **seen)
        return Outcome("sent")
    if _passing(answer.status):
        return _later(delivery, f"HTTP {answer.status}", wait=answer.retry_after, **seen)
    if 300 <= answer.status <= 399:
        moved = f" to {answer.location[:200]}" if answer.location else ""
        return _give_up(
            delivery,
            f"HTTP {answer.status}: redirected{moved}; webhooks follow no redirect, "
            "so please give the new address",
            **seen,
        )
    return _give_up(delivery, f"HTTP {answer.status}", **seen)
