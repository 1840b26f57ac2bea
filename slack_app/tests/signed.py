"""Requests as Slack sends them: signed with the test signing secret."""

import hashlib
import hmac
import json
import time
from urllib.parse import urlencode

from django.conf import settings

TEAM = "T0COMMUNITY"  # settings.SLACK_TEAM_ID in the test settings
APP = "A0INCUBATOR"  # settings.SLACK_APP_ID


def sign(body: bytes, *, timestamp: str | None = None, secret: str | None = None) -> dict:
    timestamp = timestamp if timestamp is not None else str(int(time.time()))
    secret = secret if secret is not None else settings.SLACK_SIGNING_SECRET
    digest = hmac.new(
        secret.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256
    ).hexdigest()
    return {"HTTP_X_SLACK_REQUEST_TIMESTAMP": timestamp, "HTTP_X_SLACK_SIGNATURE": f"v0={digest}"}


def command_body(
    user_id: str, text: str, *, team: str = TEAM, trigger: str | None = "13345.1"
) -> bytes:
    fields = {
        "team_id": team,
        "api_app_id": APP,
        "user_id": user_id,
        "command": "/yattemitai",
        "text": text,
        "response_url": "http://127.0.0.1:9/hooks/x",
    }
    if trigger is not None:
        fields["trigger_id"] = trigger
    return urlencode(fields).encode()


def interaction_body(user_id: str, payload: dict, *, team: str = TEAM) -> bytes:
    payload = {
        "team": {"id": team},
        "user": {"id": user_id},
        "api_app_id": APP,
        "trigger_id": "trigger-1",
        **payload,
    }
    return urlencode({"payload": json.dumps(payload)}).encode()


def post(client, path: str, body: bytes, headers: dict | None = None):
    headers = sign(body) if headers is None else headers
    return client.post(path, data=body, content_type="application/x-www-form-urlencoded", **headers)


def event_callback(event: dict, *, event_id: str = "Ev0001", team: str = TEAM) -> dict:
    """An Events API body (over HTTP) or an events_api envelope's payload (Socket Mode)."""
    return {
        "token": "unused-verification-token",
        "team_id": team,
        "api_app_id": APP,
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(time.time()),
    }


def post_json(client, path: str, body: bytes, headers: dict | None = None, **extra):
    headers = sign(body) if headers is None else headers
    return client.post(path, data=body, content_type="application/json", **headers, **extra)
