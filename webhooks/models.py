"""Outgoing webhooks: the receivers moderators registered, and each event's way to each of them.

A WebhookDelivery is to a webhook what workers.Delivery is to an email: written in the same
transaction as the change it tells of, published after commit, and moved through its states by
webhooks.outbox alone. Each try leaves a WebhookAttempt, the delivery log moderators read.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workers.models import DeliveryStatus

URL_MAX = 500
ERROR_MAX = 2000
EXCERPT_MAX = 500


class DisabledReason(models.TextChoices):
    FAILURES = "failures", _("Turned off after repeated failures")
    MODERATOR = "moderator", _("Turned off by a moderator")


class Endpoint(models.Model):
    """An address that hears the events it chose, each POSTed as JSON and signed with its secret."""

    name = models.CharField(_("name"), max_length=80)
    url = models.CharField(_("address (URL)"), max_length=URL_MAX)
    # Made by us, shown to the moderator once (on creation and on each new secret); kept as it is
    # because every request is signed with it.
    secret = models.CharField(max_length=80, editable=False)
    # The event kinds it hears (webhooks.kinds.WEBHOOK_KINDS).
    events = models.JSONField(_("events"), default=list)
    active = models.BooleanField(_("on"), default=True)
    # Deliveries that failed for good in a row (a success starts again from 0): at
    # WEBHOOKS_DISABLE_AFTER_FAILURES the webhook is turned off and the moderators are told.
    consecutive_failures = models.PositiveIntegerField(default=0)
    disabled_at = models.DateTimeField(_("turned off"), null=True, blank=True)
    disabled_reason = models.CharField(max_length=16, choices=DisabledReason.choices, blank=True)
    disabled_error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    secret_changed_at = models.DateTimeField(default=timezone.now)
    # The secret before the last new one, when the moderator kept it working for a while (the
    # receiver switches over meanwhile): requests are signed with it too until that time.
    previous_secret = models.CharField(max_length=80, blank=True, editable=False)
    previous_secret_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")

    def __str__(self) -> str:
        return self.name


class WebhookDelivery(models.Model):
    """One event to one webhook. The uuid is the X-Incubator-Delivery header: the same on every
    retry, so a receiver can tell a repeat from a new event."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    # None for a moderator's test event.
    event = models.ForeignKey(
        "workers.Event", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=32)
    status = models.CharField(
        _("status"), max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    not_before = models.DateTimeField(_("next attempt"), default=timezone.now)
    # While a worker holds it in "sending", nobody else may take it before this moment.
    lease_until = models.DateTimeField(null=True, blank=True)
    # The JSON sent, fixed at the first attempt: every retry sends the same body.
    body = models.TextField(blank=True)
    last_status = models.PositiveSmallIntegerField(_("last HTTP status"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "event"],
                condition=Q(event__isnull=False),
                name="webhook_delivery_once_per_event",
            )
        ]
        indexes = [
            models.Index(fields=["status", "not_before"]),
            models.Index(fields=["endpoint", "-id"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.endpoint_id} ({self.status})"


class AttemptOutcome(models.TextChoices):
    SENT = "sent", _("Delivered")
    RETRY = "retry", _("Will try again")
    FAILED = "failed", _("Failed")


class WebhookAttempt(models.Model):
    """One try of a delivery: what the receiver answered, or what went wrong."""

    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log"
    )
    started_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=8, choices=AttemptOutcome.choices)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    response_excerpt = models.TextField(blank=True)
    # When the next try is due (for outcome "retry").
    retry_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["started_at", "pk"]
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.outcome} {self.http_status or ''}"
