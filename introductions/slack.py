"""The introductions' one Slack sender: each introduction's group DM is opened (conversations.open)
and posted to once, then "did you get to talk?" a week later, one message after another at
Slack's pace.

A round makes hundreds of group DMs at once, so they are not a task each (which would all wait
for their turn in the workers): one run of `workers.send_introductions` at a time holds the
"introductions" lane's lease (workers.outbox's lanes, the rows the relay's channels use) and takes
the oldest due message, then the next. Every Slack call takes its slot from the workspace's pace
that every channel's sender shares (workers.outbox.workspace_write); conversations.open, a Tier 3
method, also keeps SLACK_OPENS_PER_MINUTE. A 429 pauses the sender for Retry-After (no attempt
counted); a timeout or a 5xx backs off and counts; Slack refusing for good (or too many failures)
hands the introduction to the app and email (services.introduction_slack_gave_up).

Sent once: a message moves from pending to sending in one conditional UPDATE; the group DM's id is
saved as soon as Slack gives it (opening the same people again gives the same DM); a post is
marked before it is sent, so a retry after a lost answer looks for it in the DM's history (its
metadata names the message) before posting again.
"""

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db.models import F, Min, Q
from django.urls import reverse
from django.utils import timezone, translation

from slack_app import blocks, client
from slack_app.client import SlackError, SlackPermanent, SlackRateLimited, SlackTransient
from workers import outbox, publish

from . import selectors, services
from .choices import MessageKind, MessageStatus, question_text
from .models import Introduction, IntroductionMessage

logger = logging.getLogger(__name__)

LANE = "introductions"
METADATA = "incubator_introduction"
# A little earlier than the row's own time: Slack's clock and ours may differ.
HISTORY_MARGIN_SECONDS = 60
# A run waits for a slot itself when it is this near; later, it re-arms itself.
WAIT_IN_RUN = timedelta(seconds=5)
# A wake-up further away than this is left to beat (workers.run_introductions, every 10 minutes).
LONGEST_ARM_SECONDS = 600
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
WAITING = (MessageStatus.PENDING, MessageStatus.SENDING)


@dataclass(frozen=True)
class Step:
    # sent | opened (the DM is open; its post is next) | retry | failed | skipped | paused | busy
    result: str
    pause: float = 0.0
    called: bool = True  # whether Slack was called (the call used its workspace slot)
    opened: bool = False  # whether that call was conversations.open


def _open_gap() -> timedelta:
    return timedelta(
        seconds=60 / settings.SLACK_OPENS_PER_MINUTE + settings.SLACK_PACE_MARGIN_SECONDS
    )


# --- one message's state (only this module changes it, but for giving up: services) -------------


def _claim(message_id: int) -> IntroductionMessage | None:
    """Pending and due, or left in sending by a run that died (the lane's lease holder is the
    only sender, so it takes that one over; the lost try counts)."""
    now = timezone.now()
    lease = now + timedelta(seconds=settings.WORKERS_DELIVERY_LEASE_SECONDS)
    rows = IntroductionMessage.objects.filter(pk=message_id)
    taken = rows.filter(status=MessageStatus.PENDING, not_before__lte=now).update(
        status=MessageStatus.SENDING, lease_until=lease
    )
    if not taken:
        taken = rows.filter(status=MessageStatus.SENDING).update(
            lease_until=lease, attempts=F("attempts") + 1, last_error=outbox.LOST_MID_SEND
        )
    if not taken:
        return None
    return IntroductionMessage.objects.select_related("introduction").get(pk=message_id)


def _release(
    message: IntroductionMessage, *, retry_in: float = 0.0, error: str = "", failure: bool = False
) -> None:
    changes = {"status": MessageStatus.PENDING, "lease_until": None, "last_error": error[:2000]}
    if retry_in > 0:
        changes["not_before"] = timezone.now() + timedelta(seconds=retry_in)
    if failure:
        changes["attempts"] = F("attempts") + 1
    IntroductionMessage.objects.filter(pk=message.pk, status=MessageStatus.SENDING).update(
        **changes
    )


