"""The signature on every webhook request (docs/webhooks.md shows receivers how to check it).

The receiver computes HMAC-SHA256 over "<timestamp>.<body>" with the webhook's secret and compares
it with X-Incubator-Signature in constant time; the timestamp, also signed, lets it refuse an old
request replayed later. For PREVIOUS_SECRET_GRACE after a new secret is made (when the moderator
keeps the old one working), X-Incubator-Signature-Previous carries the old secret's signature, so
a receiver that has not switched yet still accepts the requests.
"""

import hashlib
import hmac
import secrets
from datetime import timedelta

SECRET_PREFIX = "whsec_"
PREVIOUS_SECRET_GRACE = timedelta(hours=24)


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    """The X-Incubator-Signature header's value."""
    signed = f"{timestamp}.".encode() + body
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
