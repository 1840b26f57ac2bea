"""The workspace's pace: Slack limits each method per app over the whole workspace, so the senders
of every channel take their Slack writes from one budget (SLACK_WORKSPACE_CALLS_PER_MINUTE) and
their card updates from another (SLACK_UPDATES_PER_MINUTE), both held in the database.

The budgets are per minute; the tests raise them so that they take seconds, and check windows
scaled alike: at B calls a minute, no window of W seconds holds more than B × W / 60 of them, as
Slack (the loopback fake) received them. Each channel's posts keep the channel's own pace
(SLACK_MESSAGES_PER_SECOND, here 20), which the fake enforces: two posts to one channel closer
than 1/20 s get a 429 (at most one is allowed, as in the burst tests: a loaded machine may delay
one call more than its neighbour).
"""

import itertools
import threading
import time
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from members.tests.factories import UserFactory
from proposals import services
from proposals.models import Proposal
from proposals.tests.factories import make_proposal
from workers import outbox, publish, relay
from workers.events import Channel
from workers.models import ChannelState, Delivery, SlackThread, SlackWorkspace

from .fake_slack import Fault

pytestmark = [pytest.mark.django_db, pytest.mark.paced]

RATE = 20  # posts a second in each channel
MAIN, BOSAI = "C0MAIN", "C0BOSAI"
TURNS = 20  # rounds of edits in the budget test


@pytest.fixture
def two_channels(fake_slack, settings):
    """The main channel and a theme's own, each at RATE posts a second."""
    settings.SLACK_THEME_CHANNELS = {"防災": BOSAI}
    settings.SLACK_MESSAGES_PER_SECOND = RATE
    settings.SLACK_PACE_MARGIN_SECONDS = 0.05
    settings.WORKERS_SLACK_CARD_COALESCE_SECONDS = 0.1
    fake_slack.enforce_pace(window=1 / RATE)
    return fake_slack


def _cards(count: int, *, prefix: str) -> list[Proposal]:
    """`count` proposals in each channel, their cards posted."""
    proposals = [make_proposal(title=f"{prefix} main {index}") for index in range(count)]
    proposals += [
        make_proposal(title=f"{prefix} bosai {index}", tags=["防災"]) for index in range(count)
    ]
    relay.run(MAIN)
    relay.run(BOSAI)
    return proposals


def _most_in_any_window(times: list[float], seconds: float) -> int:
    times = sorted(times)
    return max((sum(start <= at < start + seconds for at in times) for start in times), default=0)


def _card(fake, proposal: Proposal) -> str:
    root_ts = SlackThread.objects.get(proposal=proposal).root_ts
    [card] = [message for message in fake.roots() if message["ts"] == root_ts]
    return str(card["blocks"])


def _replies(fake, proposal: Proposal) -> list[str]:
    root_ts = SlackThread.objects.get(proposal=proposal).root_ts
    return [str(message["blocks"]) for message in fake.replies(root_ts)]


def _all_sent() -> bool:
    return not Delivery.objects.filter(channel=Channel.SLACK, status__in=outbox.WAITING).exists()


def _no_card_waits() -> bool:
    return not SlackThread.objects.filter(card_dirty_at__isnull=False).exists()


