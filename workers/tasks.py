"""Thin Celery tasks: ids and JSON in, re-load, call dispatch / services, own their retry policy.

Nothing imports this module: the worker finds it by autodiscovery, and everyone else publishes by
the names in workers.publish. Every task here is idempotent, so acks_late + reject_on_worker_lost
are safe: a killed worker's task comes back and finds the delivery's state (and Slack's metadata)
instead of repeating the work.
"""

import logging
import random
from collections.abc import Iterator
from contextlib import contextmanager

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from applications import mail as application_mail
from applications import outbox as application_outbox
from insight import services as insight_services
from introductions import services as introduction_services
from introductions import slack as introduction_slack
from meetups import services as meetup_services
from proposals import origins as proposal_origins
from proposals import services as proposal_services
from slack_app import client as slack_client
from slack_app import receipts as slack_receipts
from slack_app import shortcuts as slack_shortcuts
from slack_app.client import SlackPermanent, SlackRateLimited, SlackTransient
from webhooks import dispatch as webhook_dispatch
from webhooks import outbox as webhook_outbox

from . import broker, dispatch, health, home_sender, outbox, publish, relay, services

logger = logging.getLogger(__name__)

# Hard limits far inside the Redis visibility timeout (3600 s), and inside the delivery lease.
DELIVERY_LIMITS = {"soft_time_limit": 30, "time_limit": 40}
LONGEST_COUNTDOWN = 600
# A relay run sends for WORKERS_RELAY_RUN_SECONDS, plus the Slack calls of its last step.
RELAY_SOFT_LIMIT = settings.WORKERS_RELAY_RUN_SECONDS + 4 * settings.SLACK_TIMEOUT_SECONDS + 30


def _answered(task, row_id: int, outcome) -> str:
    """What a delivery task does with its outcome (a workers delivery, a webhook's, an
    applicant's email): a retry soon is a Celery retry; one later than LONGEST_COUNTDOWN is left to
    the sweeper, since a countdown near the Redis visibility timeout would be redelivered early,
    again and again. Either way the row already says when it is due (status pending,
    not_before), so a lost publish loses nothing."""
    if outcome.result == "retry" and outcome.retry_in > LONGEST_COUNTDOWN:
        return "deferred"
    if outcome.result == "retry":
        raise task.retry(args=(row_id,), kwargs={}, countdown=outcome.retry_in)
    return outcome.result


@shared_task(
    name=publish.DELIVER,
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=None,
    ignore_result=True,
    **DELIVERY_LIMITS,
)
def deliver(self, delivery_id: int, slot_at: float | None = None) -> str:
    """An email or in-app delivery (a Slack one is handed to its channel's relay)."""
    return _answered(self, delivery_id, dispatch.process(delivery_id))


@shared_task(
    name=publish.DELIVER_WEBHOOK,
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=None,
    ignore_result=True,
    **DELIVERY_LIMITS,
)
def deliver_webhook(self, delivery_id: int) -> str:
    """One request to a moderator's webhook (webhooks.dispatch), retried as `deliver` is."""
    return _answered(self, delivery_id, webhook_dispatch.process(delivery_id))


@shared_task(
    name=publish.SEND_APPLICATION_MAIL,
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=None,
    ignore_result=True,
    **DELIVERY_LIMITS,
)
def send_application_mail(self, mail_id: int) -> str:
    """One email to someone who asked to join (applications.mail), retried as `deliver` is; a
    second run finds it sent (or held) and sends nothing."""
    return _answered(self, mail_id, application_mail.process(mail_id))


@shared_task(
    name=publish.RELAY_CHANNEL,
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    soft_time_limit=RELAY_SOFT_LIMIT,
    time_limit=RELAY_SOFT_LIMIT + 30,
)
def relay_channel(self, channel: str) -> str:
    """One run of a Slack channel's ordered sender (workers.relay). A run redelivered after its
    worker died has the same id, so it takes its own lease back at once."""
    return relay.run(channel, holder=self.request.id)


@shared_task(
    name=publish.PUBLISH_SLACK_HOME,
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=None,
    ignore_result=True,
    **DELIVERY_LIMITS,
)
def publish_slack_home(self, slack_user_id: str) -> str:
    """One member's App Home (views.publish), with the latest state."""
    outcome = home_sender.home_publish(slack_user_id=slack_user_id)
    if outcome.result == "retry" and outcome.retry_in <= LONGEST_COUNTDOWN:
        # Also on the row (not_before): if this publish is lost, the sweeper publishes it then.
        raise self.retry(args=(slack_user_id,), kwargs={}, countdown=outcome.retry_in)
    return outcome.result


@shared_task(name=publish.REFRESH_SLACK_HOMES, acks_late=True, ignore_result=True)
def refresh_slack_homes(proposal_id: int) -> int:
    return home_sender.homes_refresh(proposal_id=proposal_id)


@shared_task(name=publish.REFRESH_SLACK_CARD, acks_late=True, ignore_result=True)
def refresh_slack_card(proposal_id: int) -> bool:
    """Kept for messages published before card updates went through the relay."""
    return services.slack_card_refresh(proposal_id=proposal_id)


