"""`make run`: the web server, a Celery worker and beat together; Ctrl-C (or any of them ending) stops all.

With REDIS_URL set they use Redis; without it, Kombu's filesystem transport under var/broker is the
broker, so there is nothing to install. Each child runs in its own process group, so stopping it also
stops what it started (runserver's autoreloader child, the worker's pool).

    python -m workers.devstack [--port 8000] [--host 127.0.0.1]
"""

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import time

GRACE_SECONDS = 10


def commands(host: str, port: int) -> dict[str, list[str]]:
    python = sys.executable
    return {
        "web": [python, "manage.py", "runserver", f"{host}:{port}"],
        "worker": [
            python, "-m", "celery", "-A", "incubator", "worker",
            "--loglevel=INFO", "--concurrency=2", "--without-gossip", "--without-mingle",
        ],
        "beat": [
            python, "-m", "celery", "-A", "incubator", "beat",
            "--loglevel=INFO", "--schedule=var/celerybeat-schedule",
        ],
    }  # fmt: skip


def stop(children: dict[str, subprocess.Popen]) -> None:
    for child in children.values():
        if child.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGTERM)
    deadline = time.monotonic() + GRACE_SECONDS
    for child in children.values():
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workers.devstack", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
    args = parser.parse_args(argv)
    broker = os.environ.get("REDIS_URL") or "the embedded broker (var/broker)"
    print(f"web on http://{args.host}:{args.port}, worker and beat on {broker}. Ctrl-C stops all.")
    children = {
        name: subprocess.Popen(command, start_new_session=True)
        for name, command in commands(args.host, args.port).items()
    }
    stopping = False

    def on_signal(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        while not stopping:
            ended = [name for name, child in children.items() if child.poll() is not None]
            if ended:
                print(f"{', '.join(ended)} stopped; stopping the others.", file=sys.stderr)
                break
            time.sleep(0.2)
    finally:
        stop(children)
    return 0


if __name__ == "__main__":
    sys.exit(main())
