"""The round's task and the Slack sender, each run twice at the same moment (beat's task
redelivered, two workers): one round, one group DM per introduction. On PostgreSQL, with one
connection per run."""

import os
import threading

import pytest
from django.db import connections

from introductions import services
from introductions import slack as sender
from introductions.models import Introduction, IntroductionMessage, IntroductionRound

from .factories import person, round_moment

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="concurrent transactions are PostgreSQL's; SQLite takes turns by design",
    ),
]


def at_once(*calls) -> list:
    """Each call from a thread and a database connection of its own, all at the same moment."""
    start = threading.Barrier(len(calls))
    results: list = [None] * len(calls)
    failures: list[BaseException] = []

    def run(index, call):
        try:
            start.wait(timeout=30)
            results[index] = call()
        except BaseException as error:  # reported to the test's thread
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures
    return results


def test_two_round_runs_at_once_make_one_round(published):
    for number in range(9):
        person(f"p{number}", "防災")

    made = at_once(*[lambda: services.introductions_round_start(now=round_moment())] * 2)

    assert sum(result is not None for result in made) == 1
    assert IntroductionRound.objects.count() == 1
    assert Introduction.objects.count() == 4  # nine people: three pairs and a group of three


def test_two_senders_at_once_post_each_group_dm_once(fake_slack, published, settings):
    settings.SLACK_OPENS_PER_MINUTE = 60 * 1000
    for number in range(6):
        person(f"p{number}", "防災", slack=f"U0P{number}")
    services.introductions_round_start(now=round_moment())

    for _attempt in range(5):
        at_once(lambda: sender.run(holder="one"), lambda: sender.run(holder="two"))
        if not IntroductionMessage.objects.exclude(status="sent").exists():
            break

    assert len(fake_slack.calls_to("conversations.open")) == 3
    channels = [call.body["channel"] for call in fake_slack.calls_to("chat.postMessage")]
    assert sorted(channels) == sorted(set(fake_slack.conversations.values()))
