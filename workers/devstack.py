"""`make run`: the web server, a Celery worker and beat together, and with SLACK_APP_TOKEN set the
Slack Socket Mode runner (`manage.py slack_socket`); Ctrl-C (or the web server ending) stops all. A
worker, beat or the runner that dies is started again (after a pause that grows while it keeps
dying), and the web server goes on: what was on its way waits in the outbox meanwhile.

With REDIS_URL set they use Redis; without it, the embedded broker (Kombu's SQLAlchemy transport on
var/broker/broker.sqlite3) is the broker, so there is nothing to install. Each child runs in its own
process group, so stopping it also stops what it started (runserver's autoreloader child, the
worker's pool).

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
# Children started again when they end; the web server's end ends the stack.
RESTARTED = ("worker", "beat", "slack")
# The pause before a restart doubles while the child keeps dying soon after starting.
FIRST_PAUSE, LONGEST_PAUSE, STEADY_SECONDS = 1.0, 30.0, 60.0


def socket_mode_wanted(environ) -> bool:
    """An app-level token in the environment: Slack is reached over Socket Mode too."""
    return bool(environ.get("SLACK_APP_TOKEN", "").strip())


def commands(host: str, port: int, *, socket_mode: bool = False) -> dict[str, list[str]]:
    """What runs; `socket_mode` (SLACK_APP_TOKEN is set) adds Slack's Socket Mode runner."""
    python = sys.executable
    slack = {"slack": [python, "manage.py", "slack_socket"]} if socket_mode else {}
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
        **slack,
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
    socket_mode = socket_mode_wanted(os.environ)
    slack = ", Slack over Socket Mode" if socket_mode else ""
    print(f"web on http://{args.host}:{args.port}, worker and beat on {broker}{slack}. "
          "Ctrl-C stops all.")  # fmt: skip
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
    command_of = commands(args.host, args.port, socket_mode=socket_mode)

    def start(name: str) -> subprocess.Popen:
        return subprocess.Popen(command_of[name], start_new_session=True, env=environment)

    children = {name: start(name) for name in command_of}
    started = dict.fromkeys(children, time.monotonic())
    pauses = dict.fromkeys(children, FIRST_PAUSE)
    due: dict[str, float] = {}  # children waiting to be started again, and when
    try:
        while not stopping:
            now = time.monotonic()
            for name, child in children.items():
                if name in due or child.poll() is None:
                    continue
                if name not in RESTARTED:
                    print(f"{name} stopped (exit {child.returncode}); stopping the others.",
                          file=sys.stderr)  # fmt: skip
                    stopping = True
                    break
                if now - started[name] > STEADY_SECONDS:
                    pauses[name] = FIRST_PAUSE
                due[name] = now + pauses[name]
                print(f"{name} stopped (exit {child.returncode}); starting it again in "
                      f"{pauses[name]:g}s.", file=sys.stderr)  # fmt: skip
                pauses[name] = min(LONGEST_PAUSE, pauses[name] * 2)
            for name, at in list(due.items()):
                if not stopping and now >= at:
                    # What the dead one started (its pool) goes with it before the new one runs.
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.killpg(children[name].pid, signal.SIGKILL)
                    children[name] = start(name)
                    started[name] = time.monotonic()
                    del due[name]
            time.sleep(0.2)
    finally:
        stop(children)
    return 0


if __name__ == "__main__":
    sys.exit(main())
