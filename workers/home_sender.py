"""One Slack App Home, published: the latest state of all the changes it gathered, in one
`views.publish`, within the workspace's pace every Slack write shares.

Taken with a short lease (workers.home), so one publisher at a time writes a Home and an older
state never lands after a newer one. `views.publish` replaces the whole tab, so a repeat (a task
delivered twice) only shows the same state again. Slack's Retry-After is waited out without
counting an attempt; timeouts and 5xx back off and give up after WORKERS_MAX_ATTEMPTS (the next
change or opening of the tab tries again); a refusal gives up at once.
"""

import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone, translation

from slack_app import client
from slack_app import home as slack_home
from slack_app.client import SlackPermanent, SlackRateLimited, SlackTransient

from . import home, outbox, publish
from .channels.email import as_reader

logger = logging.getLogger(__name__)

# A Home waits this long at most, in its task, for its slot of the workspace's pace; a later slot
# is given back, and the task comes again then.
LONGEST_SLOT_WAIT = 5.0


@dataclass(frozen=True)
class Outcome:
    result: str  # published | idle (nothing to show, or someone else publishes) | retry | failed
    retry_in: float = 0.0


def home_publish(*, slack_user_id: str) -> Outcome:
    now = timezone.now()
    taken = home.home_take(slack_user_id=slack_user_id, now=now)
    if taken is None:
        return Outcome("idle")
    if not client.is_configured():
        home.home_published(taken, shown=taken.changes, error="No Slack token configured.")
        return Outcome("failed")
    shown = taken.changes  # read before the state: a change after this is shown next time
    member = slack_home.member_for(slack_user_id)
    # Someone not linked yet reads the community's language.
    with as_reader(member) if member is not None else translation.override(settings.LANGUAGE_CODE):
        view = slack_home.home_view(slack_user_id=slack_user_id, member=member)
    slot = outbox.workspace_write(earliest=now)
    wait = (slot.at - timezone.now()).total_seconds()
    if wait > LONGEST_SLOT_WAIT:
        outbox.workspace_unused(slot)
        home.home_later(taken, seconds=wait, error="", failure=False)
        return Outcome("retry", retry_in=wait)
    if wait > 0:
        time.sleep(wait)
    try:
        client.publish_home(user_id=slack_user_id, view=view)
    except SlackRateLimited as limited:
        wait = limited.retry_after + settings.SLACK_RETRY_AFTER_MARGIN_SECONDS
        home.home_later(taken, seconds=wait, error=str(limited), failure=False)
        return Outcome("retry", retry_in=wait)
    except SlackTransient as error:
        if taken.attempts + 1 >= settings.WORKERS_MAX_ATTEMPTS:
            logger.warning("Gave up publishing the App Home of %s: %s", slack_user_id, error)
            home.home_published(taken, shown=shown, error=f"gave up: {error}")
            return Outcome("failed")
        retry_in = outbox.backoff(taken.attempts + 1)
        home.home_later(taken, seconds=retry_in, error=str(error), failure=True)
        return Outcome("retry", retry_in=retry_in)
    except SlackPermanent as error:
        logger.warning("Slack refused the App Home of %s: %s", slack_user_id, error)
        home.home_published(taken, shown=shown, error=f"Slack refused: {error}")
        return Outcome("failed")
    if home.home_published(taken, shown=shown):
        # Changed while it was being published: once more, with the state after those changes.
        return Outcome("retry", retry_in=settings.SLACK_HOME_COALESCE_SECONDS)
    return Outcome("published")


def homes_refresh(*, proposal_id: int) -> int:
    """After a change to a proposal: publish each Home it touched that does not show it yet (each
    its own task, so one member's Retry-After holds up nobody else)."""
    slack_user_ids = home.dirty_homes(proposal_id=proposal_id)
    for slack_user_id in slack_user_ids:
        publish.publish(publish.PUBLISH_SLACK_HOME, slack_user_id)
    return len(slack_user_ids)


def homes_sweep() -> int:
    """Beat: Homes whose publishing task was lost (the broker was down) are published again."""
    slack_user_ids = home.homes_unattended(now=timezone.now())
    for slack_user_id in slack_user_ids:
        publish.publish(publish.PUBLISH_SLACK_HOME, slack_user_id)
    return len(slack_user_ids)