@shared_task(
    name=publish.SWEEP_DELIVERIES,
    acks_late=True,
    ignore_result=True,
    soft_time_limit=60,
    time_limit=90,
)
def sweep_deliveries() -> int:
    swept = (
        len(outbox.sweep())
        + len(webhook_outbox.sweep())
        + home_sender.homes_sweep()
        + len(application_outbox.sweep())
    )
    health.warn_about_backlog()
    broker.prune()
    return swept


@shared_task(
    name=publish.SEND_DAILY_DIGESTS,
    acks_late=True,
    ignore_result=True,
    soft_time_limit=300,
    time_limit=360,
)
def send_daily_digests() -> int:
    return dispatch.digests_queue(day=timezone.localdate())


@shared_task(
    name=publish.SEND_DIGEST,
    acks_late=True,
    ignore_result=True,
    soft_time_limit=60,
    time_limit=90,
)
def send_digest(user_id: int, day: str) -> bool:
    return dispatch.digest_send(user_id=user_id, day=day)


def _beat_job(name: str):
    """A job beat starts (a sweep of due work, idempotent): acknowledged after it ran, no result
    kept, two minutes to finish."""
    return shared_task(
        name=name, acks_late=True, ignore_result=True, soft_time_limit=120, time_limit=180
    )


@_beat_job(publish.REMIND_UNANSWERED_JOIN_REQUESTS)
def remind_unanswered_join_requests() -> int:
    return services.join_requests_remind()


@_beat_job(publish.NUDGE_QUIET_PROPOSALS)
def nudge_quiet_proposals() -> int:
    return services.quiet_proposals_nudge()


@_beat_job(publish.POST_WEEKLY_SLACK_DIGEST)
def post_weekly_slack_digest() -> int:
    return services.weekly_digest_record()


# --- calls back to someone who acted from Slack (published by slack_app.inbound) -----------------


def _retry_later(task, error: SlackRateLimited | SlackTransient):
    """Rate limits wait as long as Slack asks; other passing failures back off exponentially."""
    if isinstance(error, SlackRateLimited):
        countdown = error.retry_after
    else:
        countdown = min(2 ** (task.request.retries + 1), 60)
    return task.retry(exc=error, countdown=countdown + random.uniform(0, 1))


@contextmanager
def _calling_slack(task, refused: str) -> Iterator[None]:
    """A task's Slack call: a rate limit or a passing failure tries again later (_retry_later);
    a refusal is logged and let go, since sending the same call again cannot help. Code after the
    `with` block runs only after a refusal."""
    try:
        yield
    except (SlackRateLimited, SlackTransient) as error:
        raise _retry_later(task, error) from error
    except SlackPermanent:
        logger.warning(refused, exc_info=True)


@shared_task(name=publish.SLACK_OPEN_VIEW, bind=True, acks_late=True, max_retries=3)
def slack_open_view(self, trigger_id: str, view: dict) -> None:
    """Open a modal. A trigger id lives three seconds, so a late retry fails harmlessly."""
    with _calling_slack(self, "Slack refused to open a modal"):
        slack_client.open_view(trigger_id=trigger_id, view=view)


@shared_task(name=publish.SLACK_RESPOND, bind=True, acks_late=True, max_retries=5)
def slack_respond(self, response_url: str, text: str) -> None:
    with _calling_slack(self, "Slack refused an ephemeral answer"):
        slack_client.respond_ephemeral(response_url=response_url, text=text)


@shared_task(name=publish.SLACK_REPLACE_MESSAGE, bind=True, acks_late=True, max_retries=5)
def slack_replace_message(self, response_url: str, text: str, blocks: list[dict]) -> None:
    """Show a pressed message as it reads now (a direct message's invitation, answered)."""
    with _calling_slack(self, "Slack refused to replace a message"):
        slack_client.respond_replace(response_url=response_url, text=text, blocks=blocks)


@shared_task(name=publish.SLACK_POST_EPHEMERAL, bind=True, acks_late=True, max_retries=5)
def slack_post_ephemeral(self, channel: str, user: str, text: str, thread_ts: str = "") -> None:
    """A private note to one person in a channel (or thread), e.g. "connect your account"."""
    with _calling_slack(self, "Slack refused an ephemeral note"):
        slack_client.post_ephemeral(channel=channel, user=user, text=text, thread_ts=thread_ts)


@shared_task(name=publish.SLACK_UNFURL, bind=True, acks_late=True, max_retries=5)
def slack_unfurl(self, target: dict, unfurls: dict) -> None:
    """Links' cards (chat.unfurl): the same unfurls set twice change nothing, so a retry is safe."""
    with _calling_slack(self, "Slack refused an unfurl"):
        slack_client.unfurl(target=target, unfurls=unfurls)