def _sent(message: IntroductionMessage, ts: str) -> None:
    IntroductionMessage.objects.filter(pk=message.pk, status=MessageStatus.SENDING).update(
        status=MessageStatus.SENT,
        ts=ts[:32],
        posting=False,
        lease_until=None,
        last_error="",
        sent_at=timezone.now(),
    )


def _posting(message: IntroductionMessage, posting: bool) -> None:
    IntroductionMessage.objects.filter(pk=message.pk).update(posting=posting)


# --- what is said ------------------------------------------------------------------------------


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _language(members) -> str:
    """Theirs when they all chose the same language, else the community's."""
    chosen = {member.preferred_language or settings.LANGUAGE_CODE for member in members}
    return chosen.pop() if len(chosen) == 1 else settings.LANGUAGE_CODE


def _message(message: IntroductionMessage, members) -> blocks.Message:
    introduction = message.introduction
    people = tuple(
        blocks.Person(name=member.public_name, slack_user_id=member.slack_user_id)
        for member in members
    )
    if message.kind == MessageKind.FOLLOW_UP:
        return blocks.introduction_follow_up(
            blocks.IntroductionFollowUp(introduction_id=introduction.pk, people=people)
        )
    return blocks.introduction(
        blocks.IntroductionPost(
            introduction_id=introduction.pk,
            people=people,
            shared=tuple(introduction.shared_interests),
            question=question_text(introduction.question, introduction.theme),
            url=_absolute(reverse("introductions:mine") + f"#introduction-{introduction.pk}"),
            settings_url=_absolute(reverse("members:settings") + "#introductions"),
        )
    )


def _metadata(message: IntroductionMessage) -> dict:
    return {
        "event_type": METADATA,
        "event_payload": {"message_id": message.pk, "introduction_id": message.introduction_id},
    }


def _transient(message: IntroductionMessage, error: str) -> Step:
    attempts = message.attempts + 1
    if attempts >= settings.WORKERS_MAX_ATTEMPTS:
        services.introduction_slack_gave_up(
            message_id=message.pk, error=f"gave up after {attempts} attempts: {error}"
        )
        return Step("failed")
    _release(message, retry_in=outbox.backoff(attempts), error=error, failure=True)
    return Step("retry")


def send(message_id: int) -> Step:
    """One Slack call for one message: open its group DM if it has none yet, else post it (or
    find the post an earlier attempt made). Called by the lane's lease holder only."""
    message = _claim(message_id)
    if message is None:
        return Step("busy", called=False)
    introduction = message.introduction
    members = [
        seat.member for seat in selectors.introduction_people(introduction_id=introduction.pk)
    ]
    users = [member.slack_user_id for member in members]
    refused = ""
    if not client.is_configured():
        refused = "No Slack token configured."
    elif not all(users) or len(members) < 2:
        refused = "Someone in it is no longer linked to Slack."
    elif message.attempts >= settings.WORKERS_MAX_ATTEMPTS:
        refused = f"gave up after {message.attempts} attempts"
    if refused:
        services.introduction_slack_gave_up(message_id=message.pk, error=refused)
        return Step("skipped", called=False)
    opening = not introduction.slack_channel_id
    try:
        if opening:
            channel = client.open_conversation(users=users)
            Introduction.objects.filter(pk=introduction.pk).update(slack_channel_id=channel)
            _release(message)
            return Step("opened", opened=True)
        ts = None
        if message.posting:
            # An earlier attempt may have posted it and never heard back.
            ts = client.find_in_channel(
                channel=introduction.slack_channel_id,
                oldest=message.created_at.timestamp() - HISTORY_MARGIN_SECONDS,
                event_type=METADATA,
                key="message_id",
                value=message.pk,
            )
        if ts is None:
            with translation.override(_language(members)):
                post = _message(message, members)
            _posting(message, True)
            try:
                ts = client.post_message(
                    channel=introduction.slack_channel_id,
                    text=post.text,
                    blocks=post.blocks,
                    metadata=_metadata(message),
                )
            except SlackError as error:
                if not error.ambiguous:
                    _posting(message, False)
                raise
    except SlackRateLimited as limited:
        _release(message, error=str(limited))
        return Step("paused", pause=limited.retry_after, opened=opening)
    except SlackPermanent as error:
        services.introduction_slack_gave_up(message_id=message.pk, error=f"Slack refused: {error}")
        return Step("failed", opened=opening)
    except SlackTransient as error:
        step = _transient(message, str(error))
        return Step(step.result, opened=opening)
    _sent(message, ts)
    return Step("sent")


