"""Slack's per-channel ordered sender: for each channel, one sender at a time, at the channel's pace,
and every channel's sender within the pace of the whole workspace.

Slack takes about one message per second per channel; that is a property of the channel, so one
sender per channel meets it exactly, with no delivery polling for its turn and no slot races.

A run of `workers.relay_channel(channel)` takes the channel's lease (a row in the database, the
same for Redis and the embedded broker, so a broker restart cannot make two senders), then over
and over: picks the next step (the head of each proposal's thread, in commit order; a card not in
the channel to post: a community meetup's announcement, or a card deleted in Slack; a card to
update), waits for its slot when it is near, and makes the Slack call. A thread whose head
waits (backoff after a real failure) holds up only that thread. The run ends after
WORKERS_RELAY_RUN_SECONDS, or when nothing is due soon, and then re-arms itself (published by
name, with an ETA when the next thing is due later). Deliveries only poke the relay
after commit; beat's sweeper pokes a channel whose sender is gone (no live lease, no wake-up).

Pace, in the channel: one post per slot, a slot being 1 / SLACK_MESSAGES_PER_SECOND plus
SLACK_PACE_MARGIN_SECONDS after Slack answered the previous post (workers.dispatch.answered_at).
Counted from the answer, not from the sending: Slack counts the gap between the posts it
receives, and a slow answer (a cold connection, a busy network) would otherwise bring the next
post closer to the previous one on Slack's side than the slot. And from the answer itself, not
from the end of the step: the outbox's bookkeeping after it would stretch every slot.

Pace, in the workspace: Slack also limits each method per app over the whole workspace, so every
write of every channel (posts, cards posted again, card updates) takes a slot from one shared
budget, SLACK_WORKSPACE_CALLS_PER_MINUTE, and card updates (chat.update) keep a budget of their
own, SLACK_UPDATES_PER_MINUTE. Both live in one database row (`SlackWorkspace`, see
workers.outbox), so senders in several processes on several hosts share them; a few writes may
leave at once (an update and the post right after it), and no minute holds more than the budget.
A post takes the workspace's next write slot once its channel's slot is near. A card update goes
only when the update budget has a slot now; when it has none, the changed card waits (and gathers
further changes: the later update shows the latest state) while the channel's posts go on at the
channel's pace. A slot no call used (nothing to send after all) is given back.

Card updates are coalesced: the card of the thread whose reply is next is updated first when an
update slot is free (so a deleted card is found before a reply goes under it); any other changed
card waits WORKERS_SLACK_CARD_COALESCE_SECONDS, so several changes make one update with the latest
state.

Retry-After (plus SLACK_RETRY_AFTER_MARGIN_SECONDS): a 429 on a post pauses that channel's posts,
and no other channel; a 429 on a card update pauses card updates in every channel, and no post.
"""

import logging
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.utils import timezone

from . import dispatch, outbox, publish
from .events import Channel
from .models import Delivery, DeliveryStatus, SlackThread

logger = logging.getLogger(__name__)

# How many of a channel's waiting deliveries one look takes (the heads are among the oldest).
SCAN = 1000
# A wake-up further away than this is left to the sweeper (a long countdown in a broker is fragile).
LONGEST_ARM_SECONDS = 600
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def _interval() -> timedelta:
    return timedelta(seconds=1 / settings.SLACK_MESSAGES_PER_SECOND)


def _slot() -> timedelta:
    """From one call's sending to the next one's."""
    return _interval() + timedelta(seconds=settings.SLACK_PACE_MARGIN_SECONDS)


def _lead() -> timedelta:
    """A step starts this much before its slot: its Slack call itself waits for the slot."""
    return min(timedelta(seconds=0.2), _interval() / 4)


def _longest_slot_wait() -> float:
    """The longest a run sleeps for the workspace's next slot, well inside its lease."""
    return settings.WORKERS_RELAY_LEASE_SECONDS / 3


def _wait_in_run() -> timedelta:
    """A run waits for its next slot itself when it is this near; later, it re-arms."""
    return max(timedelta(seconds=3), _interval() * 1.5)


