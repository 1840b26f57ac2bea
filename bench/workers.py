"""Notifications: commit → Slack latency, a burst at Slack's pace of 1 msg/s per channel (in one
channel, then spread over two), fan-out to followers.

Needs Redis (REDIS_URL, else redis://127.0.0.1:6379/6, a database this module empties). A real
Celery worker runs in this process (threads pool) and posts to a loopback fake Slack that answers
429 whenever one channel gets two posts closer than 1/rate seconds, as Slack does.

Knobs: BENCH_WORKERS_EVENTS (200), BENCH_WORKERS_PROPOSALS (20), BENCH_WORKERS_RATE (1 msg/s per
channel), BENCH_WORKERS_FOLLOWERS (5000), BENCH_WORKERS_LATENCY_SAMPLES (20).
"""

import os
import statistics
import threading
import time

from .harness import print_table, ratio, verdict

SCALES = ()
ORDER = 90
KEY = "workers"


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _broker_url() -> str:
    return os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/6"


def _wait(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


def _people(prefix: str, count: int):
    from members.models import User

    User.objects.bulk_create(
        [User(username=f"{prefix}{i}", email=f"{prefix}{i}@example.org") for i in range(count)],
        batch_size=1000,
    )
    return list(
        User.objects.filter(username__startswith=prefix).order_by("pk").values_list("pk", flat=True)
    )


def _latency(fake, proposal, author, samples: int, rate: float) -> list[float]:
    from django.db import transaction

    from proposals import services

    latencies = []
    for index in range(samples):
        committed = {}
        before = len(fake.replies_all())
        with transaction.atomic():
            transaction.on_commit(lambda c=committed: c.setdefault("at", time.monotonic()))
            services.comment_create(proposal=proposal, author=author, body=f"latency {index}")
        if not _wait(lambda b=before: len(fake.replies_all()) > b, 30):
            raise RuntimeError("a reply never reached the fake Slack")
        latencies.append(fake.calls_to("chat.postMessage")[-1].at - committed["at"])
        time.sleep(1 / rate)  # keep under the pace, so the figure is the pipeline alone
    return latencies


def _burst(fake, proposals, author, events: int, *, rate: float, channels: int = 1) -> dict:
    """`events` comments round the proposals as fast as they commit; the burst is over when the
    last one is posted. Its physical minimum: one post per 1/rate in each channel."""
    from proposals import services

    before_calls = len(fake.calls_to("chat.postMessage"))
    before_messages = len(fake.messages)
    before_429 = fake.rate_limited()
    started = time.monotonic()
    for index in range(events):
        proposal = proposals[index % len(proposals)]
        services.comment_create(proposal=proposal, author=author, body=f"burst {index:04d}")

    def posted():
        return [c for c in fake.calls_to("chat.postMessage")[before_calls:] if c.status == 200]

    if not _wait(lambda: len(posted()) >= events, events / rate * 3 + 60):
        raise RuntimeError("the burst was not delivered in time")
    elapsed = posted()[-1].at - started
    burst_texts = [m for m in fake.messages[before_messages:] if "burst " in str(m["blocks"])]
    ids = [m["metadata"]["event_payload"]["delivery_id"] for m in burst_texts]
    in_order = True
    for proposal in proposals:
        root = proposal.slack_thread.root_ts
        numbers = [
            int(str(m["blocks"]).split("burst ")[1][:4])
            for m in fake.replies(root)
            if "burst " in str(m["blocks"])
        ]
        in_order = in_order and numbers == sorted(numbers)
    return {
        "delivered": len(burst_texts),
        "duplicates": len(ids) - len(set(ids)),
        "in_order": in_order,
        "elapsed": elapsed,
        "minimum": (events / channels - 1) / rate,
        "rate_limited": fake.rate_limited() - before_429,
        "channels": channels,
    }


def _fanout(followers: int) -> dict:
    from django.db import transaction
    from django.utils import timezone

    from members.models import User
    from proposals.models import Follow
    from proposals.tests.factories import make_proposal
    from workers import services as notify
    from workers.events import Channel, EventKind
    from workers.models import Delivery, DeliveryStatus, Event

    proposal = make_proposal(proposer=User.objects.create(username="bench-fanout-proposer"))
    ids = _people("bench-follower-", followers)
    Follow.objects.bulk_create(
        [Follow(proposal=proposal, user_id=pk) for pk in ids], batch_size=1000
    )
    actor = User.objects.create(username="bench-fanout-actor")

    started = time.perf_counter()
    with transaction.atomic():
        event = notify.record_event(
            kind=EventKind.COMMENTED, proposal=proposal, actor=actor, payload={"excerpt": "hi"}
        )
    recorded = time.perf_counter() - started
    rows = Delivery.objects.filter(event=event, channel=Channel.INAPP).count()

    floor_event = Event.objects.create(kind=EventKind.COMMENTED, proposal=proposal)
    now = timezone.now()
    started = time.perf_counter()
    with transaction.atomic():
        Delivery.objects.bulk_create(
            [
                Delivery(
                    event=floor_event,
                    proposal=proposal,
                    channel=Channel.INAPP,
                    recipient_id=pk,
                    status=DeliveryStatus.SENT,
                    sent_at=now,
                    created_at=now,
                    updated_at=now,
                )
                for pk in ids
            ],
            batch_size=1000,
        )
    floor = time.perf_counter() - started
    return {"rows": rows, "recorded": recorded, "floor": floor}


def run(context) -> None:
    import redis
    from celery.contrib.testing.worker import start_worker
    from django.test.utils import override_settings

    from incubator.celery_app import app as celery_app
    from members.models import User
    from proposals import services
    from workers.tests.fake_slack import FakeSlack

    state = context.state.setdefault(KEY, {})
    url = _broker_url()
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).flushdb()
    except redis.RedisError as error:
        state["error"] = f"Redis at {url} unreachable ({error}); skipped"
        return
    rate = float(os.environ.get("BENCH_WORKERS_RATE") or 1)
    events = _int("BENCH_WORKERS_EVENTS", 200)
    count = _int("BENCH_WORKERS_PROPOSALS", 20)
    fake = FakeSlack()
    fake.enforce_pace(window=1 / rate)  # Slack's limit: two posts closer than this → 429
    fake.replies_all = lambda: [m for m in fake.messages if m.get("thread_ts")]
    celery_app.conf.broker_url = url
    celery_app.conf.broker_transport_options = {"visibility_timeout": 3600}
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    overrides = {
        "REDIS_URL": url,
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_CHANNEL_ID": "C0BENCH",
        "SLACK_THEME_CHANNELS": {"bench-second": "C0BENCH2"},
        "SLACK_API_URL": fake.url,
        "SLACK_MESSAGES_PER_SECOND": rate,
        "SITE_URL": "http://testserver",
    }
    sweeping = threading.Event()

    def sweeper() -> None:
        # What beat does in a deployment (every WORKERS_SWEEP_INTERVAL_SECONDS).
        from django.db import connection

        from workers import outbox

        while not sweeping.wait(5):
            outbox.sweep()
        connection.close()

    try:
        with (
            override_settings(**overrides, WORKERS_SWEEP_GRACE_SECONDS=5),
            start_worker(
                celery_app,
                pool="threads",
                concurrency=8,
                perform_ping_check=False,
                loglevel="ERROR",
                shutdown_timeout=30,
            ),
        ):
            threading.Thread(target=sweeper, daemon=True).start()
            proposer = User.objects.create(username="bench-slack-proposer")
            author = User.objects.create(username="bench-slack-author")

            def submit(index: int, tags=()):
                return services.proposal_submit(
                    proposer=proposer, title=f"Bench {index}", summary="bench", tags=list(tags)
                )

            proposals = [submit(i) for i in range(count)]
            # The same number again for the two-channel burst, half of them in a second channel.
            spread = [submit(count + i, ["bench-second"] if i % 2 else []) for i in range(count)]
            cards = 2 * count
            if not _wait(lambda: len(fake.roots()) == cards, cards / rate + 60):
                raise RuntimeError("root cards were not posted")
            time.sleep(1 / rate)
            latencies = _latency(
                fake, proposals[0], author, _int("BENCH_WORKERS_LATENCY_SAMPLES", 20), rate
            )
            for proposal in proposals + spread:
                proposal.refresh_from_db()
            time.sleep(1 / rate)
            state["burst"] = _burst(fake, proposals, author, events, rate=rate)
            time.sleep(1 / rate)
            state["two_channels"] = _burst(fake, spread, author, events, rate=rate, channels=2)
            state["latency"] = latencies
            state["updates"] = len(fake.calls_to("chat.update"))
    finally:
        sweeping.set()
        fake.stop()
    state["fanout"] = _fanout(_int("BENCH_WORKERS_FOLLOWERS", 5000))
    state["rate"], state["events"] = rate, events


