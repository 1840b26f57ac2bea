"""The outbox's own records: each delivery's state machine, each lane's sender lease and pace, the
Slack workspace's pace that every lane shares, each proposal's Slack thread (its card's posting
state), and each member's direct-message conversation with the app.

This is the only module that changes a Delivery's progress (status, attempts, lease, external id).
Every step is one guarded UPDATE: a delivery is claimed by moving it from pending to sending in a
single conditional UPDATE, so two runs of the same delivery never both get it; a final state is
never left again. `attempts` counts real failures only: a delivery handed back to wait for its
turn or for Slack's Retry-After keeps its count.
"""

import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from . import publish, services
from .events import Channel
from .models import (
    ChannelState,
    Delivery,
    DeliveryStatus,
    SlackDirectChannel,
    SlackThread,
    SlackWorkspace,
)

logger = logging.getLogger(__name__)

ERROR_MAX = 2000
# external_id while a post is on its way: if we never hear back, the next attempt looks for the
# earlier post (by its metadata) before posting again.
POSTING = "?"
LOST_MID_SEND = "The sender stopped during the send."
WAITING = (DeliveryStatus.PENDING, DeliveryStatus.SENDING)


def claim(delivery_id: int, *, take_over: bool = False) -> Delivery | None:
    """Move a due pending delivery to sending. One left in sending by a sender that died (its
    lease ran out; or any, with `take_over`, for the lane's lease holder, the lane's only sender)
    is taken too, and that lost try counts as a failed attempt."""
    now = timezone.now()
    lease = now + timedelta(seconds=settings.WORKERS_DELIVERY_LEASE_SECONDS)
    rows = Delivery.objects.filter(pk=delivery_id)
    # A little tolerance for timers firing early.
    taken = rows.filter(
        status=DeliveryStatus.PENDING, not_before__lte=now + timedelta(seconds=0.2)
    ).update(status=DeliveryStatus.SENDING, lease_until=lease, updated_at=now)
    if not taken:
        stuck = rows.filter(status=DeliveryStatus.SENDING)
        if not take_over:
            stuck = stuck.filter(lease_until__lt=now)
        taken = stuck.update(
            lease_until=lease, attempts=F("attempts") + 1, last_error=LOST_MID_SEND, updated_at=now
        )
    if not taken:
        return None
    return Delivery.objects.select_related(
        "event", "event__actor", "event__proposal", "recipient"
    ).get(pk=delivery_id)


def mark_posting(delivery: Delivery) -> None:
    """Said before a post whose answer may be lost: the next attempt looks before posting."""
    Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING).update(
        external_id=POSTING
    )
    delivery.external_id = POSTING


def clear_posting(delivery: Delivery) -> None:
    """The post was answered, or surely not kept (refused, or the connection never opened)."""
    Delivery.objects.filter(pk=delivery.pk, external_id=POSTING).update(external_id="")
    delivery.external_id = ""


def mark_sent(delivery: Delivery, external_id: str = "") -> None:
    now = timezone.now()
    Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING).update(
        status=DeliveryStatus.SENT,
        external_id=external_id[:64],
        sent_at=now,
        lease_until=None,
        last_error="",
        updated_at=now,
    )
    if delivery.lane:
        # The lane works again: its next failure is a new outage, told again.
        ChannelState.objects.filter(key=delivery.lane, alerted_at__isnull=False).update(
            alerted_at=None
        )


def mark_skipped(delivery: Delivery, reason: str) -> None:
    _mark_final(delivery, DeliveryStatus.SKIPPED, reason)


def mark_failed(delivery: Delivery, error: str, *, failure: bool = False) -> None:
    """Failed for good (the admin's "retry now" takes it back); a last `failure` is counted. The
    moderators are told in the app once per outage of its lane, not once per event; the ERROR log
    is for the collector."""
    with transaction.atomic():
        _mark_final(delivery, DeliveryStatus.FAILED, error, failure=failure)
        logger.error("Delivery %s (%s) failed for good: %s", delivery.pk, delivery.channel, error)
        if _first_failure_of_outage(delivery.lane):
            services.delivery_failed(delivery=delivery, error=error)


