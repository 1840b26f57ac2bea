"""Thin Celery tasks: they take ids and JSON only, re-load, and own their retry policy.

Every task here is idempotent, so acks_late + reject_on_worker_lost are safe: a killed worker's task
comes back and finds the delivery's state (and Slack's metadata) instead of repeating the work.
"""

import random

from celery import shared_task
from django.utils import timezone

from . import dispatch, outbox, periodic
from .channels import slack as slack_cards

# Hard limits far inside the Redis visibility timeout (3600 s), and inside the delivery lease.
DELIVERY_LIMITS = {"soft_time_limit": 30, "time_limit": 40}
LONGEST_COUNTDOWN = 600


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=None,
    ignore_result=True,
    **DELIVERY_LIMITS,
)
def deliver(self, delivery_id: int, slot_at: float | None = None) -> str:
    outcome = dispatch.process(delivery_id, slot_at=slot_at)
    if outcome.result == "retry" and outcome.retry_in > LONGEST_COUNTDOWN:
        # A countdown near the Redis visibility timeout would be redelivered early, again and
        # again; the row already says when it is due, and the sweeper sends it then.
        return "deferred"
    if outcome.result == "retry":
        # Also recorded on the row (status pending, not_before): if this publish is lost, the
        # sweeper sends it when it is due.
        raise self.retry(
            args=(delivery_id,),
            kwargs={"slot_at": outcome.slot_at},
            countdown=outcome.retry_in,
        )
    if outcome.result in ("sent", "failed"):
        # Per-thread order makes later replies wait for this one: start the next now.
        waiting = outbox.next_in_thread(delivery_id)
        if waiting is not None:
            deliver.apply_async((waiting,))
    return outcome.result


@shared_task(acks_late=True, ignore_result=True, soft_time_limit=60, time_limit=90)
def sweep_deliveries() -> int:
    return len(outbox.sweep())


@shared_task(acks_late=True, ignore_result=True, soft_time_limit=300, time_limit=360)
def send_daily_digests() -> int:
    return periodic.queue_daily_digests(day=timezone.localdate())


@shared_task(acks_late=True, ignore_result=True, soft_time_limit=60, time_limit=90)
def send_digest(user_id: int, day: str) -> bool:
    return periodic.send_digest(user_id=user_id, day=day)


@shared_task(acks_late=True, ignore_result=True, soft_time_limit=120, time_limit=180)
def remind_unanswered_join_requests() -> int:
    return periodic.remind_unanswered_join_requests()


@shared_task(acks_late=True, ignore_result=True, soft_time_limit=120, time_limit=180)
def nudge_quiet_proposals() -> int:
    return periodic.nudge_quiet_proposals()


@shared_task(acks_late=True, ignore_result=True, soft_time_limit=120, time_limit=180)
def post_weekly_slack_digest() -> int:
    return periodic.record_weekly_digest()


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=5, **DELIVERY_LIMITS)
def refresh_slack_card(self, proposal_id: int) -> bool:
    try:
        return slack_cards.refresh(proposal_id)
    except slack_cards.SlackRateLimited as limited:
        raise self.retry(countdown=limited.retry_after + random.uniform(0, 1)) from limited
    except slack_cards.SlackTransient as error:
        raise self.retry(countdown=outbox.backoff(self.request.retries + 1)) from error
