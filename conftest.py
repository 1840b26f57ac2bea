import os
import shutil
import socket
import subprocess
import time
from urllib.parse import urlparse

import pytest
import redis

# Playwright's sync API runs an event loop in the test thread; Django's ORM is used beside it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

_private_redis: subprocess.Popen | None = None


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _redis_for_tests(*, private: bool) -> str:
    """The Redis the worker tests use: REDIS_URL's server (CI), the local one, or a private one.

    A fresh machine without a Redis service still runs the real thing: `make test` installs
    Debian's redis-server and this starts a throwaway instance for the session. Each pytest-xdist
    worker (`private`) always gets a throwaway instance of its own: the tests flush their Redis
    databases (5, 8) and consume their queues, which two workers sharing one server would see.
    """
    global _private_redis
    configured = urlparse(os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379")
    host, port = configured.hostname or "127.0.0.1", configured.port or 6379
    if not private and _answers(host, port):
        return f"redis://{host}:{port}"
    binary = shutil.which("redis-server")
    if binary is None:
        raise pytest.UsageError(
            "The worker tests need Redis: "
            + ("each parallel worker starts its own" if private else "none answers")
            + " and redis-server is not installed (`make test` installs it)."
        )
    for _attempt in range(5):
        port = _free_port()
        options = ["--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        _private_redis = subprocess.Popen([binary, *options], stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while _private_redis.poll() is None and not _answers("127.0.0.1", port):
            if time.monotonic() > deadline:
                raise pytest.UsageError("A private redis-server for the tests did not start.")
            time.sleep(0.05)
        # Ours, not another process's that took the free port first (then ours exits).
        if _private_redis.poll() is None and _redis_pid(port) == _private_redis.pid:
            return f"redis://127.0.0.1:{port}"
        _private_redis.kill()
        _private_redis.wait()
    raise pytest.UsageError("A private redis-server for the tests found no free port.")


def _redis_pid(port: int) -> int:
    return redis.Redis(port=port, socket_timeout=2).info("server")["process_id"]


# Under pytest-xdist (`make test` runs `-n 2`) each worker process is "gw0", "gw1", ...; its test
# database is suffixed by pytest-django, its live server and loopback fakes take free ports, and
# its Redis is its own (below). Everything else a test writes lives under tmp_path.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER")

if XDIST_WORKER:  # before any test module reads it; the controller's value is not this worker's
    os.environ["REDIS_TEST_SERVER"] = _redis_for_tests(private=True)
elif "REDIS_TEST_SERVER" not in os.environ:
    os.environ["REDIS_TEST_SERVER"] = _redis_for_tests(private=False)


def pytest_unconfigure(config):
    if _private_redis is not None:
        _private_redis.terminate()
        _private_redis.wait(timeout=10)


@pytest.fixture(autouse=True)
def _english_by_default(settings):
    """Tests read messages in English unless a test asks for Japanese."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (the Slack command rate limits live there)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