def _first_failure_of_outage(lane: str) -> bool:
    if not lane:
        return True
    lane_state(lane)
    return bool(
        ChannelState.objects.filter(key=lane, alerted_at__isnull=True).update(
            alerted_at=timezone.now()
        )
    )


def _mark_final(delivery: Delivery, status: str, error: str, *, failure: bool = False) -> None:
    changes = {"attempts": F("attempts") + 1} if failure else {}
    Delivery.objects.filter(pk=delivery.pk).exclude(status=DeliveryStatus.SENT).update(
        status=status,
        last_error=error[:ERROR_MAX],
        lease_until=None,
        updated_at=timezone.now(),
        **changes,
    )


def release(
    delivery: Delivery, *, retry_in: float = 0.0, error: str = "", failure: bool = False
) -> None:
    """Hand the delivery back as pending, due again in `retry_in` seconds (at once when 0).
    Only a `failure` counts as an attempt."""
    now = timezone.now()
    changes = {
        "status": DeliveryStatus.PENDING,
        "lease_until": None,
        "last_error": error[:ERROR_MAX],
        "updated_at": now,
    }
    if retry_in > 0:
        changes["not_before"] = now + timedelta(seconds=retry_in)
    if failure:
        changes["attempts"] = F("attempts") + 1
        delivery.attempts += 1
    Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING).update(**changes)


def backoff(attempt: int) -> float:
    """Exponential backoff with full jitter, bounded."""
    ceiling = min(
        settings.WORKERS_BACKOFF_MAX_SECONDS,
        settings.WORKERS_BACKOFF_BASE_SECONDS * 2 ** max(0, attempt - 1),
    )
    return ceiling / 2 + random.uniform(0, ceiling / 2)


def sweep(limit: int = 500) -> list[int]:
    """What beat does every WORKERS_SWEEP_INTERVAL_SECONDS.

    Email deliveries that were never picked up (broker down, process died) are published again.
    Slack deliveries are never published one by one: each waits for its turn in its channel's
    lane, so a lane with due work whose sender is gone (no live lease, no wake-up armed) is poked
    once instead. Runs under SKIP LOCKED, so two sweepers never take the same rows.
    """
    now = timezone.now()
    stale = now - timedelta(seconds=settings.WORKERS_SWEEP_GRACE_SECONDS)
    with transaction.atomic():
        rows = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .exclude(channel=Channel.SLACK)
            .filter(
                Q(status=DeliveryStatus.PENDING, not_before__lte=stale, updated_at__lte=stale)
                | Q(status=DeliveryStatus.SENDING, lease_until__lt=now)
            )
            .order_by("pk")
            .values_list("pk", flat=True)[:limit]
        )
        if rows:
            Delivery.objects.filter(pk__in=rows).update(updated_at=now)
            publish.deliveries_after_commit([(pk, now) for pk in rows])
    if rows:
        logger.info("Sweeper re-enqueued %d deliveries.", len(rows))
    poked = [lane for lane in lanes_due(now=now) if lane_unattended(lane, now=now)]
    for lane in poked:
        if lane_arm(lane, at=now):
            publish.relay(lane)
    if poked:
        logger.info("Sweeper woke the sender of %s.", ", ".join(poked))
    return rows


def retry_now(delivery_ids: list[int]) -> int:
    """The admin's "retry now": failed or stuck deliveries become pending and are published."""
    now = timezone.now()
    with transaction.atomic():
        rows = list(
            Delivery.objects.filter(pk__in=delivery_ids)
            .exclude(status__in=[DeliveryStatus.SENT, DeliveryStatus.SKIPPED])
            # One being sent right now is left alone: taking it would risk a second post.
            .exclude(status=DeliveryStatus.SENDING, lease_until__gte=now)
            .values_list("pk", "channel", "lane")
        )
        Delivery.objects.filter(pk__in=[pk for pk, _c, _l in rows]).update(
            status=DeliveryStatus.PENDING,
            attempts=0,
            lease_until=None,
            not_before=now,
            updated_at=now,
        )
        publish.deliveries_after_commit(
            [(pk, now) for pk, channel, _lane in rows if channel != Channel.SLACK]
        )
        for lane in sorted({lane for _pk, channel, lane in rows if channel == Channel.SLACK}):
            publish.relay_after_commit(lane)
    return len(rows)


