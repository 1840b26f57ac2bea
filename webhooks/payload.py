"""What a webhook request says: the event, its proposal, and only what the community already sees.

As in the moderators' exports, people appear only by the name they show on the site (no e-mail
addresses, no ids of members); what someone wrote to the proposer alone stays out (the message
sent with a join request, the answer to it). Each kind says which of its event's fields go out.
"""

import json
from datetime import UTC, datetime

from django.conf import settings

from workers.events import EventKind

from .kinds import PING
from .models import WebhookDelivery

# Per kind: the field in the request's "data" ← the field of the event's payload.
FIELDS: dict[str, dict[str, str]] = {
    EventKind.SUBMITTED: {"summary": "summary"},
    EventKind.TRANSITIONED: {"from_stage": "from_status", "to_stage": "to_status", "note": "note"},
    EventKind.JOIN_REQUESTED: {"member": "applicant_name", "role": "role"},
    EventKind.JOIN_ACCEPTED: {"member": "applicant_name", "role": "role"},
    EventKind.MEMBER_LEFT: {"member": "applicant_name", "role": "role"},
    EventKind.COMMENTED: {"comment_id": "comment_id", "excerpt": "excerpt"},
    EventKind.CHEERED: {},
}


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def dumps(document: dict) -> str:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def _data(kind: str, payload: dict) -> dict:
    data = {name: payload.get(source, "") for name, source in FIELDS.get(kind, {}).items()}
    if kind == EventKind.CHEERED:
        # A batch of cheers: how many, sent when its window closed (names stay on the site).
        data["cheers"] = len(payload.get("cheerer_ids", []))
    return data


def body_for(delivery: WebhookDelivery) -> str:
    """The JSON for an event's delivery (`delivery.event` and its proposal loaded)."""
    event = delivery.event
    proposal = event.proposal
    payload = event.payload or {}
    actor = payload.get("actor_name", "")
    return dumps(
        {
            "delivery_id": str(delivery.uuid),
            "event_id": event.pk,
            "kind": event.kind,
            "occurred_at": _when(event.created_at),
            "proposal": {
                "id": proposal.pk,
                "title": proposal.title,
                "url": _absolute(proposal.get_absolute_url()),
                "stage": proposal.status,
            }
            if proposal is not None
            else None,
            "actor": {"name": actor} if actor else None,
            "data": _data(event.kind, payload),
        }
    )


def ping_body(*, delivery: WebhookDelivery, by_name: str, message: str) -> str:
    """A moderator's test event: the same envelope, no event of the community behind it."""
    return dumps(
        {
            "delivery_id": str(delivery.uuid),
            "event_id": None,
            "kind": PING,
            "occurred_at": _when(delivery.created_at),
            "proposal": None,
            "actor": {"name": by_name} if by_name else None,
            "data": {"message": message},
        }
    )