# --- the sender ----------------------------------------------------------------------------------


def _head(now: datetime) -> tuple[int, bool] | None:
    """The oldest message to send now, and whether its group DM is open already."""
    row = (
        IntroductionMessage.objects.filter(
            Q(status=MessageStatus.PENDING, not_before__lte=now) | Q(status=MessageStatus.SENDING)
        )
        .order_by("pk")
        .values_list("pk", "introduction__slack_channel_id")
        .first()
    )
    return None if row is None else (row[0], bool(row[1]))


def _next_due() -> datetime | None:
    return IntroductionMessage.objects.filter(status=MessageStatus.PENDING).aggregate(
        at=Min("not_before")
    )["at"]


def run(*, holder: str) -> str:
    """One run of the sender: sends for WORKERS_RELAY_RUN_SECONDS at most, then hands over by
    publishing itself again (with an ETA when the next message is due later)."""
    state = outbox.lane_acquire(LANE, holder=holder)
    if state is None:
        return "held"
    opens_at = state.next_post_at or EPOCH
    paused = state.paused_until or EPOCH
    deadline = time.monotonic() + settings.WORKERS_RELAY_RUN_SECONDS
    again: datetime | None = None
    sent = 0
    try:
        while True:
            now = timezone.now()
            head = _head(now)
            if head is None:
                again = _next_due()
                break
            message_id, open_already = head
            earliest = max(now, paused, now if open_already else opens_at)
            if earliest - now > WAIT_IN_RUN or time.monotonic() >= deadline:
                again = earliest
                break
            if not outbox.lane_renew(
                LANE, holder=holder, next_post_at=opens_at, paused_until=paused
            ):
                return "lost its lease"
            slot = outbox.workspace_write(earliest=earliest)
            wait = (slot.at - timezone.now()).total_seconds()
            if wait > WAIT_IN_RUN.total_seconds():
                # The whole workspace is busy: the slot goes back, and the run re-arms for it.
                outbox.workspace_unused(slot)
                again = slot.at
                break
            if wait > 0:
                time.sleep(wait)
            called_at = timezone.now()
            step = send(message_id)
            if not step.called:
                outbox.workspace_unused(slot)
            elif step.opened:
                opens_at = called_at + _open_gap()
            if step.result == "paused":
                margin = settings.SLACK_RETRY_AFTER_MARGIN_SECONDS
                paused = timezone.now() + timedelta(seconds=step.pause + margin)
                logger.warning("Slack asked the introductions to wait %gs.", step.pause)
            sent += step.result == "sent"
    finally:
        outbox.lane_release(LANE, holder=holder, next_post_at=opens_at, paused_until=paused)
    if again is None and _head(timezone.now()) is not None:
        # A round committed while this run held the lease found it busy: look once more.
        again = timezone.now()
    if again is not None:
        arm(at=again)
    return f"sent {sent}"


def arm(*, at: datetime) -> None:
    """Publish the sender's next run for `at` (once per wake-up; far ones are beat's)."""
    now = timezone.now()
    if (at - now).total_seconds() > LONGEST_ARM_SECONDS:
        return
    if outbox.lane_arm(LANE, at=max(at, now)):
        publish.publish(publish.SEND_INTRODUCTIONS, eta=at if at > now else None)


def wake_if_unattended(*, now: datetime | None = None) -> bool:
    """Beat's look: messages due and no live sender (lost with its worker, or never poked
    because the broker was down when the round committed)."""
    now = now or timezone.now()
    if not IntroductionMessage.objects.filter(status__in=WAITING, not_before__lte=now).exists():
        return False
    if not outbox.lane_unattended(LANE, now=now):
        return False
    if outbox.lane_arm(LANE, at=now):
        return publish.publish(publish.SEND_INTRODUCTIONS)
    return False
