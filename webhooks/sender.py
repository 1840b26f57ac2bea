"""One webhook request: POST the body to a checked address and report the answer. Only sends.

It connects to an address webhooks.addresses checked (never resolving the host again), speaks TLS
to the host name (so the certificate is verified for it), follows no redirect, waits
WEBHOOKS_TIMEOUT_SECONDS at most for each step and reads only the start of the answer. Network
errors come out as OSError or http.client.HTTPException; what they mean is webhooks.dispatch's.
"""

import http.client
import socket
import ssl
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

from django.utils import timezone

from .addresses import Target

# Of an answer, only this much is read (and kept, in part, in the delivery log).
READ_MAX = 4096
USER_AGENT = "incubator-webhooks/1"


@dataclass(frozen=True)
class Answer:
    status: int
    excerpt: str
    # Seconds the receiver asked us to wait (Retry-After), if it said.
    retry_after: float | None = None
    location: str = ""


class _Pinned(http.client.HTTPConnection):
    """A plain connection to a given address (only with WEBHOOKS_ALLOW_PRIVATE_ADDRESSES)."""

    def __init__(self, target: Target, address: str, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedTLS(http.client.HTTPSConnection):
    """TLS to a given address, the certificate verified for the host name."""

    def __init__(self, target: Target, address: str, timeout: float):
        self._tls = ssl.create_default_context()
        super().__init__(target.host, target.port, timeout=timeout, context=self._tls)
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        try:
            self.sock = self._tls.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise


def _retry_after(value: str | None) -> float | None:
    """Retry-After in seconds, given as seconds or as an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        return None
    return max(0.0, (moment - timezone.now()).total_seconds())


def _connected(target: Target, timeout: float) -> http.client.HTTPConnection:
    """A connection to the first of the target's addresses that answers."""
    kind = _PinnedTLS if target.scheme == "https" else _Pinned
    error: OSError | None = None
    for address in target.addresses:
        connection = kind(target, address, timeout)
        try:
            connection.connect()
        except OSError as failed:
            connection.close()
            error = failed
            continue
        return connection
    raise error or OSError("no address to connect to")


def post(target: Target, *, body: bytes, headers: dict[str, str], timeout: float) -> Answer:
    connection = _connected(target, timeout)
    try:
        connection.request(
            "POST",
            target.path,
            body=body,
            headers={"User-Agent": USER_AGENT, "Content-Type": "application/json", **headers},
        )
        response = connection.getresponse()
        excerpt = response.read(READ_MAX).decode("utf-8", "replace")
        return Answer(
            status=response.status,
            excerpt=excerpt,
            retry_after=_retry_after(response.getheader("Retry-After")),
            location=response.getheader("Location", "") or "",
        )
    finally:
        connection.close()
