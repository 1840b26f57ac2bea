"""An event of a kind some webhooks hear becomes one delivery per webhook, in the event's own
transaction: a rolled-back change sends nothing, a committed one loses nothing (if the broker is
down at commit, beat's sweeper publishes the deliveries later).

workers.services calls `event_recorded` for every event it records; this module imports nothing
that imports workers.services back.
"""

from datetime import datetime
from functools import partial

from django.db import transaction
from django.utils import timezone

from workers import publish

from .kinds import WEBHOOK_KINDS
from .models import Endpoint, WebhookDelivery


def event_recorded(*, event, not_before: datetime | None = None) -> int:
    """Queue the event for every webhook that is on and hears its kind; how many were queued.

    Must run inside the caller's transaction. A kind no webhook may hear costs no query.
    """
    if event.kind not in WEBHOOK_KINDS:
        return 0
    listening = [
        pk
        for pk, kinds in Endpoint.objects.filter(active=True).values_list("pk", "events")
        if event.kind in kinds
    ]
    if not listening:
        return 0
    now = timezone.now()
    due = max(not_before or now, now)
    rows = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(
                endpoint_id=pk,
                event=event,
                kind=event.kind,
                not_before=due,
                created_at=now,
                updated_at=now,
            )
            for pk in listening
        ]
    )
    publish_after_commit([(row.pk, row.not_before) for row in rows])
    return len(rows)


def _publish(jobs: list[tuple[int, datetime]]) -> int:
    """Stops at the first refusal: the broker is down, and the rest wait for the sweeper too."""
    for count, (delivery_id, due) in enumerate(jobs):
        if not publish.publish(publish.DELIVER_WEBHOOK, delivery_id, eta=due):
            return count
    return len(jobs)


def publish_after_commit(jobs: list[tuple[int, datetime]]) -> None:
    if jobs:
        transaction.on_commit(partial(_publish, list(jobs)), robust=True)
