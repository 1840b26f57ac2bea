"""The kanban board: the page and GET /api/v1/board after a change, and the unchanged polls (304).

Every timed board request (and every floor request next to it) comes right after a real change
through the services to a card the board shows (bench/changes.py); three members view it in
turn. The polls are measured with no change in between, each viewer with the ETag it was given.
Targets (issue 9): the board within 10× the floor at 10,000 proposals, and within 1.2× (in
floors) of its cost at 100; the polls (issue 3) within 1.5× the floor. 50,000 proposals are
shown with their growth over 100, no target. As the page poll's floor pays the session and user
lookups of its viewer, the API poll's floor is the API's trivial endpoint (harness.API_FLOOR_PATH)
with the same token: the same Ninja dispatch and token lookup, nothing else.

At TARGET_SCALE the same requests are also served by gunicorn (4 sync workers) to 4 concurrent
clients, in slices of SLICE_SECONDS that take turns with the floor, so both see the same warm
workers and the same machine. Besides the latency, the table gives the CPU time the gunicorn
processes spent per request (from /proc; a PostgreSQL server's own CPU is not in it). In the
"after a change" slices each client makes its change (in this process, untimed) before each
request, so their requests per second include the change.
"""

import contextlib
import http.client
import math
import os
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from .changes import Changer, shown_proposals
from .harness import (
    API_FLOOR_PATH,
    FLOOR_LIMIT,
    FLOOR_PATH,
    GROWTH_LIMIT,
    TIMING_HEADER,
    BenchmarkError,
    Measure,
    ms,
    p95,
    print_table,
    ratio,
    timing_rows,
)

SCALES = (100, 10_000, 50_000)
QUICK_SCALES = (100, 1_000)
ORDER = 20
POLL_LIMIT = 1.5
CONCURRENCY = 4
SLICE_SECONDS = 0.5
API_BOARD = "/api/v1/board"
MEASURES = (
    Measure("board_page", "board page /", FLOOR_LIMIT, GROWTH_LIMIT, floor_limit_at_target=True),
    Measure("board_api", f"GET {API_BOARD}"),
    Measure("board_poll", "board poll, unchanged → 304", POLL_LIMIT),
    Measure("board_api_poll", f"GET {API_BOARD}, unchanged → 304", POLL_LIMIT),
)


def _setup(context) -> dict:
    from members.models import User
    from members.services import api_token_create

    from .pages import list_viewers

    if "board" in context.state:
        return context.state["board"]
    users = list_viewers()
    changer, _created = User.objects.get_or_create(
        username="bench-board-changer", defaults={"email": "bench-board-changer@example.org"}
    )
    _token, raw = api_token_create(user=users[0], name="bench board")
    state = {
        "viewers": [context.client(user) for user in users],
        "api_client": context.client(),
        "token": raw,
        "changer_id": changer.pk,
    }
    context.state["board"] = state
    return state


def _shown_on_board(client) -> list[int]:
    response = client.get("/")
    shown = shown_proposals(response.content.decode())
    if not shown:
        raise BenchmarkError(f"the board (HTTP {response.status_code}) links to no proposal")
    return shown


def run(context) -> None:
    state = _setup(context)
    viewers, token = state["viewers"], state["token"]
    api = {"Authorization": f"Bearer {token}"}
    # The cards shown at this scale (the board's first cards change as it grows).
    shown = _shown_on_board(viewers[0])
    change = Changer(shown[:20], state["changer_id"])
    context.measure("board_page", "/", clients=viewers, change=change)
    context.measure(
        "board_api", API_BOARD, clients=[state["api_client"]], headers=api, change=change
    )
    polls = [
        {
            "HX-Request": "true",
            "If-None-Match": viewer.get("/", headers={"HX-Request": "true"})["ETag"],
        }
        for viewer in viewers
    ]
    context.measure("board_poll", "/", clients=viewers, headers=polls, expect=304)
    api_etag = state["api_client"].get(API_BOARD, headers=api).get("ETag", "")
    context.measure(
        "board_api_poll",
        API_BOARD,
        clients=[state["api_client"]],
        headers={**api, "If-None-Match": api_etag},
        expect=304,
        floor=(API_FLOOR_PATH, api),
    )
    if context.serve and context.scale == context.target_scale(sys.modules[__name__]):
        try:
            context.state["board_served"] = _under_gunicorn(context, state, shown)
        except (OSError, RuntimeError, BenchmarkError) as error:
            context.state["board_served"] = f"gunicorn run failed: {error}"


