"""The one place that hands work to Celery: tasks are published by name, after commit.

Nothing imports workers.tasks (the worker registers it through autodiscovery), so the domain never
depends on Celery's task objects and there is no import cycle through them. Publishing is robust: a
broker that is down or slow is logged, never raised, because the outbox rows are already committed
and the beat sweeper sends them later. A committed change never becomes an error.
"""

import logging
from datetime import datetime
from functools import partial

from django.db import transaction
from django.utils import timezone

from incubator.celery_app import app

logger = logging.getLogger(__name__)

# Task names (workers/tasks.py registers each under exactly this name).
DELIVER = "workers.deliver"
RELAY_CHANNEL = "workers.relay_channel"
REFRESH_SLACK_CARD = "workers.refresh_slack_card"
SEND_DIGEST = "workers.send_digest"
SLACK_OPEN_VIEW = "workers.slack_open_view"
SLACK_RESPOND = "workers.slack_respond"
SLACK_REPLACE_MESSAGE = "workers.slack_replace_message"
# One Slack event callback, by its receipt's event_id (slack_app.receipts).
SLACK_HANDLE_EVENT = "workers.slack_handle_event"
# "Make it a proposal" (issue 12): the origin's permalink, and the reaction's private prompt.
SLACK_ORIGIN_PERMALINK = "workers.slack_origin_permalink"
SLACK_REACTION_PROMPT = "workers.slack_reaction_prompt"
SLACK_OPEN_MESSAGE_MODAL = "workers.slack_open_message_modal"
DELIVER_WEBHOOK = "workers.deliver_webhook"  # webhooks.dispatch: one webhook request
# The Slack App Home (workers/home_sender.py): one member's Home, and those a change touched.
PUBLISH_SLACK_HOME = "workers.publish_slack_home"
REFRESH_SLACK_HOMES = "workers.refresh_slack_homes"
# Slack's events answered (issue 12): a private note in a thread, a link's card.
SLACK_POST_EPHEMERAL = "workers.slack_post_ephemeral"
SLACK_UNFURL = "workers.slack_unfurl"
# applications.mail: one email to someone who asked to join (not a member yet).
SEND_APPLICATION_MAIL = "workers.send_application_mail"
# Started by beat (CELERY_BEAT_SCHEDULE names them).
SWEEP_DELIVERIES = "workers.sweep_deliveries"
SEND_DAILY_DIGESTS = "workers.send_daily_digests"
REMIND_UNANSWERED_JOIN_REQUESTS = "workers.remind_unanswered_join_requests"
NUDGE_QUIET_PROPOSALS = "workers.nudge_quiet_proposals"
POST_WEEKLY_SLACK_DIGEST = "workers.post_weekly_slack_digest"
SEND_MEETUP_REMINDERS = "workers.send_meetup_reminders"
SEND_MEETUP_FOLLOW_UPS = "workers.send_meetup_follow_ups"
EXPIRE_INVITATIONS = "workers.expire_invitations"
SEND_ORGANISER_DIGEST = "workers.send_organiser_digest"
ASK_ABOUT_COMMITMENTS = "workers.ask_about_commitments"
RUN_INTRODUCTIONS = "workers.run_introductions"
# The introductions' one Slack sender (introductions/slack.py), poked after a round commits.
SEND_INTRODUCTIONS = "workers.send_introductions"
SWEEP_SLACK_EVENT_RECEIPTS = "workers.sweep_slack_event_receipts"


def publish(name: str, *args, eta: datetime | None = None, **kwargs) -> bool:
    """Publish one task now. False (and a warning) when the broker did not take it."""
    if eta is not None and eta <= timezone.now():
        eta = None
    try:
        app.send_task(name, args=args, kwargs=kwargs or None, eta=eta)
    except Exception:  # kombu, redis and socket errors alike: the broker is unavailable
        logger.warning("Broker unavailable; %s was not published.", name, exc_info=True)
        return False
    return True


def after_commit(name: str, *args, **kwargs) -> None:
    """Publish once the current transaction commits (at once outside one); never if it rolls back."""
    transaction.on_commit(partial(publish, name, *args, **kwargs), robust=True)


def deliveries(jobs: list[tuple[int, datetime]]) -> int:
    """Publish `deliver` for each (delivery id, due time). Stops at the first refusal: the broker is
    down, and the rest wait for the sweeper with the first. Returns how many were published."""
    for count, (delivery_id, due) in enumerate(jobs):
        if not publish(DELIVER, delivery_id, eta=due):
            logger.warning("%d deliveries wait for the sweeper.", len(jobs) - count)
            return count
    return len(jobs)


def deliveries_after_commit(jobs: list[tuple[int, datetime]]) -> None:
    if jobs:
        transaction.on_commit(partial(deliveries, list(jobs)), robust=True)


def relay(lane: str, *, eta: datetime | None = None) -> bool:
    """Poke the sender of a Slack channel's lane: it takes the lane's next due deliveries in
    order (no delivery is published by itself, none polls for its turn)."""
    return publish(RELAY_CHANNEL, lane, eta=eta)


def relay_after_commit(lane: str, *, eta: datetime | None = None) -> None:
    transaction.on_commit(partial(relay, lane, eta=eta), robust=True)