@dataclass
class Plan:
    # ("delivery", id) or ("card", thread id): the next post, if any (a card not in the channel:
    # a meetup's announcement, or any card deleted in Slack).
    post: tuple[str, int] | None = None
    # A card to update (the post's own card first, when it is dirty).
    update: int | None = None
    # When something not due yet becomes due.
    wake: datetime | None = None

    def later(self, at: datetime) -> None:
        self.wake = at if self.wake is None else min(self.wake, at)


def plan(lane: str, now: datetime) -> Plan:
    """The channel's next step: what to post, what card to update, and when to look again."""
    result = Plan()
    rows = (
        Delivery.objects.filter(channel=Channel.SLACK, lane=lane, status__in=outbox.WAITING)
        .order_by("pk")
        .values_list("pk", "proposal_id", "status", "not_before", "attempts")[:SCAN]
    )
    heads: dict[int, tuple[int, int | None, datetime, bool]] = {}
    for pk, proposal_id, status, not_before, attempts in rows:
        thread = proposal_id if proposal_id is not None else -pk
        if thread in heads:
            continue
        if status == DeliveryStatus.PENDING and attempts == 0 and not_before > now:
            # Never tried and not due yet (a batch of cheers still collecting): it takes its place
            # when it is due, and holds nobody up meanwhile.
            result.later(not_before)
            continue
        heads[thread] = (pk, proposal_id, not_before, status == DeliveryStatus.SENDING)
    due = []
    for pk, proposal_id, not_before, sending in heads.values():
        if sending or not_before <= now:
            due.append((pk, proposal_id))
        else:
            result.later(not_before)  # a thread waiting for its backoff: only it waits
    cards = SlackThread.objects.filter(channel_id=lane, card_dirty_at__isnull=False)
    lost = cards.filter(root_ts="").order_by("card_dirty_at").values_list("pk", "card_dirty_at")
    for thread_id, dirty_at in lost[:1]:
        if dirty_at <= now:
            result.post = ("card", thread_id)
        else:
            result.later(dirty_at)
    proposal_id = None
    if result.post is None and due:
        pk, proposal_id = min(due)
        result.post = ("delivery", pk)
    if proposal_id is not None:
        own = (
            cards.filter(proposal_id=proposal_id, card_dirty_at__lte=now)
            .exclude(root_ts="")
            .values_list("pk", flat=True)
            .first()
        )
        if own is not None:
            result.update = own
            return result
    coalesce = timedelta(seconds=settings.WORKERS_SLACK_CARD_COALESCE_SECONDS)
    oldest = (
        cards.exclude(root_ts="").order_by("card_dirty_at").values_list("pk", "card_dirty_at")
    ).first()
    if oldest is not None:
        thread_id, dirty_at = oldest
        if dirty_at + coalesce <= now:
            result.update = thread_id
        else:
            result.later(dirty_at + coalesce)
    return result


class _Sender:
    """One run's view of its channel: the lease, the pace of its posts, their pause."""

    def __init__(self, lane: str, holder: str, state):
        self.lane, self.holder = lane, holder
        self.post_at = state.next_post_at or EPOCH
        self.paused = state.paused_until or EPOCH

    @property
    def posts_open_at(self) -> datetime:
        return max(self.post_at, self.paused)

    def clocks(self) -> dict:
        return {"next_post_at": self.post_at, "paused_until": self.paused}

    def renew(self) -> bool:
        return outbox.lane_renew(self.lane, holder=self.holder, **self.clocks())

    def when(self, step: Plan, updates_at: datetime | None) -> datetime | None:
        """When the run should look again: `_lead()` before a slot (the step's Slack call waits
        for the slot itself), or when something not due yet becomes due."""
        moments = []
        if step.update is not None:
            moments.append(updates_at - _lead())
        if step.post is not None:
            moments.append(self.posts_open_at - _lead())
        if step.wake is not None:
            moments.append(step.wake)
        return min(moments) if moments else None

    def answered(
        self, result: dispatch.Step, *, post: bool, slot: outbox.WorkspaceSlot, since: datetime
    ) -> None:
        """Called once the step (begun at `since`) is done: the channel's pace counts from Slack's
        answer to its write."""
        if not result.called:
            outbox.workspace_unused(slot)
        elif post:
            self.post_at = dispatch.answered_at(since=since) + _slot()
        if result.result != "paused":
            return
        margin = settings.SLACK_RETRY_AFTER_MARGIN_SECONDS
        until = timezone.now() + timedelta(seconds=result.pause + margin)
        if post:
            self.paused = until
            logger.warning(
                "Slack asked channel %s to wait %gs; pausing its posts until %s.",
                self.lane,
                result.pause,
                until.isoformat(timespec="seconds"),
            )
        else:
            outbox.workspace_pause_updates(until=until)
            logger.warning(
                "Slack asked card updates to wait %gs; no card is updated before %s.",
                result.pause,
                until.isoformat(timespec="seconds"),
            )