# -- under gunicorn ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    path: str
    headers: tuple[dict[str, str], ...]  # one per viewer; client i sends headers[i % len]
    expect: int = 200
    change: bool = False


@dataclass
class Served:
    latencies: list[float] = field(default_factory=list)
    errors: dict[int, int] = field(default_factory=dict)
    cpu_seconds: float = 0.0
    wall_seconds: float = 0.0

    @property
    def cpu_ms_per_request(self) -> float:
        return 1000 * self.cpu_seconds / max(1, len(self.latencies))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(port: int, path: str, headers: dict[str, str]) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def _wait_until_up(port: int, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("gunicorn exited during start-up")
        try:
            _get(port, FLOOR_PATH, {})
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer within 60 s")


def _process_tree(root: int) -> list[int]:
    """The gunicorn master and its workers."""
    pids = [root]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if parent == root:
            pids.append(int(stat.parent.name))
    return pids


def _cpu_seconds(pids: list[int]) -> float:
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def _interleaved(port: int, kinds: list[Kind], changers: list, pids: list[int], seconds: float):
    """Each kind gets `seconds` of CONCURRENCY clients, in slices taking turns with the others."""
    results = {kind.name: Served() for kind in kinds}
    barrier = threading.Barrier(CONCURRENCY + 1)
    now: dict = {"kind": None, "until": 0.0}
    lock = threading.Lock()

    def client(index: int) -> None:
        from django.db import connection as database

        try:
            _serve(index)
        except threading.BrokenBarrierError:
            pass
        except Exception:
            barrier.abort()  # the coordinator stops waiting and reports the failure
            raise
        finally:
            database.close()

    def _serve(index: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            barrier.wait()
            kind: Kind | None = now["kind"]
            if kind is None:
                connection.close()
                return
            headers = kind.headers[index % len(kind.headers)]
            latencies, errors = [], {}
            while time.monotonic() < now["until"]:
                if kind.change:
                    changers[index]()
                started = time.perf_counter()
                connection.request("GET", kind.path, headers=headers)
                response = connection.getresponse()
                response.read()
                latencies.append((time.perf_counter() - started) * 1000)
                if response.status != kind.expect:
                    errors[response.status] = errors.get(response.status, 0) + 1
                if response.getheader("Connection", "").lower() == "close":
                    connection.close()
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            with lock:
                served = results[kind.name]
                served.latencies.extend(latencies)
                for status, count in errors.items():
                    served.errors[status] = served.errors.get(status, 0) + count
            barrier.wait()

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(CONCURRENCY)]
    for thread in threads:
        thread.start()
    try:
        for _round in range(max(1, math.ceil(seconds / SLICE_SECONDS))):
            for kind in kinds:
                now.update(kind=kind, until=time.monotonic() + SLICE_SECONDS)
                cpu, started = _cpu_seconds(pids), time.monotonic()
                barrier.wait(timeout=120)  # go
                barrier.wait(timeout=120)  # every client finished its last request
                results[kind.name].cpu_seconds += _cpu_seconds(pids) - cpu
                results[kind.name].wall_seconds += time.monotonic() - started
    finally:
        now["kind"] = None
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=30)
        for thread in threads:
            thread.join(timeout=30)
    return results