@pytest.mark.django_db(transaction=True)
def test_card_updates_of_every_channel_stay_within_the_workspace_budgets(
    two_channels, settings, published
):
    fake = two_channels
    settings.SLACK_WORKSPACE_CALLS_PER_MINUTE = 480  # 8 writes a second: posts and updates
    settings.SLACK_UPDATES_PER_MINUTE = 120  # 2 card updates a second
    # Each slot's margin is what the calls' arrival may jitter by (on a loaded machine, a lot).
    settings.SLACK_PACE_MARGIN_SECONDS = 0.1
    proposals = _cards(3, prefix="Card")
    fake.calls.clear()
    author = UserFactory()
    writing = threading.Event()

    def write() -> None:
        """Members keep editing all six proposals, and comment now and then, while both channels
        send: the cards change far more often than the budget lets them be updated."""
        try:
            for turn in range(TURNS):
                for index, proposal in enumerate(proposals):
                    if turn % 5 == 0:
                        services.comment_create(
                            proposal=proposal, author=author, body=f"comment #{turn:02d}"
                        )
                    proposals[index] = services.proposal_update(
                        proposal=proposal, by=proposal.proposer, title=f"Card {index} v{turn}"
                    )
                time.sleep(0.1)
        finally:
            writing.set()
            connection.close()

    def send(lane: str) -> None:
        """The lane's sender, run again whenever it stops (as its wake-ups would)."""
        try:
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                relay.run(lane)
                if writing.is_set() and _all_sent() and _no_card_waits():
                    return
                time.sleep(0.02)
        finally:
            connection.close()

    threads = [threading.Thread(target=write)]
    threads += [threading.Thread(target=send, args=(lane,)) for lane in (MAIN, BOSAI)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert _all_sent() and _no_card_waits()

    updates = [call.at for call in fake.calls_to("chat.update")]
    writes = updates + [call.at for call in fake.calls_to("chat.postMessage")]
    # At 120 a minute, no 2.5 s hold more than 5 card updates, whichever channel they were in;
    # at 480 a minute, no 2.5 s more than 20 Slack writes of any kind (the burst of a few writes
    # at once included; over whole minutes, see the test on Slack's real limits below).
    assert updates and _most_in_any_window(updates, 2.5) <= 5
    assert _most_in_any_window(writes, 2.5) <= 20
    assert {call.body["channel"] for call in fake.calls_to("chat.update")} == {MAIN, BOSAI}
    # Both channels posted all along (neither waited for the other to finish), none too fast.
    posts = {
        lane: [c.at for c in fake.calls_to("chat.postMessage") if c.body["channel"] == lane]
        for lane in (MAIN, BOSAI)
    }
    comments = len(range(0, TURNS, 5))
    assert len(posts[MAIN]) == len(posts[BOSAI]) == 3 * comments
    assert min(posts[BOSAI]) < max(posts[MAIN]) and min(posts[MAIN]) < max(posts[BOSAI])
    assert fake.rate_limited() <= 1
    # Every card ends showing its latest state; every thread has its replies in order.
    for index, proposal in enumerate(proposals):
        card = _card(fake, proposal)
        assert f"Card {index} v{TURNS - 1}" in card and f"{comments} comments" in card
        replies = _replies(fake, proposal)
        assert len(replies) == comments
        assert all(
            f"comment #{turn:02d}" in reply
            for turn, reply in zip(range(0, TURNS, 5), replies, strict=True)
        )


def test_when_the_update_budget_is_spent_changed_cards_wait_while_posts_go_on(
    two_channels, settings, published
):
    fake = two_channels
    settings.SLACK_UPDATES_PER_MINUTE = 1  # one card update, then none for a minute
    main, bosai = _cards(1, prefix="Before")
    fake.calls.clear()
    author = UserFactory()
    for proposal in (main, bosai):
        for turn in range(3):
            services.comment_create(proposal=proposal, author=author, body=f"comment {turn}")
    bosai = services.proposal_update(proposal=bosai, by=bosai.proposer, title="Edited once")

    relay.run(MAIN)  # the main channel's card takes the workspace's update slot
    published.clear()
    relay.run(BOSAI)
    bosai = services.proposal_update(proposal=bosai, by=bosai.proposer, title="Edited twice")
    relay.run(BOSAI)

    [update] = fake.calls_to("chat.update")
    assert update.body["channel"] == MAIN
    # The theme's channel posted every reply at its own pace while its card waited.
    assert _all_sent() and fake.rate_limited() <= 1
    assert [("comment 0" in r, "comment 2" in r) for r in _replies(fake, bosai)] == [
        (True, False),
        (False, False),
        (False, True),
    ]
    assert "Before bosai 0" in _card(fake, bosai)
    assert SlackThread.objects.get(proposal=bosai).card_dirty_at is not None
    # Its sender is armed for the next update slot: it polls nothing meanwhile.
    pace = SlackWorkspace.objects.get()
    wakes = [job.eta for job in published if job.name == publish.RELAY_CHANNEL]
    assert wakes and all(
        eta is not None and eta >= pace.next_update_at - timedelta(seconds=0.3) for eta in wakes
    )

    # A minute later the budget has a slot again: one update carries every change since.
    SlackWorkspace.objects.update(next_update_at=timezone.now())
    relay.run(BOSAI)
    [_, update] = fake.calls_to("chat.update")
    assert update.body["channel"] == BOSAI
    card = _card(fake, bosai)
    assert "Edited twice" in card and "3 comments" in card
    assert SlackThread.objects.get(proposal=bosai).card_dirty_at is None


def test_a_rate_limited_card_update_pauses_card_updates_in_every_channel_and_no_posts(
    two_channels, settings, published
):
    fake = two_channels
    settings.SLACK_RETRY_AFTER_MARGIN_SECONDS = 1
    main, bosai = _cards(1, prefix="Card")
    fake.calls.clear()
    author = UserFactory()
    for proposal in (main, bosai):
        services.comment_create(proposal=proposal, author=author, body="first")
        services.comment_create(proposal=proposal, author=author, body="second")
    fake.fail("chat.update", Fault(status=429, retry_after=30))
    before = timezone.now()

    relay.run(MAIN)
    relay.run(BOSAI)

    # One update asked, Slack said wait: card updates wait everywhere, for Retry-After and the margin.
    [limited] = fake.calls_to("chat.update")
    assert limited.status == 429
    pace = SlackWorkspace.objects.get()
    assert pace.updates_paused_until >= before + timedelta(seconds=30 + 1)
    # Posts did not wait: both channels posted both replies, no channel is paused, nothing counted.
    assert _all_sent()
    assert {d.attempts for d in Delivery.objects.filter(channel=Channel.SLACK)} == {0}
    assert not ChannelState.objects.filter(paused_until__gt=timezone.now()).exists()
    for proposal in (main, bosai):
        assert len(_replies(fake, proposal)) == 2
        assert "2 comments" not in _card(fake, proposal)  # the cards wait
    # Each sender is armed for the end of the pause.
    wakes = {job.args[0]: job.eta for job in published if job.name == publish.RELAY_CHANNEL}
    assert set(wakes) == {MAIN, BOSAI}
    assert all(eta >= pace.updates_paused_until - timedelta(seconds=0.3) for eta in wakes.values())

    SlackWorkspace.objects.update(updates_paused_until=timezone.now())
    relay.run(MAIN)
    relay.run(BOSAI)
    assert [call.status for call in fake.calls_to("chat.update")] == [429, 200, 200]
    for proposal in (main, bosai):
        assert "2 comments" in _card(fake, proposal)


def test_a_rate_limited_post_pauses_only_its_channel_and_card_updates_go_on(
    two_channels, settings, published
):
    fake = two_channels
    main, bosai = _cards(1, prefix="Card")
    fake.calls.clear()
    author = UserFactory()
    services.comment_create(proposal=main, author=author, body="main reply")
    services.comment_create(proposal=bosai, author=author, body="bosai reply")
    fake.fail("chat.postMessage", Fault(status=429, retry_after=30))

    relay.run(MAIN)  # its card is updated, then its reply gets the 429
    relay.run(BOSAI)
    main = services.proposal_update(proposal=main, by=main.proposer, title="Edited meanwhile")
    relay.run(MAIN)

    assert ChannelState.objects.get(key=MAIN).paused_until >= timezone.now() + timedelta(seconds=29)
    assert SlackWorkspace.objects.get().updates_paused_until is None
    assert _replies(fake, main) == [] and len(_replies(fake, bosai)) == 1
    # The paused channel's card still follows its changes: updates are not posts.
    assert "Edited meanwhile" in _card(fake, main)


def test_over_any_minute_the_workspace_keeps_within_slacks_limits_whatever_the_demand(settings):
    """Slack's real limits (the defaults: 300 writes, 50 card updates a minute) under more demand
    than they allow: five channels, each wanting a post a second and a card update before each
    post, through the real workspace row, on a clock the test moves (ten minutes in a moment)."""
    settings.SLACK_MESSAGES_PER_SECOND = 1
    lanes = [f"C0LANE{index}" for index in range(5)]
    post_gap = timedelta(seconds=1 + settings.SLACK_PACE_MARGIN_SECONDS)
    start = timezone.now()
    turn = dict.fromkeys(lanes, start)
    writes, updates, posts = [], [], {lane: [] for lane in lanes}
    with time_machine.travel(start, tick=False) as clock:
        while min(turn.values()) < start + timedelta(minutes=10):
            lane = min(turn, key=turn.get)  # the sender whose channel's slot comes first
            clock.move_to(max(turn[lane], timezone.now()))
            update = outbox.workspace_update(by=timezone.now())
            if update is not None:
                updates.append(update.at.timestamp())
                writes.append(update.at.timestamp())
            post = outbox.workspace_write(earliest=turn[lane])
            writes.append(post.at.timestamp())
            posts[lane].append(post.at)
            turn[lane] = post.at + post_gap

    assert _most_in_any_window(writes, 60) <= 300
    assert _most_in_any_window(updates, 60) <= 50
    for lane in lanes:
        assert all(b - a >= post_gap for a, b in itertools.pairwise(posts[lane]))
    # The demand was more than the limits allow (so they were what held it back).
    assert len(writes) > 9 * 280 and len(updates) > 9 * 45


@pytest.mark.django_db(transaction=True)
def test_senders_in_several_processes_each_take_a_slot_of_their_own(settings):
    """Four senders at once, each with a database connection of its own (to the database, as
    four processes on four hosts would be), take ten write slots each: no two read the same
    state of the row, so each slot comes one gap after another."""
    settings.SLACK_WORKSPACE_CALLS_PER_MINUTE = 61  # a burst of one, then about a second apart
    taken = []
    start = threading.Barrier(4)

    def take() -> None:
        try:
            start.wait()
            for _ in range(10):
                taken.append(outbox.workspace_write(earliest=timezone.now()))
        finally:
            connection.close()

    threads = [threading.Thread(target=take) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    gap = timedelta(seconds=60 / 60 + settings.SLACK_PACE_MARGIN_SECONDS)
    chain = sorted(slot.next_write_at for slot in taken)
    assert len(chain) == 40
    assert all(later - earlier == gap for earlier, later in itertools.pairwise(chain))
    # Two may leave at once (the burst of one), never three within a gap.
    moments = sorted(slot.at for slot in taken)
    assert all(moments[index + 2] - moments[index] >= gap for index in range(len(moments) - 2))


def test_a_sender_never_sleeps_past_its_lease_for_a_busy_workspace(fake_slack, settings, published):
    """With the workspace's next write slot far off (many busy channels), the run gives the slot
    back and re-arms itself for then, instead of sleeping with the lane's lease."""
    settings.WORKERS_RELAY_LEASE_SECONDS = 30
    make_proposal(title="待つ提案")
    far = timezone.now() + timedelta(seconds=20)
    SlackWorkspace.objects.update_or_create(key=outbox.WORKSPACE, defaults={"next_write_at": far})
    calls = len(fake_slack.calls)

    started = time.monotonic()
    relay.run(MAIN)

    assert time.monotonic() - started < 5
    assert len(fake_slack.calls) == calls  # nothing sent yet
    relays = [p for p in published if p.name == publish.RELAY_CHANNEL and p.args == (MAIN,)]
    assert relays and relays[-1].eta is not None and relays[-1].eta >= far - timedelta(seconds=1)
