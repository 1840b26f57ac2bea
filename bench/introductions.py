"""One introduction round for 5,000 opted-in members (issue 13), in seconds.

This module adds the members (bulk inserts into the bench's own database, never through the
product): each with one to four themes from the suggested ones and a Slack id, all asking to be
introduced. Then three rounds, two weeks apart, each one call of the round's service as beat's
task makes it (pairing, the rows, and how each introduction is told, committed in one
transaction, and what it publishes after commit):

    in the app and by email   Slack is off: every introduction is an event, in-app rows and an
                              email each (the heaviest round)
    with a round's history    the same, a period later: nobody meets their first round's partner
    on Slack                  everyone is on Slack: each introduction waits for the Slack sender
                              (its group DMs then go at Slack's pace, which the table estimates)

The issue sets no figure beyond "seconds"; the table says how it compares with AIM_SECONDS.
BENCH_INTRODUCTIONS_MEMBERS changes the count (500 with --quick).
"""

import os
import random
import time
from datetime import datetime, timedelta

from .harness import print_table, verdict

SCALES = ()
ORDER = 80
KEY = "introductions"
MEMBERS = 5_000
QUICK_MEMBERS = 500
AIM_SECONDS = 10.0
PREFIX = "bench-intro-"


def members_count(context) -> int:
    configured = os.environ.get("BENCH_INTRODUCTIONS_MEMBERS")
    if configured:
        return int(configured)
    return QUICK_MEMBERS if context.quick else MEMBERS


def seed_members(count: int, *, seed: str = "bench-introductions") -> int:
    """`count` members asking to be introduced (added to those already there); returns how many
    now ask."""
    from members.models import Introductions, User
    from proposals.choices import SUGGESTED_THEMES

    rng = random.Random(seed)
    themes = list(SUGGESTED_THEMES)
    start = User.objects.filter(username__startswith=PREFIX).count()
    User.objects.bulk_create(
        [
            User(
                username=f"{PREFIX}{number}",
                email=f"{PREFIX}{number}@example.org",
                display_name=f"紹介{number}",
                interests=rng.sample(themes, rng.randint(1, min(4, len(themes)))),
                slack_user_id=f"U{number:09d}",
                introductions=Introductions.ON,
            )
            for number in range(start, start + count)
        ],
        batch_size=1000,
    )
    return User.objects.filter(introductions=Introductions.ON).count()


def _round_moment(periods_later: int) -> datetime:
    from django.conf import settings
    from django.utils import timezone

    from introductions import selectors

    first = selectors.period_start(timezone.localdate())
    day = first + timedelta(days=settings.INTRODUCTIONS_EVERY_DAYS * (periods_later + 1))
    return timezone.make_aware(datetime(day.year, day.month, day.day, 10, 30))


SCENARIOS = (
    ("in the app and by email", False),
    ("with a round's history", False),
    ("on Slack", True),
)


def measure(count: int) -> list[dict]:
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, override_settings
    from django.urls import reverse

    from introductions import services

    asking = seed_members(count)
    reverse("introductions:mine")  # the URLconf is loaded once per process, not per round
    results = []
    for period, (label, slack) in enumerate(SCENARIOS):
        token = "xoxb-bench" if slack else ""
        with override_settings(SLACK_BOT_TOKEN=token), CaptureQueriesContext(connection) as run:
            started, cpu = time.perf_counter(), time.thread_time()
            made = services.introductions_round_start(now=_round_moment(period))
            seconds, cpu_seconds = time.perf_counter() - started, time.thread_time() - cpu
        if made is None:
            raise RuntimeError("the round was not due")
        groups = made.introductions.count()
        results.append(
            {
                "label": label,
                "asking": asking,
                "introduced": made.introduced,
                "left_out": made.left_out,
                "groups": groups,
                "seconds": seconds,
                "cpu_seconds": cpu_seconds,
                "queries": len(run.captured_queries),
                # Slack's Tier 3 pace for conversations.open; each post follows its open.
                "slack_minutes": groups / settings.SLACK_OPENS_PER_MINUTE if slack else None,
            }
        )
    return results


def run(context) -> None:
    context.state[KEY] = measure(members_count(context))


def report(context) -> None:
    results = context.state.get(KEY)
    if not results:
        return
    print_table(
        "One introduction round (issue 13; s)",
        [
            "round",
            "asking",
            "introduced",
            "left out",
            "groups",
            "seconds",
            "CPU s",
            "queries",
            "aim",
            "",
            "Slack sends in (min)",
        ],
        [
            [
                row["label"],
                f"{row['asking']:,}",
                f"{row['introduced']:,}",
                f"{row['left_out']:,}",
                f"{row['groups']:,}",
                f"{row['seconds']:.2f}",
                f"{row['cpu_seconds']:.2f}",
                f"{row['queries']:,}",
                f"≤ {AIM_SECONDS:g} s",
                verdict(row["seconds"], AIM_SECONDS),
                "-" if row["slack_minutes"] is None else f"{row['slack_minutes']:.0f}",
            ]
            for row in results
        ],
    )