def report(context) -> None:
    state = context.state.get(KEY, {})
    if "error" in state:
        print(f"\nNotifications: {state['error']}")
        return
    latency = state["latency"]
    print_table(
        "Notifications: committed change → fake Slack received the reply (s)",
        ["samples", "p50", "p95", "target p95 ≤ 0.25 s"],
        [
            [
                len(latency),
                f"{statistics.median(latency):.3f}",
                f"{_p95(latency):.3f}",
                verdict(_p95(latency), 0.25),
            ]
        ],
    )
    rows = []
    for key in ("burst", "two_channels"):
        burst = state[key]
        over = burst["elapsed"] / burst["minimum"]
        rows.append(
            [
                burst["channels"],
                burst["delivered"],
                burst["duplicates"],
                "kept" if burst["in_order"] else "BROKEN",
                burst["rate_limited"],
                f"{burst['elapsed']:.1f}",
                f"{burst['minimum']:.1f}",
                ratio(over),
                verdict(over, 1.05),
            ]
        )
    print_table(
        f"Notifications: {state['events']} events over {_int('BENCH_WORKERS_PROPOSALS', 20)} "
        f"proposals at {state['rate']:g} msg/s per channel (Slack's 429 enforced)",
        [
            "channels",
            "delivered",
            "duplicates",
            "order per thread",
            "429s",
            "time (s)",
            "minimum (s)",
            "over minimum",
            "target ≤ 1.05×",
        ],
        rows,
    )
    fanout = state["fanout"]
    print_table(
        "Notifications: one event to followers (in-app rows, one transaction)",
        ["rows", "record_event (s)", "plain bulk insert (s)", "× floor", "target ≤ 2 s"],
        [
            [
                fanout["rows"],
                f"{fanout['recorded']:.3f}",
                f"{fanout['floor']:.3f}",
                ratio(fanout["recorded"] / fanout["floor"]),
                verdict(fanout["recorded"], 2.0),
            ]
        ],
    )