# --- a lane: one sender at a time, at its channel's pace -----------------------------------------


def lane_state(key: str) -> ChannelState:
    state = ChannelState.objects.filter(key=key).first()
    if state is None:
        try:
            with transaction.atomic():
                state = ChannelState.objects.create(key=key)
        except IntegrityError:
            state = ChannelState.objects.get(key=key)
    return state


def lane_acquire(key: str, *, holder: str) -> ChannelState | None:
    """The lane's lease for `holder`, if nobody else holds a live one (a redelivered run of the
    same holder takes its own lease back at once)."""
    state = lane_state(key)
    now = timezone.now()
    if state.holder != holder and state.lease_until is not None and state.lease_until >= now:
        return None  # held: found by a read, so a burst of pokes adds no writes
    taken = (
        ChannelState.objects.filter(key=key)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now) | Q(holder=holder))
        .update(
            holder=holder,
            lease_until=now + timedelta(seconds=settings.WORKERS_RELAY_LEASE_SECONDS),
        )
    )
    return ChannelState.objects.get(key=key) if taken else None


def lane_renew(key: str, *, holder: str, **clocks: datetime | None) -> bool:
    """Extend the lease (and record the lane's pace); False when the lease is no longer ours."""
    until = timezone.now() + timedelta(seconds=settings.WORKERS_RELAY_LEASE_SECONDS)
    return bool(
        ChannelState.objects.filter(key=key, holder=holder).update(lease_until=until, **clocks)
    )


def lane_release(key: str, *, holder: str, **clocks: datetime | None) -> None:
    ChannelState.objects.filter(key=key, holder=holder).update(
        holder="", lease_until=None, **clocks
    )


def lane_arm(key: str, *, at: datetime) -> bool:
    """Whether to publish a wake-up for `at`: not when one is already armed for no later."""
    now = timezone.now()
    lane_state(key)
    return bool(
        ChannelState.objects.filter(key=key)
        .filter(Q(armed_until__isnull=True) | Q(armed_until__gt=at) | Q(armed_until__lte=now))
        .update(armed_until=at)
    )


def lanes_due(*, now: datetime) -> list[str]:
    """Slack lanes with something due now (the relay's business to send)."""
    return sorted(
        set(
            Delivery.objects.filter(channel=Channel.SLACK, status__in=WAITING)
            .filter(Q(not_before__lte=now) | Q(status=DeliveryStatus.SENDING))
            .values_list("lane", flat=True)
            .distinct()
        )
        | set(
            SlackThread.objects.filter(card_dirty_at__lte=now)
            .values_list("channel_id", flat=True)
            .distinct()
        )
    )


def lane_unattended(key: str, *, now: datetime) -> bool:
    """No live lease and no wake-up armed that should have fired by now: its sender is lost."""
    state = lane_state(key)
    grace = timedelta(seconds=5)
    leased = state.lease_until is not None and state.lease_until >= now
    armed = state.armed_until is not None and state.armed_until >= now - grace
    return not leased and not armed


def lane_warned(key: str, *, too_old: bool) -> bool:
    """Record whether the lane's backlog is too old; True only the first time it is."""
    lane_state(key)
    lanes = ChannelState.objects.filter(key=key)
    if not too_old:
        lanes.filter(backlog_warned_at__isnull=False).update(backlog_warned_at=None)
        return False
    return bool(
        lanes.filter(backlog_warned_at__isnull=True).update(backlog_warned_at=timezone.now())
    )


def lanes_young(*, except_for: list[str]) -> None:
    """Every lane but these has a young backlog again: its next old one is logged again."""
    ChannelState.objects.filter(backlog_warned_at__isnull=False).exclude(key__in=except_for).update(
        backlog_warned_at=None
    )


