"""Each Slack event is done once: recorded by its event_id where it arrives, handled by a worker.

`event_receipt_record` is called by the transport (the Events API endpoint or the Socket Mode
runner) with an event callback already checked for shape. The first arrival of an event_id writes
the receipt and publishes `workers.slack_handle_event` after commit; a later arrival (Slack's retry,
a second runner) writes nothing new, and publishes again only while the event is not yet handled
(the first publish may have been lost with the broker). `event_receipt_handle` runs in the worker:
it locks the receipt, calls the event's handler and marks it handled in the same transaction, so a
second task for the same event finds it done and does nothing.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from workers import publish

from . import handlers
from .events import SlackEvent
from .models import SlackEventReceipt

logger = logging.getLogger(__name__)

# An unhandled receipt this old is taken to have lost its task on the way to the broker; one
# older than REPUBLISH_UNTIL is left alone (its handler keeps failing: the log says why).
REPUBLISH_AFTER = timedelta(minutes=2)
REPUBLISH_UNTIL = timedelta(hours=1)


def event_receipt_record(
    *, event_id: str, team_id: str, type: str, event: dict, ext_shared: bool = False
) -> bool:
    """Record one arrival of an event. True when it is the first (the work is published)."""
    try:
        with transaction.atomic():
            SlackEventReceipt.objects.create(
                event_id=event_id, team_id=team_id, type=type, event=event, ext_shared=ext_shared
            )
    except IntegrityError:
        SlackEventReceipt.objects.filter(event_id=event_id).update(deliveries=F("deliveries") + 1)
        unhandled = SlackEventReceipt.objects.filter(
            event_id=event_id, handled_at__isnull=True
        ).exists()
        if unhandled:
            publish.after_commit(publish.SLACK_HANDLE_EVENT, event_id)
        return False
    publish.after_commit(publish.SLACK_HANDLE_EVENT, event_id)
    return True


def event_receipt_handle(*, event_id: str) -> str:
    """Hand the event to its handler once: "handled", or "done before" / "unknown"."""
    with transaction.atomic():
        receipt = SlackEventReceipt.objects.select_for_update().filter(event_id=event_id).first()
        if receipt is None:
            return "unknown"
        if receipt.handled_at is not None:
            return "done before"
        handlers.event(
            SlackEvent(
                event_id=receipt.event_id,
                team_id=receipt.team_id,
                type=receipt.type,
                event=receipt.event,
                ext_shared=receipt.ext_shared,
            )
        )
        receipt.handled_at = timezone.now()
        receipt.save(update_fields=["handled_at"])
    return "handled"


def event_receipts_sweep() -> int:
    """Beat: publish again the events whose task was lost, and forget receipts older than
    SLACK_EVENT_RECEIPT_DAYS (Slack retries for minutes, not days). Returns how many were pruned."""
    now = timezone.now()
    lost = SlackEventReceipt.objects.filter(
        handled_at__isnull=True,
        received_at__lt=now - REPUBLISH_AFTER,
        received_at__gte=now - REPUBLISH_UNTIL,
    ).values_list("event_id", flat=True)
    for event_id in lost:
        publish.publish(publish.SLACK_HANDLE_EVENT, event_id)
    pruned, _kinds = SlackEventReceipt.objects.filter(
        received_at__lt=now - timedelta(days=settings.SLACK_EVENT_RECEIPT_DAYS)
    ).delete()
    if pruned:
        logger.info("Pruned %d Slack event receipts.", pruned)
    return pruned