def _under_gunicorn(context, state: dict, shown: list[int]) -> dict | str:
    from django.conf import settings
    from django.db import connections

    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent))
    if gunicorn is None:
        return "gunicorn is not installed"
    seconds = 2.0 if context.quick else 5.0
    cookie_name = settings.SESSION_COOKIE_NAME
    cookies = [
        {"Cookie": f"{cookie_name}={v.cookies[cookie_name].value}"} for v in state["viewers"]
    ]
    api = {"Authorization": f"Bearer {state['token']}"}
    connections.close_all()
    port = _free_port()
    server = subprocess.Popen(
        [gunicorn, "incubator.wsgi", "--workers", str(CONCURRENCY), "--bind",
         f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings"},
    )  # fmt: skip
    try:
        _wait_until_up(port, server)
        pids = _process_tree(server.pid)
        changers = [
            Changer(shown[index::CONCURRENCY][:5] or shown, state["changer_id"])
            for index in range(CONCURRENCY)
        ]
        floor = Kind("floor", "floor (trivial view)", FLOOR_PATH, tuple(cookies), change=True)
        changed = [
            floor,
            Kind("board_page", "board page /", "/", tuple(cookies), change=True),
            Kind("board_api", f"GET {API_BOARD}", API_BOARD, (api,), change=True),
        ]
        # Warm every worker up (templates, translations, connections), untimed.
        _interleaved(port, changed, changers, pids, 1.0)
        after_change = _interleaved(port, changed, changers, pids, seconds)
        # The polls: nothing changes during them, and each viewer sends the ETag it was given.
        polls = tuple(
            {**cookie, "HX-Request": "true",
             "If-None-Match": _get(port, "/", {**cookie, "HX-Request": "true"}).getheader("ETag")}
            for cookie in cookies
        )  # fmt: skip
        api_etag = _get(port, API_BOARD, api).getheader("ETag") or ""
        unchanged = _interleaved(
            port,
            [
                Kind("floor", "floor (trivial view)", FLOOR_PATH, tuple(cookies)),
                Kind("board_poll", "board poll, unchanged → 304", "/", polls, expect=304),
                Kind(
                    "board_api_poll",
                    f"GET {API_BOARD}, unchanged → 304",
                    API_BOARD,
                    ({**api, "If-None-Match": api_etag},),
                    expect=304,
                ),
            ],
            changers,
            pids,
            seconds,
        )
        return {"after a change": after_change, "unchanged": unchanged, "seconds": seconds}
    finally:
        server.terminate()
        server.wait(timeout=30)


def _served_rows(phase: str, results: dict[str, Served]) -> list[list]:
    labels = {"floor": "floor (trivial view)"} | {m.name: m.label for m in MEASURES}
    floor = results["floor"]
    rows = []
    for name, served in results.items():
        if not served.latencies:
            rows.append([labels[name], phase, 0, "-", "-", "-", "-", "-", "no request answered"])
            continue
        errors = ", ".join(f"{n} × HTTP {status}" for status, n in sorted(served.errors.items()))
        rows.append([
            labels[name], phase, len(served.latencies),
            f"{len(served.latencies) / served.wall_seconds:.0f}",
            ms(statistics.median(served.latencies)), ms(p95(served.latencies)),
            ms(served.cpu_ms_per_request),
            ratio(served.cpu_ms_per_request / max(floor.cpu_ms_per_request, 1e-9)),
            errors or "0",
        ])  # fmt: skip
    return rows


def report(context) -> None:
    module = sys.modules[__name__]
    print_table(
        "Kanban board (Django test client, ms; the page and the API right after a real change, "
        "3 viewers in turn; the polls unchanged)",
        TIMING_HEADER,
        timing_rows(context, MEASURES, context.scales(module), context.target_scale(module)),
    )
    served = context.state.get("board_served")
    if isinstance(served, str):
        print(f"  under gunicorn: not measured ({served})")
    elif served:
        print_table(
            f"Kanban board under gunicorn at {context.target_scale(module):,} proposals "
            f"({CONCURRENCY} sync workers, {CONCURRENCY} clients, {served['seconds']:g} s per row "
            f"in {SLICE_SECONDS:g} s slices taking turns with the floor; CPU = the gunicorn "
            "processes' CPU time per request)",
            [
                "benchmark",
                "phase",
                "requests",
                "req/s",
                "median",
                "p95",
                "CPU ms/req",
                "CPU in floors",
                "errors",
            ],
            _served_rows("after a change", served["after a change"])
            + _served_rows("unchanged", served["unchanged"]),
        )
