"""Socket Mode: Slack's commands, interactions and events over a websocket, no public address.

`python manage.py slack_socket` (started by `make run` and docker compose's `slack` service when
SLACK_APP_TOKEN is set) opens a connection with the app-level token and hands every envelope to
the same functions as the HTTP endpoints (slack_app.inbound's receive_command, receive_interaction,
receive_event), then acknowledges it with its envelope_id and the answer Slack takes in the ack: a
slash command's ephemeral text, a modal's field errors. The connection itself (slack_sdk's
SocketModeClient, which reconnects after a dropped connection and on `disconnect` envelopes) is
built in slack_app.client, the only importer of slack_sdk.

Two runners at once (or a redelivered envelope) do nothing twice: an event is recorded once by its
event_id (slack_app.receipts); a slash command's key is derived from its envelope_id (the same
envelope, the same proposal); buttons and modal submissions are idempotent in the domain.
"""

import logging
import threading
from pathlib import Path

from django.conf import settings
from django.db import close_old_connections, connections

from . import client, inbound
from .client import SlackTransient

logger = logging.getLogger(__name__)

FIRST_PAUSE, LONGEST_PAUSE = 1.0, 60.0


def handle_envelope(kind: str, envelope_id: str, payload) -> dict | None:
    """One envelope, handed to the same function as its HTTP request; returns what to ack with.
    A payload of the wrong shape is acknowledged with nothing (sending it again cannot help)."""
    close_old_connections()
    try:
        if kind == "slash_commands":
            return inbound.receive_command(payload, key=inbound.envelope_key(envelope_id))
        if kind == "interactive":
            return inbound.receive_interaction(payload)
        if kind == "events_api":
            return inbound.receive_event(payload)
        logger.info("Ignored a Socket Mode envelope of type %r", kind)
        return None
    except inbound.Malformed as error:
        logger.warning("Refused a Socket Mode %s envelope of the wrong shape: %s", kind, error)
        return None
    finally:
        # Each envelope runs in one of the SDK's threads: its database connection ends with it.
        connections.close_all()


class Runner:
    """The Socket Mode connection of this process, handing envelopes to `handle_envelope`."""

    def __init__(self, *, app_token: str = "", ping_interval: float | None = None):
        self.connection = client.SocketMode(
            app_token=app_token or settings.SLACK_APP_TOKEN,
            on_envelope=handle_envelope,
            ping_interval=ping_interval or settings.SLACK_SOCKET_PING_SECONDS,
        )

    def start(self, stop: threading.Event) -> bool:
        """Connect, trying again with a growing pause while Slack cannot be reached. False when
        stopped first; SlackPermanent when Slack refuses the token."""
        pause = FIRST_PAUSE
        while not stop.is_set():
            try:
                self.connection.connect()
            except SlackTransient as error:
                logger.warning("Socket Mode: %s; trying again in %gs", error, pause)
                stop.wait(pause)
                pause = min(LONGEST_PAUSE, pause * 2)
                continue
            return True
        return False

    def is_connected(self) -> bool:
        return self.connection.is_connected()

    def stop(self) -> None:
        self.connection.close()


def run(*, stop: threading.Event, heartbeat: Path | None = None) -> None:
    """Serve until `stop` is set. While connected, `heartbeat` is touched every second (the
    container's healthcheck reads its age)."""
    runner = Runner()
    try:
        if not runner.start(stop):
            return
        logger.info("Socket Mode: connected; envelopes are handed to the same code as HTTP.")
        while not stop.is_set():
            if heartbeat is not None and runner.is_connected():
                heartbeat.parent.mkdir(parents=True, exist_ok=True)
                heartbeat.touch()
            stop.wait(1.0)
    finally:
        runner.stop()
