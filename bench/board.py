"""The kanban board (issue 3): the page, GET /api/v1/board and the unchanged poll (304).

Targets: at 10,000 proposals within 1.5× of the time at 100 (the board's cost must not grow with
the history); the board within 3× of the floor; the 304 poll within 1.5× of the floor. At the
largest scale the same requests also run under gunicorn (4 workers) with 4 concurrent clients.
"""

import http.client
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from .harness import FLOOR, FLOOR_PATH, TIMING_HEADER, print_table, ratio, timing_rows

SCALES = (100, 1_000, 10_000)
ORDER = 20
FLOOR_LIMIT = 3.0
POLL_LIMIT = 1.5
CONCURRENCY = 4
LOAD_SECONDS = 4.0
API_BOARD = "/api/v1/board"
# name, label, target over the floor
# The board is cached per viewer until the next change: "after a change" is the first request
# after someone changed something (a cache miss), printed without a target.
MEASURES = (
    ("board_page", "board page /", FLOOR_LIMIT),
    ("board_page_changed", "board page /, after a change", None),
    ("board_api", f"GET {API_BOARD}", FLOOR_LIMIT),
    ("board_api_changed", f"GET {API_BOARD}, after a change", None),
    ("board_poll", "unchanged poll → 304", POLL_LIMIT),
)


def _fixture(context) -> tuple:
    from members.models import User
    from members.services import api_token_create

    if "board" not in context.state:
        viewer = User.objects.get(username="haruto")
        _token, raw = api_token_create(user=viewer, name="bench board")
        context.state["board"] = (context.client(viewer), context.client(), raw)
    return context.state["board"]


def run(context) -> None:
    from proposals import freshness

    browser, api_client, token = _fixture(context)
    api_headers = {"Authorization": f"Bearer {token}"}
    context.measure("board_page", "/", client=browser)
    context.measure("board_page_changed", "/", client=browser, before=freshness.changed)
    context.measure("board_api", API_BOARD, client=api_client, headers=api_headers)
    context.measure(
        "board_api_changed",
        API_BOARD,
        client=api_client,
        headers=api_headers,
        before=freshness.changed,
    )
    etag = browser.get("/", headers={"HX-Request": "true"})["ETag"]
    context.measure(
        "board_poll",
        "/",
        client=browser,
        headers={"HX-Request": "true", "If-None-Match": etag},
        expect=304,
    )
    if context.scale == max(SCALES):
        context.state["board_load"] = _under_gunicorn(browser, token, etag)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_up(port: int, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("gunicorn exited during start-up")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", FLOOR_PATH)
            connection.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer within 30 s")


def _etag_from(port: int, headers: dict[str, str]) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/", headers=headers)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response.getheader("ETag", "")


def _load(port: int, path: str, headers: dict[str, str], expect: int) -> tuple[float, str]:
    """Requests per second with CONCURRENCY clients on keep-alive connections, and errors."""
    counts = [0] * CONCURRENCY
    errors = [0] * CONCURRENCY
    unexpected: set[int] = set()
    stop = time.monotonic() + LOAD_SECONDS

    def client(index: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < stop:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            counts[index] += 1
            if response.status != expect:
                errors[index] += 1
                unexpected.add(response.status)
            if response.getheader("Connection", "").lower() == "close":
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CONCURRENCY)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    failed = sum(errors)
    statuses = ", ".join(map(str, sorted(unexpected)))
    return sum(counts) / (
        time.monotonic() - started
    ), f"{failed} (HTTP {statuses})" if failed else "0"


def _under_gunicorn(browser, token: str, etag: str) -> dict[str, tuple[float, str]] | str:
    from django.conf import settings
    from django.db import connections

    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent))
    if gunicorn is None:
        return "gunicorn is not installed"
    connections.close_all()
    port = _free_port()
    server = subprocess.Popen(
        [
            gunicorn,
            "incubator.wsgi",
            "--workers",
            str(CONCURRENCY),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings"},
    )
    try:
        _wait_until_up(port, server)
        cookie = (
            f"{settings.SESSION_COOKIE_NAME}={browser.cookies[settings.SESSION_COOKIE_NAME].value}"
        )
        poll = {"Cookie": cookie, "HX-Request": "true"}
        served_etag = _etag_from(port, poll)
        if served_etag != etag:
            print(f"   note: gunicorn's ETag {served_etag} differs from the test client's {etag}")
        return {
            FLOOR: _load(port, FLOOR_PATH, {"Cookie": cookie}, 200),
            "board_page": _load(port, "/", {"Cookie": cookie}, 200),
            "board_api": _load(port, API_BOARD, {"Authorization": f"Bearer {token}"}, 200),
            "board_poll": _load(port, "/", {**poll, "If-None-Match": served_etag}, 304),
        }
    except (OSError, RuntimeError) as error:
        return f"gunicorn run failed: {error}"
    finally:
        server.terminate()
        server.wait(timeout=30)


def report(context) -> None:
    large = max(SCALES)
    rows = timing_rows(context, MEASURES, SCALES)
    print_table(
        "Kanban board (server time through the Django test client; ms)",
        TIMING_HEADER,
        rows,
    )
    load = context.state.get("board_load")
    if isinstance(load, str):
        print(f"  requests per second not measured: {load}")
    elif load:
        floor_rps = load[FLOOR][0]
        print_table(
            f"Kanban board under gunicorn ({CONCURRENCY} workers, {CONCURRENCY} concurrent "
            f"clients, {LOAD_SECONDS:g} s each, {large:,} proposals)",
            ["benchmark", "requests/s", "of floor", "errors"],
            [
                [label, f"{rps:.0f}", ratio(rps / floor_rps), errors]
                for label, (rps, errors) in [
                    ("floor (trivial view)", load[FLOOR]),
                    *[(label, load[name]) for name, label, _limit in MEASURES if name in load],
                ]
            ],
        )
