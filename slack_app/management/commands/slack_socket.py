"""`python manage.py slack_socket`: receive Slack over Socket Mode (slack_app/socket.py)."""

import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from slack_app import socket
from slack_app.client import SlackPermanent

HEARTBEAT = settings.VAR_DIR / "slack-socket-alive"


class Command(BaseCommand):
    help = (
        "Receive Slack's slash commands, buttons, modals and events over Socket Mode (a websocket "
        "the app opens), so no public HTTPS address is needed. Needs SLACK_APP_TOKEN (xapp-…)."
    )

    def handle(self, *args, **options):
        token = settings.SLACK_APP_TOKEN
        if not token:
            raise CommandError(
                "SLACK_APP_TOKEN is not set: create an app-level token with the connections:write "
                "scope (your Slack app → Basic Information → App-Level Tokens) and set it."
            )
        if not token.startswith("xapp-"):
            raise CommandError(
                "SLACK_APP_TOKEN must be an app-level token (it starts with xapp-), not the bot "
                "token (xoxb-)."
            )
        stop = threading.Event()
        previous = {
            signum: signal.signal(signum, lambda *_: stop.set())
            for signum in (signal.SIGINT, signal.SIGTERM)
        }
        self.stdout.write("Socket Mode: connecting to Slack. Ctrl-C stops.")
        try:
            socket.run(stop=stop, heartbeat=HEARTBEAT)
        except SlackPermanent as error:
            raise CommandError(f"Slack refused the app-level token: {error}") from error
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        self.stdout.write("Socket Mode: stopped.")
