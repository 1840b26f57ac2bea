"""The loopback fake Slack itself: what the acceptance tests read through it must be what Slack
would have said. Slack names a message, and a thread by its root, with the message's ts, never
twice the same in a channel; the tests find each proposal's thread by its card's ts."""

import time
from datetime import UTC, datetime

import time_machine

from slack_app import client

SOME_DAY = datetime(2031, 3, 6, 3, 0, tzinfo=UTC)


def _cards_and_their_replies(count: int) -> list[str]:
    cards = [client.post_message(channel="C0MAIN", text=f"card {n}") for n in range(count)]
    for n, card in enumerate(cards):
        client.post_message(channel="C0MAIN", text=f"reply {n}", thread_ts=card)
    return cards


def test_posts_in_a_row_on_a_clock_ahead_of_the_real_one_each_get_a_ts_and_a_thread_of_their_own(
    fake_slack,
):
    # The fake's clock goes on from the latest post: after one made in 2031 (a test that travels in
    # time), every post after it comes a microsecond after the one before.
    with time_machine.travel(SOME_DAY, tick=False):
        client.post_message(channel="C0MAIN", text="posted in 2031")
    cards = _cards_and_their_replies(50)

    assert len(set(cards)) == len(cards)
    assert [[m["text"] for m in fake_slack.replies(card)] for card in cards] == [
        [f"reply {n}"] for n in range(50)
    ]


def test_a_test_that_travelled_in_time_leaves_the_next_one_no_clock_ahead(fake_slack):
    with time_machine.travel(SOME_DAY, tick=False):
        client.post_message(channel="C0MAIN", text="posted in 2031")

    fake_slack.reset()  # what the next test's `fake_slack` fixture does first
    before = time.time()
    ts = client.post_message(channel="C0MAIN", text="posted now")
    assert before <= float(ts) <= time.time()
