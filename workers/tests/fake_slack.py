"""A loopback fake of Slack's Web API: records every call, keeps the messages, misbehaves on demand.

`WebClient(base_url=fake.url)` posts JSON to `/api/<method>`. Scripted faults are consumed in order
per method: HTTP 429 with Retry-After, HTTP 5xx, `ok: false` errors, slowness, and "accept, then be
slow" (Slack kept the post but the caller never hears back).

`enforce_pace(window)` makes it answer like Slack's posting limit: a chat.postMessage to a channel
that had a post accepted less than `window` seconds before is refused with 429 (Retry-After: 1).
"""

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl


@dataclass
class Fault:
    status: int = 200
    error: str = ""
    retry_after: int | None = None
    delay: float = 0.0
    accept: bool = False  # store the message first, then apply the delay/fault


@dataclass
class Call:
    method: str
    body: dict
    at: float
    status: int = 200


@dataclass
class FakeSlack:
    calls: list[Call] = field(default_factory=list)
    messages: list[dict] = field(default_factory=list)
    faults: dict[str, list[Fault]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # Slack's posting limit, when enforced: seconds between two posts to one channel.
    window: float | None = None
    # conversations.open: the users (as sent) → the group DM's id.
    conversations: dict[str, str] = field(default_factory=dict)
    # views.publish: each Slack user's App Home as last published.
    homes: dict[str, dict] = field(default_factory=dict)
    # apps.connections.open: a callable giving the Socket Mode URL to hand out (a fake Socket Mode
    # server's, slack_app/tests/fake_socket_mode.py), or None: Socket Mode is not on.
    socket_mode_url: object = None

    def __post_init__(self):
        self._last_ts_us = 0  # the latest ts handed out, in whole microseconds
        self._last_post: dict[str, float] = {}
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                fake._handle(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/api/"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def fail(self, method: str, *faults: Fault) -> None:
        with self.lock:
            self.faults.setdefault(method, []).extend(faults)

    def reset(self) -> None:
        with self.lock:
            self.calls.clear()
            self.messages.clear()
            self.faults.clear()
            self.conversations.clear()
            self.homes.clear()
            self.socket_mode_url = None
            self.window = None
            self._last_post.clear()
            # The fake serves the whole session: a test that travelled in time leaves no clock
            # ahead of the real one to the next (whose ts would no longer tell when it posted).
            self._last_ts_us = 0

    def enforce_pace(self, window: float = 1.0) -> None:
        with self.lock:
            self.window = window

    def delete(self, ts: str) -> None:
        """A message deleted in Slack (by a person): gone from history, not updatable."""
        with self.lock:
            self.messages[:] = [m for m in self.messages if m["ts"] != ts]

    # --- what tests look at ---
    def calls_to(self, method: str) -> list[Call]:
        with self.lock:
            return [call for call in self.calls if call.method == method]

    def roots(self, channel: str | None = None) -> list[dict]:
        with self.lock:
            return [
                m
                for m in self.messages
                if not m.get("thread_ts") and (channel is None or m["channel"] == channel)
            ]

    def direct_messages(self, slack_user_id: str) -> list[dict]:
        """The messages posted in the app's direct-message conversation with this user."""
        return self.roots(f"D{slack_user_id}")

    def replies(self, root_ts: str) -> list[dict]:
        with self.lock:
            return [m for m in self.messages if m.get("thread_ts") == root_ts]

    def rate_limited(self) -> int:
        """How many calls were answered 429."""
        with self.lock:
            return sum(call.status == 429 for call in self.calls)

    def wait_for(self, predicate, timeout: float = 20.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(0.05)
        return predicate()

    # --- the server side ---
    def _respond(self, handler, status: int, payload, headers: dict | None = None) -> None:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json; charset=utf-8")
            for name, value in (headers or {}).items():
                handler.send_header(name, value)
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _handle(self, handler) -> None:
        method = handler.path.rsplit("/", 1)[-1]
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            # A form (apps.connections.open), its token as Slack's SDK sends it.
            body = dict(parse_qsl(raw.decode("utf-8", "replace")))
        if not isinstance(body, dict):
            body = {}
        authorization = handler.headers.get("Authorization") or ""
        if method == "apps.connections.open" and authorization.startswith("Bearer "):
            body["token"] = authorization.removeprefix("Bearer ")
        with self.lock:
            queue = self.faults.get(method) or []
            fault = queue.pop(0) if queue else None
            call = Call(method=method, body=body, at=time.monotonic())
            self.calls.append(call)
            if fault is None and method == "chat.postMessage" and self.window is not None:
                channel = body.get("channel") or ""
                last = self._last_post.get(channel)
                if last is not None and call.at - last < self.window:
                    fault = Fault(status=429, retry_after=1)
                else:
                    self._last_post[channel] = call.at
        if fault and fault.accept:
            status, payload = self._ok(method, body)
            if fault.delay:
                time.sleep(fault.delay)
            self._respond(handler, status, payload)
            return
        if fault:
            if fault.delay:
                time.sleep(fault.delay)
            call.status = fault.status
            if fault.status == 429:
                self._respond(
                    handler,
                    429,
                    {"ok": False, "error": "ratelimited"},
                    {"Retry-After": str(1 if fault.retry_after is None else fault.retry_after)},
                )
                return
            if fault.status >= 500:
                self._respond(handler, fault.status, b"<html>upstream error</html>")
                return
            if fault.error:
                self._respond(handler, 200, {"ok": False, "error": fault.error})
                return
        status, payload = self._ok(method, body)
        self._respond(handler, status, payload)

    def _ok(self, method: str, body: dict) -> tuple[int, dict]:
        with self.lock:
            if method == "chat.postMessage":
                problem = _block_problem(body.get("blocks") or [])
                if problem:
                    return 200, {"ok": False, "error": "invalid_blocks", "detail": problem}
                # Real clock time, strictly increasing and never twice the same, as Slack's ts are
                # (a ts names a message, and its thread). Counted in whole microseconds: adding
                # 0.000001 to a float of today's epoch seconds adds 0.00000095, so while the clock
                # stands still or runs behind the last ts, one post in about twenty would get the
                # ts of the one before.
                self._last_ts_us = max(time.time_ns() // 1000, self._last_ts_us + 1)
                ts = f"{self._last_ts_us // 1_000_000}.{self._last_ts_us % 1_000_000:06d}"
                self.messages.append(
                    {
                        "ts": ts,
                        "channel": body.get("channel"),
                        "thread_ts": body.get("thread_ts"),
                        "text": body.get("text", ""),
                        "blocks": body.get("blocks") or [],
                        "metadata": body.get("metadata"),
                        "unfurl_links": body.get("unfurl_links"),
                        "unfurl_media": body.get("unfurl_media"),
                    }
                )
                return 200, {"ok": True, "channel": body.get("channel"), "ts": ts}
            if method == "chat.update":
                for message in self.messages:
                    if message["ts"] == body.get("ts") and message["channel"] == body.get(
                        "channel"
                    ):
                        message["text"] = body.get("text", message["text"])
                        message["blocks"] = body.get("blocks") or message["blocks"]
                        return 200, {"ok": True, "ts": message["ts"]}
                return 200, {"ok": False, "error": "message_not_found"}
            if method == "conversations.open":
                # One user: the app's direct-message conversation with them; several: their group
                # DM. The same people give the same conversation each time.
                users = str(body.get("users") or "")
                if not users:
                    return 200, {"ok": False, "error": "users_list_not_supplied"}
                if "," not in users:
                    return 200, {"ok": True, "channel": {"id": f"D{users}"}}
                channel = self.conversations.setdefault(
                    users, f"G{len(self.conversations) + 1:08d}"
                )
                return 200, {"ok": True, "channel": {"id": channel}}
            if method == "views.publish":
                view = body.get("view") or {}
                problem = _block_problem(view.get("blocks") or [], most=100)
                if problem or view.get("type") != "home" or not body.get("user_id"):
                    return 200, {"ok": False, "error": "invalid_arguments", "detail": problem}
                self.homes[body["user_id"]] = view
                return 200, {"ok": True, "view": {"id": f"V{body['user_id']}", **view}}
            if method == "chat.unfurl":
                for unfurl in (body.get("unfurls") or {}).values():
                    problem = _block_problem(unfurl.get("blocks") or [])
                    if problem:
                        return 200, {"ok": False, "error": "invalid_unfurls", "detail": problem}
                return 200, {"ok": True}
            if method == "chat.postEphemeral":
                if not (body.get("channel") and body.get("user") and body.get("text")):
                    return 200, {"ok": False, "error": "invalid_arguments"}
                problem = _block_problem(body.get("blocks") or [])
                if problem:
                    return 200, {"ok": False, "error": "invalid_blocks", "detail": problem}
                return 200, {"ok": True, "message_ts": f"{time.time():.6f}"}
            if method == "apps.connections.open":
                if not str(body.get("token") or "").startswith("xapp-"):
                    return 200, {"ok": False, "error": "not_allowed_token_type"}
                if self.socket_mode_url is None:
                    return 200, {"ok": False, "error": "socket_mode_not_enabled"}
                return 200, {"ok": True, "url": self.socket_mode_url()}
            if method == "conversations.history":
                oldest = float(body.get("oldest") or 0)
                found = [
                    m
                    for m in self.messages
                    if m["channel"] == body.get("channel")
                    and not m.get("thread_ts")
                    and float(m["ts"]) >= oldest
                ]
                return 200, {"ok": True, "messages": list(reversed(found)), "has_more": False}
            if method == "conversations.replies":
                root = body.get("ts")
                found = [
                    m
                    for m in self.messages
                    if m["channel"] == body.get("channel")
                    and (m["ts"] == root or m.get("thread_ts") == root)
                ]
                return 200, {"ok": True, "messages": found, "has_more": False}
            if method == "chat.getPermalink":
                channel, ts = body.get("channel"), body.get("message_ts")
                if not (channel and ts):
                    return 200, {"ok": False, "error": "invalid_arguments"}
                return 200, {
                    "ok": True,
                    "channel": channel,
                    "permalink": f"https://community.slack.com/archives/{channel}/p{ts.replace('.', '')}",
                }
            return 200, {"ok": True}


def _block_problem(blocks: list[dict], most: int = 50) -> str:
    """The Block Kit limits our messages (50 blocks) and App Homes (100) must respect (what Slack
    answers invalid_blocks for)."""
    if len(blocks) > most:
        return f"more than {most} blocks"
    for block in blocks:
        if block.get("type") == "header" and len(block["text"]["text"]) > 150:
            return "header over 150"
        if block.get("type") == "section":
            if block.get("text") and len(block["text"]["text"]) > 3000:
                return "section text over 3000"
            for item in block.get("fields", []):
                if len(item["text"]) > 2000:
                    return "field over 2000"
    return ""
