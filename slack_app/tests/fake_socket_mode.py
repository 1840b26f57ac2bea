"""A loopback fake of Slack's Socket Mode: a websocket server on 127.0.0.1 that the fake Slack's
apps.connections.open hands out. It greets each connection with `hello`, sends envelopes as Slack
does, answers pings, and records every acknowledgement (with when it came).

Written on the standard library (RFC 6455: the handshake, unmasked frames out, masked frames in),
because slack_sdk's built-in SocketModeClient brings no websocket package either: there is nothing
to install for it.
"""

import base64
import contextlib
import hashlib
import json
import socket
import struct
import threading
import time
import uuid
from dataclasses import dataclass, field

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TEXT, CLOSE, PING, PONG = 0x1, 0x8, 0x9, 0xA


@dataclass
class Ack:
    envelope_id: str
    payload: dict | None
    after: float  # seconds from the envelope's sending to its ack


@dataclass
class Sent:
    envelope_id: str
    at: float


class _Connection:
    def __init__(self, fake: "FakeSocketMode", sock: socket.socket):
        self.fake, self.sock = fake, sock
        self.send_lock = threading.Lock()
        self.open = True

    def send_frame(self, opcode: int, data: bytes) -> None:
        header = bytes([0x80 | opcode])
        if len(data) < 126:
            header += bytes([len(data)])
        elif len(data) < 65536:
            header += bytes([126]) + struct.pack("!H", len(data))
        else:
            header += bytes([127]) + struct.pack("!Q", len(data))
        with self.send_lock:
            self.sock.sendall(header + data)

    def send_json(self, message: dict) -> None:
        self.send_frame(TEXT, json.dumps(message).encode())

    def _read(self, count: int) -> bytes:
        data = b""
        while len(data) < count:
            chunk = self.sock.recv(count - len(data))
            if not chunk:
                raise ConnectionError("closed")
            data += chunk
        return data

    def serve(self) -> None:
        try:
            while self.open:
                first, second = self._read(2)
                opcode, length = first & 0x0F, second & 0x7F
                if length == 126:
                    (length,) = struct.unpack("!H", self._read(2))
                elif length == 127:
                    (length,) = struct.unpack("!Q", self._read(8))
                mask = self._read(4) if second & 0x80 else b"\0\0\0\0"
                data = bytes(b ^ mask[i % 4] for i, b in enumerate(self._read(length)))
                if opcode == PING:
                    self.send_frame(PONG, data)
                elif opcode == CLOSE:
                    self.send_frame(CLOSE, data[:2])
                    break
                elif opcode == TEXT:
                    self.fake._received(json.loads(data))
        except (ConnectionError, OSError, ValueError):
            pass
        finally:
            self.close(frame=False)

    def close(self, *, frame: bool) -> None:
        if not self.open:
            return
        self.open = False
        if frame:
            with contextlib.suppress(OSError):
                self.send_frame(CLOSE, struct.pack("!H", 1001) + b"going away")
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()


@dataclass
class FakeSocketMode:
    acks: dict[str, list[Ack]] = field(default_factory=dict)
    sent: dict[str, Sent] = field(default_factory=dict)
    connections: list[_Connection] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        """What apps.connections.open answers (a fresh ticket each time, as Slack's)."""
        port = self.listener.getsockname()[1]
        return f"ws://127.0.0.1:{port}/link/?ticket={uuid.uuid4()}&app_id=A0INCUBATOR"

    def stop(self) -> None:
        self.listener.close()
        for connection in list(self.connections):
            connection.close(frame=False)

    # --- the server side ---
    def _accept(self) -> None:
        while True:
            try:
                sock, _address = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._handshake, args=(sock,), daemon=True).start()

    def _handshake(self, sock: socket.socket) -> None:
        request = b""
        while b"\r\n\r\n" not in request:
            chunk = sock.recv(1024)
            if not chunk:
                sock.close()
                return
            request += chunk
        headers = {}
        for line in request.decode().split("\r\n")[1:]:
            name, _sep, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        accept = base64.b64encode(
            hashlib.sha1((headers["sec-websocket-key"] + GUID).encode()).digest()
        ).decode()
        sock.sendall(
            (
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
            ).encode()
        )
        connection = _Connection(self, sock)
        with self.lock:
            self.connections.append(connection)
        connection.send_json({"type": "hello", "num_connections": len(self.live())})
        connection.serve()

    def _received(self, message: dict) -> None:
        envelope_id = message.get("envelope_id")
        with self.lock:
            sent = self.sent.get(envelope_id)
            after = time.monotonic() - sent.at if sent else float("inf")
            self.acks.setdefault(envelope_id, []).append(
                Ack(envelope_id=envelope_id, payload=message.get("payload"), after=after)
            )

    # --- what tests do and look at ---
    def live(self) -> list[_Connection]:
        with self.lock:
            return [connection for connection in self.connections if connection.open]

    def wait_for(self, predicate, timeout: float = 15.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(0.02)
        return predicate()

    def wait_connected(self, count: int = 1) -> _Connection:
        """The newest connection, once `count` connections have been made in all."""
        assert self.wait_for(lambda: len(self.connections) >= count and self.live()), (
            f"{len(self.connections)} connections made, {len(self.live())} open"
        )
        return self.live()[-1]

    def send(
        self,
        kind: str,
        payload: dict,
        *,
        envelope_id: str = "",
        retry_attempt: int = 0,
        accepts_response_payload: bool = False,
        on: _Connection | None = None,
    ) -> str:
        """Send one envelope on the newest connection (or `on` one), as Slack does; returns its
        envelope_id."""
        envelope_id = envelope_id or str(uuid.uuid4())
        connection = on or self.wait_connected()
        with self.lock:
            self.sent[envelope_id] = Sent(envelope_id=envelope_id, at=time.monotonic())
        connection.send_json(
            {
                "envelope_id": envelope_id,
                "type": kind,
                "payload": payload,
                "accepts_response_payload": accepts_response_payload,
                "retry_attempt": retry_attempt,
                "retry_reason": "timeout" if retry_attempt else "",
            }
        )
        return envelope_id

    def disconnect(self, reason: str = "refresh_requested") -> None:
        """Slack's `disconnect` envelope: the client is to open a new connection."""
        self.wait_connected().send_json(
            {"type": "disconnect", "reason": reason, "debug_info": {"host": "fake"}}
        )

    def drop(self, *, frame: bool = True) -> None:
        """Close the newest connection from the server's side (with a close frame, or none)."""
        self.wait_connected().close(frame=frame)

    def ack(self, envelope_id: str, timeout: float = 15.0) -> Ack:
        assert self.wait_for(lambda: self.acks.get(envelope_id), timeout), (
            f"no ack for {envelope_id}"
        )
        return self.acks[envelope_id][-1]
