"""What Slack sent that must be done once: each event callback, by its event_id.

Slack delivers an event again when it is not answered in time (X-Slack-Retry-Num over HTTP, a
redelivered envelope over Socket Mode), and two Socket Mode runners may both receive one. The
receipt's unique event_id makes the first arrival the only one recorded; the worker that handles it
marks it handled in the same transaction as the handler's writes, so a second task finds it done.
"""

from django.db import models

EVENT_ID_MAX = 255
EVENT_TYPE_MAX = 100


class SlackEventReceipt(models.Model):
    event_id = models.CharField(max_length=EVENT_ID_MAX, unique=True)
    team_id = models.CharField(max_length=EVENT_ID_MAX, blank=True)
    # The inner event's type ("message", "app_home_opened", …) and the inner event as Slack sent it
    # (already checked for shape and NUL bytes); the worker builds the SlackEvent from these.
    type = models.CharField(max_length=EVENT_TYPE_MAX)
    event = models.JSONField(default=dict)
    # In a channel shared with another organisation (Slack Connect), as the envelope said.
    ext_shared = models.BooleanField(default=False)
    received_at = models.DateTimeField(auto_now_add=True)
    # How many times it arrived (the first time and Slack's retries or a second runner).
    deliveries = models.PositiveIntegerField(default=1)
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["received_at"], name="slack_receipt_received")]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"
