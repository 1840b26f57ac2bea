"""`make run`'s supervisor: web, worker and beat come up together, a worker that dies is started again
while the web goes on, and Ctrl-C stops every one of them."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from django.conf import settings

from workers import devstack


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _descendants(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            found |= {int(child), *_descendants(int(child))}
    return found


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "State:\tZ" not in status


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def _workers(stack_pid: int) -> set[int]:
    """The Celery worker main processes (the supervisor's children running `worker`)."""
    found = set()
    for task in Path(f"/proc/{stack_pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            try:
                command = Path(f"/proc/{child}/cmdline").read_text()
            except FileNotFoundError:
                continue
            if "worker" in command and _alive(int(child)):
                found.add(int(child))
    return found


def test_run_starts_web_worker_and_beat_and_ctrl_c_stops_them_all(tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "incubator.settings.local",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'run.sqlite3'}",
        "REDIS_URL": "",
        "EMBEDDED_BROKER_DIR": str(tmp_path / "broker"),
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=settings.BASE_DIR, env=env, check=True,
    )  # fmt: skip
    log = (tmp_path / "run.log").open("w")
    stack = subprocess.Popen(
        [sys.executable, "-m", "workers.devstack", "--port", str(port)],
        cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.3)
        else:
            raise AssertionError((tmp_path / "run.log").read_text())
        processes = _descendants(stack.pid)
        commands = " ".join(Path(f"/proc/{pid}/cmdline").read_text() for pid in processes)
        assert "runserver" in commands and "worker" in commands and "beat" in commands

        # A worker that crashes is started again; the web server goes on answering.
        [crashed] = _workers(stack.pid)
        os.kill(crashed, signal.SIGKILL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (_workers(stack.pid) - {crashed}):
            time.sleep(0.3)
        assert _workers(stack.pid) - {crashed}, (tmp_path / "run.log").read_text()
        assert stack.poll() is None and _healthy(port)
        processes = _descendants(stack.pid)

        stack.send_signal(signal.SIGINT)
        assert stack.wait(timeout=30) == 0
        # The supervisor waited for its children; any grandchild is gone moments after.
        deadline = time.monotonic() + 10
        while [pid for pid in processes if _alive(pid)] and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [pid for pid in processes if _alive(pid)]
    finally:
        if stack.poll() is None:
            stack.kill()
        log.close()


def test_run_starts_the_slack_socket_mode_runner_only_with_an_app_token():
    """With SLACK_APP_TOKEN set, `make run` also runs `manage.py slack_socket` (started again if it
    dies, like the worker); without it, nothing of Socket Mode runs."""
    assert not devstack.socket_mode_wanted({})
    assert not devstack.socket_mode_wanted({"SLACK_APP_TOKEN": " "})
    assert devstack.socket_mode_wanted({"SLACK_APP_TOKEN": "xapp-1-A0-1-x"})
    assert "slack" not in devstack.commands("127.0.0.1", 8000)

    stack = devstack.commands("127.0.0.1", 8000, socket_mode=True)
    assert stack["slack"] == [sys.executable, "manage.py", "slack_socket"]
    assert {"web", "worker", "beat"} < set(stack)
    assert "slack" in devstack.RESTARTED
