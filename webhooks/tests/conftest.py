"""A real receiver on the loopback (http.server in a thread) that checks every request's signature
with the very snippet docs/webhooks.md gives receivers, and answers as the test scripts it."""

import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from members.tests.factories import UserFactory

# The browser tests' Chromium-in-a-thread, shared with the project's other browser tests.
from proposals.tests.browser.conftest import (  # noqa: F401
    in_browser_thread,
    short_lived_server_connections,
)
from webhooks import services
from webhooks.kinds import WEBHOOK_KINDS
from webhooks.models import Endpoint
from workers.tests.conftest import published  # noqa: F401  (the workers' own)

DOCS = Path(django_settings.BASE_DIR) / "docs" / "webhooks.md"


def documented_verify():
    """The `verify` function of docs/webhooks.md's "Verifying a request", as a receiver copies it."""
    text = DOCS.read_text(encoding="utf-8")
    section = text.split("## Verifying a request", 1)[1]
    snippet = re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)
    namespace: dict = {}
    exec(compile(snippet, str(DOCS), "exec"), namespace)
    return namespace["verify"]


@dataclass
class Answer:
    status: int = 200
    body: str = "ok"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    verified: bool
    at: float

    @property
    def json(self) -> dict:
        return json.loads(self.body)


class Receiver:
    """Answers each POST with the next scripted Answer (then 200), after checking its signature."""

    def __init__(self):
        self.secret = ""
        self.requests: list[Received] = []
        self.answers: list[Answer] = []
        self.lock = threading.Lock()
        self.verify = documented_verify()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    verified = receiver.verify(receiver.secret, self.headers, body)
                    receiver.requests.append(
                        Received(
                            path=self.path,
                            headers=dict(self.headers.items()),
                            body=body,
                            verified=verified,
                            at=time.time(),
                        )
                    )
                    answer = receiver.answers.pop(0) if receiver.answers else Answer()
                if answer.delay:
                    time.sleep(answer.delay)
                payload = answer.body.encode()
                try:
                    self.send_response(answer.status)
                    for name, value in answer.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass  # the sender gave up waiting (a timeout test)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/incubator"

    def answer(self, *answers: Answer) -> None:
        with self.lock:
            self.answers.extend(answers)

    def reset(self) -> None:
        with self.lock:
            self.requests.clear()
            self.answers.clear()
            self.secret = ""

    def wait_for(self, count: int, timeout: float = 20) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.requests) >= count:
                return True
            time.sleep(0.05)
        return False

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="session")
def _receiver_server():
    server = Receiver()
    yield server
    server.stop()


@pytest.fixture
def local_hooks(settings):
    """The setting tests (and a local setup) use to let webhooks reach the loopback over http."""
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = True
    return settings


@pytest.fixture
def receiver(_receiver_server, local_hooks) -> Receiver:
    _receiver_server.reset()
    return _receiver_server


@pytest.fixture
def moderator(db):
    return UserFactory(moderator=True, username="sakura", display_name="森 さくら")


@pytest.fixture
def endpoint_for(moderator, receiver):
    """A webhook on the receiver (the receiver learns its secret, as its developer would)."""

    def make(*, events=WEBHOOK_KINDS, url: str | None = None, name="Dashboard") -> Endpoint:
        endpoint, secret = services.endpoint_create(
            by=moderator, name=name, url=url or receiver.url, events=list(events)
        )
        receiver.secret = secret
        return endpoint

    return make
