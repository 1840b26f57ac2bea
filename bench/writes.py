"""Writes per second on PostgreSQL, with 1 and with 4 clients writing to different proposals.

Each client is a process of its own (no shared interpreter lock, its own database connection)
calling the services as a request would: the cycle of bench/changes.py (a cheer, a comment, that
comment deleted, the cheer taken back), each call timed on its own. With 4 clients, client k
writes only to proposal k; the single client writes to the same four proposals in turn, so both
do the same mix of work. Rounds of 1 and 4 clients take turns (ROUNDS each), so a busy machine
weighs on both alike. Runs once, after the last scale (the database at its largest).

Every commit runs its on-commit hooks, which publish the deliveries' tasks to Celery; that
publish is part of each write's time, as in production. Slack is turned on in the writers (with
an address nothing listens on) so that, as in a community using Slack, every cheer and comment
publishes its Slack delivery. The broker is a real one (bench/settings:
the local Redis, db 7, on a queue of this run's own, else the embedded filesystem broker), never
eager mode: eager mode would run the deliveries inside the write and measure them, not the
write. No worker consumes the queue, so deliveries do not compete with the writers for the CPU.

Next to the targets the table gives the writers' own CPU time per write and how busy the whole
machine was (every process: the database's, and anyone else's): 4 clients short of the rate on
a machine near 100 % busy ran out of CPUs; on an idle one they waited for each other. The last
column says which: the share of samples (every 20 ms, pg_stat_activity) of the writers' busy
database sessions that were waiting on a lock.

Targets (issue 9): 4 clients ≥ 1.8× the writes per second of 1 client, and their p95 latency
≤ 3× that of 1 client. On SQLite (one writer at a time, by design) it is skipped.
"""

import contextlib
import multiprocessing
import os
import statistics
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from .harness import p95, print_table, ratio, verdict

SCALES = ()
# After bench/workers.py: its sweeper would otherwise pick up the Slack deliveries left pending here.
ORDER = 95
CLIENTS = (1, 4)
RATE_LIMIT = 1.8  # writes/s of 4 clients over those of 1, at least
P95_LIMIT = 3.0  # p95 of 4 clients over that of 1, at most
KEY = "writes"
HEADER = [
    "clients", "writes", "writes/s", "median", "p95", "rate vs 1", f"≥ {RATE_LIMIT:g}×",
    "p95 vs 1", f"≤ {P95_LIMIT:g}×", "client CPU ms/write", "machine busy", "waiting on a lock",
]  # fmt: skip


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0
    client_cpu_seconds: float = 0.0  # the writer processes' own CPU time (not the database's)
    busy: list[float] = field(default_factory=list)  # the machine's busy share, per round
    # Samples of the writers' database sessions: how many were busy, how many waited on a lock.
    active_samples: int = 0
    lock_samples: int = 0

    @property
    def client_cpu_ms_per_write(self) -> float:
        return 1000 * self.client_cpu_seconds / max(1, len(self.latencies))

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0


def _writer(pipe, proposal_ids: list[int], user_id: int) -> None:
    """One client process: waits for ("run", proposal ids, start, end), writes until end and
    answers with its latencies (ms); ("stop",) ends it."""
    import django

    django.setup()
    from django.test.utils import override_settings

    from .changes import Changer

    # Slack as in a community that uses it: every cheer and comment also publishes its Slack
    # delivery after commit. Nothing consumes the queue, and the address is a closed local port.
    override_settings(
        SLACK_BOT_TOKEN="xoxb-bench-never-sent",
        SLACK_CHANNEL_ID="C0BENCH",
        SLACK_API_URL="http://127.0.0.1:9/api/",
    ).enable()
    pipe.send("ready")
    changers: dict[tuple[int, ...], Changer] = {}
    while True:
        command = pipe.recv()
        if command[0] == "stop":
            return
        _run, ids, start, end = command
        changer = changers.setdefault(tuple(ids), Changer(ids, user_id))
        time.sleep(max(0.0, start - time.time()))
        latencies, cpu = [], time.process_time()
        try:
            while time.time() < end:
                started = time.perf_counter()
                changer()
                latencies.append((time.perf_counter() - started) * 1000)
        except Exception as error:  # reported by the parent, never a hung bench
            pipe.send(("error", f"{type(error).__name__}: {error}"))
            continue
        pipe.send(("done", latencies, time.time(), time.process_time() - cpu))


def _cpu_times() -> tuple[int, int]:
    """The machine's (idle, total) CPU time so far, from /proc/stat (all processes, every user)."""
    try:
        fields = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0, 0
    return fields[3] + fields[4], sum(fields[:8])  # idle + iowait; user … steal


def _busy_since(before: tuple[int, int]) -> float:
    idle, total = _cpu_times()
    return 1 - (idle - before[0]) / (total - before[1]) if total > before[1] else 0.0


