"""Real `celery worker` (and `redis-server`) processes for the acceptance tests, started and stopped
by the tests themselves, each with its own environment."""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.db import connection


def database_url() -> str:
    """The test database as a URL, for processes of their own."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    user = db["USER"] or "postgres"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return (
        f"postgres://{user}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )


def worker_env(fake_slack, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "incubator.settings.test",
        "DATABASE_URL": database_url(),
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_CHANNEL_ID": "C0MAIN",
        "SLACK_API_URL": fake_slack.url,
        "CONN_MAX_AGE": "0",
        **extra,
    }


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


class Workers(list):
    """The worker processes; `revive` is what a process supervisor (compose's restart policy,
    `make run`) does for one that died."""

    def __init__(self, start):
        self._start = start
        super().__init__(start(index) for index in range(start.count))

    def revive(self) -> int:
        revived = 0
        for index, process in enumerate(self):
            if process.poll() is not None:
                self[index] = self._start(index)
                revived += 1
        return revived


@contextlib.contextmanager
def celery_workers(env: dict, log: Path, *, count: int = 1, pool: str = "prefork", concurrency=2):
    """`count` worker processes (each its own host name), stopped warmly at the end."""
    handle = log.open("a")

    def start(index: int) -> subprocess.Popen:
        command = [
            sys.executable, "-m", "celery", "-A", "incubator", "worker",
            f"--pool={pool}", f"--concurrency={concurrency}", "--loglevel=INFO",
            "--without-heartbeat", "--without-mingle", "--without-gossip",
            f"--hostname=accept-{os.getpid()}-{index}@%h",
        ]  # fmt: skip
        return subprocess.Popen(
            command, cwd=settings.BASE_DIR, env=env, stdout=handle, stderr=subprocess.STDOUT
        )

    start.count = count
    processes = Workers(start)
    try:
        yield processes
    finally:
        for process in processes:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        handle.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class PrivateRedis:
    """A redis-server of the test's own (restarting the shared one would disturb other tests)."""

    def __init__(self):
        self.binary = shutil.which("redis-server")
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while not _answers(self.port):
            if time.monotonic() > deadline:
                raise RuntimeError("the private redis-server did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