def _updates_open_at(step: Plan, now: datetime) -> datetime | None:
    """When the step's card update may go (None: the step has none)."""
    return outbox.workspace_updates_open_at(now=now) if step.update is not None else None


def run(lane: str, *, holder: str | None = None) -> str:
    """One run of the channel's sender. Returns what it did ("held": another run sends now)."""
    holder = holder or uuid.uuid4().hex
    state = outbox.lane_acquire(lane, holder=holder)
    if state is None:
        return "held"
    sender = _Sender(lane, holder, state)
    deadline = time.monotonic() + settings.WORKERS_RELAY_RUN_SECONDS
    again: datetime | None = None
    sent = 0
    try:
        while True:
            now = timezone.now()
            step = plan(lane, now)
            lead = _lead()
            updates_at = _updates_open_at(step, now)
            if updates_at is not None and now + lead >= updates_at:
                slot = outbox.workspace_update(by=now + lead)
                if slot is not None:
                    if not sender.renew():
                        outbox.workspace_unused(slot)
                        return "lost its lease"
                    dispatch.pace(slot.at)
                    result = dispatch.slack_card_update(step.update)
                    sender.answered(result, post=False, slot=slot, since=now)
                    continue
                # Another channel's sender took this update slot: the card waits for the next.
                updates_at = _updates_open_at(step, now)
            if step.post is not None and now + lead >= sender.posts_open_at:
                # (When the post's own card is dirty and an update slot was free, it went first.)
                if not sender.renew():
                    return "lost its lease"
                slot = outbox.workspace_write(earliest=sender.posts_open_at)
                if (slot.at - timezone.now()).total_seconds() > _longest_slot_wait():
                    # The whole workspace is busy: waiting this long could outlive the lease.
                    # The slot goes back and the run re-arms itself for when it was due.
                    outbox.workspace_unused(slot)
                    again = slot.at
                    break
                dispatch.pace(slot.at)
                kind, target = step.post
                if kind == "card":
                    result = dispatch.slack_card_repost(target)
                else:
                    result = dispatch.slack_post(target)
                sender.answered(result, post=True, slot=slot, since=now)
                sent += result.result == "sent"
                if result.result == "busy":
                    time.sleep(0.05)  # someone changed the row under us: look again shortly
                continue
            at = sender.when(step, updates_at)
            if at is None:
                break
            if at - now > _wait_in_run() or time.monotonic() >= deadline:
                again = at
                break
            if not sender.renew():
                return "lost its lease"
            # Waits hold nothing but the lease: no transaction is open here.
            time.sleep(max(0.0, (at - timezone.now()).total_seconds()))
            if time.monotonic() >= deadline:
                again = timezone.now()
                break
    finally:
        outbox.lane_release(lane, holder=holder, **sender.clocks())
    if again is None:
        # A change committed while this run held the lease found it busy: look once more.
        now = timezone.now()
        step = plan(lane, now)
        again = sender.when(step, _updates_open_at(step, now))
    if again is not None:
        arm(lane, at=again)
    return f"sent {sent}"


def arm(lane: str, *, at: datetime) -> None:
    """Publish the channel's next run for `at` (once per wake-up; far ones are the sweeper's)."""
    now = timezone.now()
    if (at - now).total_seconds() > LONGEST_ARM_SECONDS:
        return
    if outbox.lane_arm(lane, at=max(at, now)):
        publish.relay(lane, eta=at if at > now else None)