class LockSampler(threading.Thread):
    """Every 20 ms, which of this database's sessions are running a statement and which of them
    wait on a lock (pg_stat_activity); writers to different proposals should never wait."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.active = self.locked = 0

    def run(self) -> None:
        import psycopg
        from django.conf import settings

        database = settings.DATABASES["default"]
        with psycopg.connect(
            dbname=database["NAME"],
            user=database["USER"] or None,
            password=database["PASSWORD"] or None,
            host=database["HOST"] or None,
            port=database["PORT"] or None,
            autocommit=True,  # a fresh snapshot of pg_stat_activity at every query
        ) as connection:
            while not self.stop.wait(0.02):
                waits = connection.execute(
                    "SELECT wait_event_type FROM pg_stat_activity WHERE datname = "
                    "current_database() AND pid <> pg_backend_pid() AND state = 'active'"
                ).fetchall()
                self.active += len(waits)
                self.locked += sum(1 for (wait,) in waits if wait == "Lock")


def _subjects(clients: int) -> tuple[list[int], list[int]]:
    """`clients` proposals open to comments and cheers, and as many writers of the bench's own."""
    from members.models import User
    from proposals.choices import Status
    from proposals.models import Proposal

    proposals = list(
        Proposal.objects.filter(status__in=[Status.DISCUSSION, Status.TEAM_FORMING])
        .order_by("-pk")
        .values_list("pk", flat=True)[:clients]
    )
    if len(proposals) < clients:
        raise RuntimeError(f"only {len(proposals)} proposals open to comments")
    writers = []
    for index in range(clients):
        user, _created = User.objects.get_or_create(
            username=f"bench-writer-{index}",
            defaults={"email": f"bench-writer-{index}@example.org"},
        )
        writers.append(user.pk)
    return proposals, writers


def _round_of(pipes, proposals: list[int], clients: int, seconds: float, tally: Tally) -> None:
    """`clients` writers at once for `seconds`; their latencies and CPU time go to `tally`."""
    start = time.time() + 0.3
    for index in range(clients):
        ids = proposals if clients == 1 else [proposals[index]]
        pipes[index].send(("run", ids, start, start + seconds))
    time.sleep(max(0.0, start - time.time()))
    machine, sampler = _cpu_times(), LockSampler()
    sampler.start()
    finished = start
    try:
        for pipe in pipes[:clients]:
            if not pipe.poll(seconds + 120):
                raise RuntimeError("a writer process did not answer")
            answer = pipe.recv()
            if answer[0] == "error":
                raise RuntimeError(f"a write failed: {answer[1]}")
            tally.latencies.extend(answer[1])
            tally.client_cpu_seconds += answer[3]
            finished = max(finished, answer[2])
    finally:
        sampler.stop.set()
        sampler.join(timeout=10)
    tally.seconds += finished - start
    tally.busy.append(_busy_since(machine))
    tally.active_samples += sampler.active
    tally.lock_samples += sampler.locked


def run(context) -> None:
    from django.db import connection, connections

    state = context.state.setdefault(KEY, {})
    if connection.vendor != "postgresql":
        state["skipped"] = (
            f"DATABASE_URL is {connection.vendor}, not PostgreSQL: SQLite takes one writer at a "
            "time by design, so concurrent writers would only measure its file lock"
        )
        return
    rounds, seconds = (1, 2.0) if context.quick else (3, 4.0)
    most = max(CLIENTS)
    proposals, writers = _subjects(most)
    connections.close_all()
    spawn = multiprocessing.get_context("spawn")
    pipes, processes = [], []
    for index in range(most):
        parent, child = spawn.Pipe()
        process = spawn.Process(
            target=_writer, args=(child, proposals, writers[index]), daemon=True
        )
        process.start()
        pipes.append(parent)
        processes.append(process)
    tallies = {clients: Tally() for clients in CLIENTS}
    try:
        for pipe in pipes:
            if not pipe.poll(120) or pipe.recv() != "ready":
                raise RuntimeError("a writer process did not start")
        # A warm-up round for every writer (imports, first queries, Markdown), not counted.
        _round_of(pipes, proposals, most, 1.0, Tally())
        for _round in range(rounds):
            for clients in CLIENTS:
                _round_of(pipes, proposals, clients, seconds, tallies[clients])
    finally:
        for pipe in pipes:
            with contextlib.suppress(OSError):
                pipe.send(("stop",))
        for process in processes:
            process.join(timeout=30)
            if process.is_alive():
                process.terminate()
    state.update(tallies=tallies, rounds=rounds, seconds=seconds)


def rows(tallies: dict[int, Tally]) -> list[list]:
    one = tallies[min(CLIENTS)]
    table = []
    for clients, tally in sorted(tallies.items()):
        rate_ratio = tally.rate / one.rate if one.rate else 0.0
        p95_ratio = p95(tally.latencies) / p95(one.latencies)
        judged = clients != min(CLIENTS)
        busy = statistics.mean(tally.busy) if tally.busy else 0.0
        table.append([
            f"{clients} client{'s' if clients > 1 else ''}", len(tally.latencies),
            f"{tally.rate:.0f}", f"{statistics.median(tally.latencies):.1f}",
            f"{p95(tally.latencies):.1f}", ratio(rate_ratio),
            ("PASS" if rate_ratio >= RATE_LIMIT else "MISS") if judged else "", ratio(p95_ratio),
            verdict(p95_ratio, P95_LIMIT) if judged else "",
            f"{tally.client_cpu_ms_per_write:.1f}", f"{busy:.0%}",
            f"{tally.lock_samples / tally.active_samples:.0%}" if tally.active_samples else "-",
        ])  # fmt: skip
    return table


def report(context) -> None:
    state = context.state.get(KEY, {})
    if "skipped" in state:
        print(f"\nWrites per second: skipped ({state['skipped']})")
        return
    if "tallies" not in state:
        return
    from django.conf import settings

    broker = "Redis " + settings.BENCH_REDIS_URL if settings.BENCH_REDIS_URL else "embedded"
    print_table(
        f"Writes on PostgreSQL through the services ({state['rounds']} rounds of "
        f"{state['seconds']:g} s per row, taking turns; latency in ms; broker: {broker}; "
        f"{os.cpu_count()} CPUs)",
        HEADER,
        rows(state["tallies"]),
    )