@shared_task(
    name=publish.SLACK_HANDLE_EVENT,
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=6,
    ignore_result=True,
    soft_time_limit=60,
    time_limit=90,
)
def slack_handle_event(self, event_id: str) -> str:
    """One Slack event (recorded by slack_app.receipts where it arrived), handed to its handler
    once: the receipt is marked handled with the handler's writes, so a second run does nothing.
    A passing failure (the database, Slack) rolls all of it back and tries again later."""
    try:
        return slack_receipts.event_receipt_handle(event_id=event_id)
    except (SlackRateLimited, SlackTransient) as error:
        raise _retry_later(self, error) from error
    except (OperationalError, InterfaceError) as error:
        raise self.retry(exc=error, countdown=min(2 ** (self.request.retries + 1), 60)) from error


@_beat_job(publish.SWEEP_SLACK_EVENT_RECEIPTS)
def sweep_slack_event_receipts() -> int:
    return slack_receipts.event_receipts_sweep()


@shared_task(name=publish.SLACK_ORIGIN_PERMALINK, bind=True, acks_late=True, max_retries=8)
def slack_origin_permalink(self, origin_id: int) -> str:
    """Ask Slack for the permalink of the message a proposal was made from (issue 12). Asked
    again, it changes nothing: a permalink once kept stays."""
    origin = proposal_origins.origin_by_id(origin_id=origin_id)
    if origin is None or origin.permalink or not slack_client.is_configured():
        return "skipped"
    with _calling_slack(self, f"Slack gave no permalink for origin {origin_id}"):
        link = slack_client.permalink(channel=origin.channel_id, ts=origin.message_ts)
        proposal_origins.origin_permalink_set(origin_id=origin_id, permalink=link)
        return "kept"
    return "failed"


@shared_task(name=publish.SLACK_REACTION_PROMPT, bind=True, acks_late=True, max_retries=5)
def slack_reaction_prompt(self, channel_id: str, ts: str, slack_user_id: str) -> str:
    """The private "make it a proposal?" prompt after a reaction with the proposal emoji."""
    with _calling_slack(self, "Slack refused the reaction's prompt"):
        return slack_shortcuts.reaction_prompt(
            channel_id=channel_id, ts=ts, slack_user_id=slack_user_id
        )
    return "failed"


@shared_task(name=publish.SLACK_OPEN_MESSAGE_MODAL, bind=True, acks_late=True, max_retries=1)
def slack_open_message_modal(
    self, trigger_id: str, channel_id: str, ts: str, member_id: int
) -> str:
    """The prompt's button: read the message and open the prefilled form. A trigger id lives
    three seconds, so a late retry fails harmlessly."""
    with _calling_slack(self, "Slack refused to open the message's form"):
        return slack_shortcuts.open_message_modal(
            trigger_id=trigger_id, channel_id=channel_id, ts=ts, member_id=member_id
        )
    return "failed"


@_beat_job(publish.SEND_MEETUP_REMINDERS)
def send_meetup_reminders() -> int:
    """Beat runs this every few minutes: each reminder goes once, however often it runs."""
    return meetup_services.meetup_reminders_send()


@_beat_job(publish.SEND_MEETUP_FOLLOW_UPS)
def send_meetup_follow_ups() -> int:
    """After a meetup: its Slack card closes (no more buttons), and the people who came are asked
    "anything you'd like to try?", once per meetup however often this runs."""
    meetup_services.meetup_cards_close()
    return meetup_services.meetup_follow_ups_send()


@_beat_job(publish.EXPIRE_INVITATIONS)
def expire_invitations() -> int:
    """Hourly: invitations nobody answered in settings.INVITATION_DAYS end, and whoever asked
    hears of it (a second run finds nothing left)."""
    return proposal_services.invitations_expire()


@_beat_job(publish.SEND_ORGANISER_DIGEST)
def send_organiser_digest() -> int:
    """Mondays: the community's figures of the week just ended, next to the week before, to each
    moderator; once per week however often this runs."""
    return insight_services.organiser_digest_record()


@_beat_job(publish.ASK_ABOUT_COMMITMENTS)
def ask_about_commitments() -> int:
    """Daily: a week before a member's time on a team ends, the gentle question (continue, or
    finish with thanks); unanswered, one reminder on the day; then nothing. Once each, however
    often this runs."""
    return proposal_services.commitments_ask()


@_beat_job(publish.RUN_INTRODUCTIONS)
def run_introductions() -> int:
    """Every few minutes: the period's round once it is due (a second run finds it made), "did
    you get to talk?" for the introductions a week old, and the Slack sender woken when it has
    work and nobody sends. Returns how many people were introduced now."""
    started = introduction_services.introductions_round_start()
    introduction_services.introductions_follow_up()
    introduction_slack.wake_if_unattended()
    return started.introduced if started is not None else 0


@shared_task(
    name=publish.SEND_INTRODUCTIONS,
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    soft_time_limit=RELAY_SOFT_LIMIT,
    time_limit=RELAY_SOFT_LIMIT + 30,
)
def send_introductions(self) -> str:
    """One run of the introductions' Slack sender: the group DMs, one after another at Slack's
    pace. A run redelivered after its worker died takes its own lease back at once."""
    return introduction_slack.run(holder=self.request.id)
