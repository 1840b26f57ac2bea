"""Every write of a moderator to the webhooks: keyword-only, checked, one transaction each.

A webhook's address is checked here (webhooks.addresses: https, on the public internet), and
checked again before each request. The secret is made here and returned once, for the moderator
to copy; each request is signed with it.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from workers.models import DeliveryStatus

from . import addresses, fanout, outbox, payload, permissions, signing
from .kinds import PING, WEBHOOK_KINDS
from .models import DisabledReason, Endpoint, WebhookDelivery

NAME_MAX = 80


def _require_moderator(by) -> None:
    if not permissions.can_manage_webhooks(by):
        raise PermissionDenied(_("Only moderators can change the webhooks."))


def _cleaned(*, name: str, url: str, events: list[str]) -> dict:
    """The fields, checked: ValidationError by field otherwise (nothing is saved)."""
    errors: dict[str, list[str]] = {}
    name = " ".join((name or "").split())
    if not name:
        errors["name"] = [_("Please give the webhook a name.")]
    elif len(name) > NAME_MAX:
        errors["name"] = [_("Please keep the name to %(max)d characters.") % {"max": NAME_MAX}]
    url = (url or "").strip()
    try:
        addresses.check(url)
    except addresses.AddressError as error:
        errors["url"] = [error.message]
    chosen = [kind for kind in WEBHOOK_KINDS if kind in set(events or ())]
    if not chosen:
        errors["events"] = [_("Please choose at least one kind of event.")]
    elif len(chosen) != len(set(events)):
        errors["events"] = [_("Please choose from the events listed.")]
    if errors:
        raise ValidationError(errors)
    return {"name": name, "url": url, "events": chosen}


def endpoint_create(*, by, name: str, url: str, events: list[str]) -> tuple[Endpoint, str]:
    """A new webhook, on; returns it and its secret (shown to the moderator this once)."""
    _require_moderator(by)
    fields = _cleaned(name=name, url=url, events=events)
    secret = signing.new_secret()
    endpoint = Endpoint.objects.create(created_by=by, secret=secret, **fields)
    return endpoint, secret


def endpoint_update(*, endpoint: Endpoint, by, name: str, url: str, events: list[str]) -> Endpoint:
    """New settings for the next events; a new address starts its count of failures from 0."""
    _require_moderator(by)
    fields = _cleaned(name=name, url=url, events=events)
    if fields["url"] != endpoint.url:
        fields["consecutive_failures"] = 0
    Endpoint.objects.filter(pk=endpoint.pk).update(updated_at=timezone.now(), **fields)
    endpoint.refresh_from_db()
    return endpoint


def endpoint_secret_rotate(*, endpoint: Endpoint, by, keep_old: bool = False) -> str:
    """A new secret, in use from the next request on. With `keep_old`, the old one keeps working
    for signing.PREVIOUS_SECRET_GRACE while the receiver switches (each request is signed with
    both); without (the old one leaked, or nobody uses it), it stops working at once."""
    _require_moderator(by)
    secret = signing.new_secret()
    now = timezone.now()
    current = Endpoint.objects.filter(pk=endpoint.pk).values_list("secret", flat=True).first()
    Endpoint.objects.filter(pk=endpoint.pk).update(
        secret=secret,
        secret_changed_at=now,
        updated_at=now,
        previous_secret=(current or "") if keep_old else "",
        previous_secret_until=now + signing.PREVIOUS_SECRET_GRACE if keep_old else None,
    )
    endpoint.refresh_from_db()
    return secret


def endpoint_turn_off(*, endpoint: Endpoint, by) -> bool:
    """Nothing more is queued for it; deliveries already waiting fail ("retry now" later)."""
    _require_moderator(by)
    now = timezone.now()
    return bool(
        Endpoint.objects.filter(pk=endpoint.pk, active=True).update(
            active=False,
            disabled_at=now,
            disabled_reason=DisabledReason.MODERATOR,
            disabled_error="",
            updated_at=now,
        )
    )


def endpoint_turn_on(*, endpoint: Endpoint, by, resend_failed: bool = False) -> int:
    """On again, its count of failures from 0; with `resend_failed`, the deliveries that failed
    are tried again. Returns how many are on their way again."""
    _require_moderator(by)
    with transaction.atomic():
        Endpoint.objects.filter(pk=endpoint.pk).update(
            active=True,
            consecutive_failures=0,
            disabled_at=None,
            disabled_reason="",
            disabled_error="",
            updated_at=timezone.now(),
        )
        resent = outbox.retry_now(endpoint=endpoint) if resend_failed else 0
    endpoint.refresh_from_db()
    return resent


def endpoint_delete(*, endpoint: Endpoint, by) -> None:
    """Gone, with its delivery log; nothing more is sent to it."""
    _require_moderator(by)
    Endpoint.objects.filter(pk=endpoint.pk).delete()


def endpoint_ping(*, endpoint: Endpoint, by) -> WebhookDelivery:
    """A test event, sent like any other (signed, retried, logged). Only while the webhook is on:
    the test then meets what the next event will meet."""
    _require_moderator(by)
    if not endpoint.active:
        raise ValidationError(_("This webhook is off. Turn it on first, then send a test event."))
    now = timezone.now()
    with transaction.atomic():
        delivery = WebhookDelivery(
            endpoint=endpoint, kind=PING, not_before=now, created_at=now, updated_at=now
        )
        delivery.body = payload.ping_body(
            delivery=delivery,
            by_name=by.public_name,
            message="A test event from incubator: the webhook is reachable and signed.",
        )
        delivery.save()
        fanout.publish_after_commit([(delivery.pk, now)])
    return delivery


def delivery_retry(*, endpoint: Endpoint, by, delivery_id: int) -> int:
    """ "Retry now" for one delivery of the webhook (failed, or waiting for its next attempt)."""
    _require_moderator(by)
    if not endpoint.active:
        raise ValidationError(_("This webhook is off. Turn it on first, then retry."))
    found = WebhookDelivery.objects.filter(pk=delivery_id, endpoint_id=endpoint.pk)
    if not found.exclude(status=DeliveryStatus.SENT).exists():
        return 0
    return outbox.retry_now(endpoint=endpoint, delivery_ids=[delivery_id])