# --- the Slack workspace: one pace for the writes of every lane ----------------------------------

# The one row (the app writes to one workspace: SLACK_TEAM_ID).
WORKSPACE = "slack"
# Writes of the workspace that may leave at once (Slack welcomes short bursts): an update and the
# post right after it need not wait for each other. The pace between writes is slowed to make up
# for it, so that no minute holds more than SLACK_WORKSPACE_CALLS_PER_MINUTE.
WRITE_BURST = 5


@dataclass(frozen=True)
class WorkspaceSlot:
    at: datetime  # when the write may leave
    # What the row's clocks became (so that a slot no call used can be given back).
    next_write_at: datetime
    next_update_at: datetime | None = None


def _write_burst() -> int:
    return min(WRITE_BURST, int(settings.SLACK_WORKSPACE_CALLS_PER_MINUTE // 60))


def _write_gap() -> timedelta:
    """The long-run pace of the workspace's writes: a budget a minute, less the burst, plus the
    pace's margin for the network's jitter."""
    budget = settings.SLACK_WORKSPACE_CALLS_PER_MINUTE - _write_burst()
    return timedelta(seconds=60 / budget + settings.SLACK_PACE_MARGIN_SECONDS)


def _update_gap() -> timedelta:
    """Card updates go one at a time, never in a burst: their budget is a fraction of the writes'."""
    return timedelta(
        seconds=60 / settings.SLACK_UPDATES_PER_MINUTE + settings.SLACK_PACE_MARGIN_SECONDS
    )


def workspace_state() -> SlackWorkspace:
    state = SlackWorkspace.objects.filter(key=WORKSPACE).first()
    if state is None:
        try:
            with transaction.atomic():
                state = SlackWorkspace.objects.create(key=WORKSPACE)
        except IntegrityError:
            state = SlackWorkspace.objects.get(key=WORKSPACE)
    return state


def _locked_pace() -> SlackWorkspace:
    """The row, locked until the transaction ends (FOR UPDATE; SQLite's transactions here take the
    write lock at BEGIN): no two senders, in any process on any host, take a slot from the same
    state of the row."""
    workspace_state()
    return SlackWorkspace.objects.select_for_update().get(key=WORKSPACE)


def _take_write(pace: SlackWorkspace, *, earliest: datetime) -> datetime:
    """The next write slot at `earliest` or later (never in the past), as a generic cell rate: a
    write is on time `_write_gap()` after the one before it, and may be up to WRITE_BURST gaps
    early."""
    gap = _write_gap()
    on_time = pace.next_write_at or earliest
    at = max(earliest, timezone.now(), on_time - _write_burst() * gap)
    pace.next_write_at = max(on_time, at) + gap
    return at


def workspace_write(*, earliest: datetime) -> WorkspaceSlot:
    """Take the workspace's next write slot for a post: the post waits for `.at`."""
    with transaction.atomic():
        pace = _locked_pace()
        at = _take_write(pace, earliest=earliest)
        pace.save(update_fields=["next_write_at"])
    return WorkspaceSlot(at=at, next_write_at=pace.next_write_at)


def workspace_update(*, by: datetime) -> WorkspaceSlot | None:
    """Take a card update's slot if the workspace's update budget has one by `by` and Slack has
    not paused updates, with a write slot: None when the update must wait."""
    with transaction.atomic():
        pace = _locked_pace()
        waits_for = [m for m in (pace.next_update_at, pace.updates_paused_until) if m is not None]
        if waits_for and max(waits_for) > by:
            return None
        at = _take_write(pace, earliest=max(waits_for, default=timezone.now()))
        pace.next_update_at = at + _update_gap()
        pace.save(update_fields=["next_write_at", "next_update_at"])
    return WorkspaceSlot(
        at=at, next_write_at=pace.next_write_at, next_update_at=pace.next_update_at
    )


def workspace_updates_open_at(*, now: datetime) -> datetime:
    """When the workspace's next card update may go (its update budget, Slack's pause): `now`
    when it may go now."""
    pace = workspace_state()
    return _latest(pace.next_update_at, pace.updates_paused_until, now)


def _latest(*moments: datetime | None) -> datetime:
    return max(moment for moment in moments if moment is not None)


def workspace_unused(slot: WorkspaceSlot) -> None:
    """No Slack call took the slot after all (nothing to send, no token): it is free again, unless
    a later one was taken meanwhile."""
    rows = SlackWorkspace.objects.filter(key=WORKSPACE)
    rows.filter(next_write_at=slot.next_write_at).update(
        next_write_at=slot.next_write_at - _write_gap()
    )
    if slot.next_update_at is not None:
        rows.filter(next_update_at=slot.next_update_at).update(next_update_at=slot.at)


def workspace_pause_updates(*, until: datetime) -> None:
    """Slack answered a card update with 429: no lane updates a card before `until`."""
    workspace_state()
    SlackWorkspace.objects.filter(key=WORKSPACE).filter(
        Q(updates_paused_until__isnull=True) | Q(updates_paused_until__lt=until)
    ).update(updates_paused_until=until)


# --- a proposal's Slack thread: its root card, posted once, then edited in place -----------------


def thread_open(*, proposal, channel_id: str) -> SlackThread:
    thread, _created = SlackThread.objects.get_or_create(
        proposal=proposal, defaults={"channel_id": channel_id}
    )
    return thread


def thread_card_posting(thread: SlackThread) -> None:
    """Said before the card is posted: a later attempt looks for it in the channel's history."""
    SlackThread.objects.filter(pk=thread.pk).update(card_version=1)
    thread.card_version = 1


def thread_rooted(thread: SlackThread, *, root_ts: str, changes: int) -> None:
    """The card is in the channel, showing every change up to `changes`."""
    SlackThread.objects.filter(pk=thread.pk).update(root_ts=root_ts, card_version=1)
    SlackThread.objects.filter(pk=thread.pk, card_changes=changes).update(card_dirty_at=None)
    thread.root_ts, thread.card_version = root_ts, 1


def thread_card_updated(thread: SlackThread, *, version: int, changes: int) -> None:
    """The card shows every change up to `changes`; a later one leaves it dirty."""
    SlackThread.objects.filter(pk=thread.pk).update(card_version=version)
    SlackThread.objects.filter(pk=thread.pk, card_changes=changes).update(card_dirty_at=None)
    thread.card_version = version


def thread_card_lost(thread: SlackThread) -> None:
    """The card was deleted in Slack: post it again (a dirty card without a root); later replies
    go to the new one."""
    SlackThread.objects.filter(pk=thread.pk).update(
        root_ts="", card_version=0, card_dirty_at=timezone.now()
    )
    thread.root_ts, thread.card_version = "", 0


def thread_card_later(thread: SlackThread, *, seconds: float) -> None:
    SlackThread.objects.filter(pk=thread.pk, card_dirty_at__isnull=False).update(
        card_dirty_at=timezone.now() + timedelta(seconds=seconds)
    )


def thread_card_given_up(thread: SlackThread, *, changes: int) -> None:
    SlackThread.objects.filter(pk=thread.pk, card_changes=changes).update(card_dirty_at=None)


# --- a member's direct-message conversation with the app -----------------------------------------


def dm_channel(user) -> str | None:
    """The conversation opened with the member's current Slack account, if one was."""
    return (
        SlackDirectChannel.objects.filter(user=user, slack_user_id=user.slack_user_id)
        .values_list("channel_id", flat=True)
        .first()
    )


def dm_channel_opened(user, *, channel_id: str) -> None:
    SlackDirectChannel.objects.update_or_create(
        user=user,
        defaults={
            "slack_user_id": user.slack_user_id,
            "channel_id": channel_id,
            "opened_at": timezone.now(),
        },
    )


def dm_channel_lost(user) -> None:
    """Slack no longer knows the conversation: the next message opens it again."""
    SlackDirectChannel.objects.filter(user=user).delete()
