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

GRACE_SECONDS = 20


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


# How each child is asked to stop: runserver like a Ctrl-C in its terminal (its whole group, so the
# autoreloader's child goes too); Celery with SIGTERM to its main process, a warm shutdown that
# lets running tasks finish and hands unacknowledged ones back.
STOP_SIGNALS = {"web": (signal.SIGINT, True), "worker": (signal.SIGTERM, False)}


def stop(children: dict[str, subprocess.Popen]) -> None:
    for name, child in children.items():
        if child.poll() is None:
            signum, whole_group = STOP_SIGNALS.get(name, (signal.SIGTERM, False))
            with contextlib.suppress(ProcessLookupError):
                if whole_group:
                    os.killpg(child.pid, signum)
                else:
                    child.send_signal(signum)
    deadline = time.monotonic() + GRACE_SECONDS
    for child in children.values():
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
    # Whatever is left in a child's group (its own children included) is ended now.
    for child in children.values():
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child.pid, signal.SIGKILL)
        child.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workers.devstack", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
    args = parser.parse_args(argv)
    broker = os.environ.get("REDIS_URL") or "the embedded broker (var/broker)"
    print(f"web on http://{args.host}:{args.port}, worker and beat on {broker}. Ctrl-C stops all.")
    stopping = False

    def on_signal(signum, frame):
        nonlocal stopping
        stopping = True

    # Handlers first: started from a shell in the background, SIGINT may arrive ignored, and an
    # ignored signal would be inherited by the children; a handler is reset to the default on exec.
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    # The Celery app sets no settings module of its own (a default there would leak into
    # `gunicorn incubator.wsgi`), so the development stack names the local one for its children.
    environment = {"DJANGO_SETTINGS_MODULE": "incubator.settings.local", **os.environ}
    children = {
        name: subprocess.Popen(command, start_new_session=True, env=environment)
        for name, command in commands(args.host, args.port).items()
    }
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
