"""The outbox: an Event per thing that happened, a Delivery per channel and recipient."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .events import Channel, EmailMode, EventKind


class Event(models.Model):
    kind = models.CharField(_("kind"), max_length=32, choices=EventKind.choices)
    proposal = models.ForeignKey(
        "proposals.Proposal",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="events",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # A JSON snapshot of what the event says (names, titles, stages) at the time it happened.
    payload = models.JSONField(default=dict, blank=True)
    # Makes periodic events (reminders, nudges, weekly digests) and cheer batches happen once.
    dedupe_key = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key"], condition=~Q(dedupe_key=""), name="event_unique_dedupe_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped")


FINAL_STATUSES = (DeliveryStatus.SENT, DeliveryStatus.FAILED, DeliveryStatus.SKIPPED)


class Delivery(models.Model):
    """One event to one recipient over one channel. In-app deliveries are the notification list."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deliveries",
    )
    # Denormalised from the event so that per-thread ordering and the list are one index away.
    proposal = models.ForeignKey(
        "proposals.Proposal", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        _("status"),
        max_length=8,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.PENDING,
    )
    # Real failures only (timeouts, 5xx, a worker lost mid-send): waiting for one's turn or for
    # Slack's Retry-After never counts.
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    not_before = models.DateTimeField(_("not before"), default=timezone.now)
    # When it first became due (a retry moves not_before, never this): the backlog's age.
    due_at = models.DateTimeField(_("due"), default=timezone.now)
    # Who sends it, in order: the Slack channel's id for Slack, "email" for email (see ChannelState).
    lane = models.CharField(_("lane"), max_length=40, blank=True)
    # While a worker holds a delivery in SENDING, nobody else may take it before this moment.
    lease_until = models.DateTimeField(null=True, blank=True)
    external_id = models.CharField(_("external id"), max_length=64, blank=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "channel", "recipient"],
                condition=Q(recipient__isnull=False),
                name="delivery_unique_per_recipient",
            ),
            models.UniqueConstraint(
                fields=["event", "channel"],
                condition=Q(recipient__isnull=True),
                name="delivery_unique_per_channel",
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "channel", "read_at"]),
            models.Index(fields=["status", "not_before"]),
            models.Index(fields=["proposal", "channel", "status"]),
            models.Index(fields=["lane", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.channel} #{self.pk} ({self.status})"


class EmailPreference(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_preferences"
    )
    kind = models.CharField(max_length=32, choices=EventKind.choices)
    mode = models.CharField(max_length=12, choices=EmailMode.choices)

    class Meta:
        verbose_name = _("email preference")
        verbose_name_plural = _("email preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="email_preference_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {self.mode}"


class SlackDmPreference(models.Model):
    """Whether a member wants a kind of update as a Slack direct message too (when they have
    linked Slack); without a row, SLACK_DM_DEFAULTS says."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="slack_dm_preferences"
    )
    kind = models.CharField(max_length=32, choices=EventKind.choices)
    enabled = models.BooleanField()

    class Meta:
        verbose_name = _("Slack direct message preference")
        verbose_name_plural = _("Slack direct message preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="slack_dm_preference_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {'on' if self.enabled else 'off'}"


class SlackDirectChannel(models.Model):
    """The app's direct-message conversation with a member in Slack (conversations.open gives its
    id once; every later message goes there, and a retry looks for its earlier post in it). Kept
    for the Slack account it was opened with: a member who links another one gets a new one."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="slack_direct_channel"
    )
    slack_user_id = models.CharField(max_length=32)
    channel_id = models.CharField(max_length=32)
    opened_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("Slack direct message channel")
        verbose_name_plural = _("Slack direct message channels")

    def __str__(self) -> str:
        return f"{self.user_id} → {self.channel_id}"


class EmailDigest(models.Model):
    """One daily digest per member and day: a re-run of the beat task sends nothing twice."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    item_count = models.PositiveIntegerField(default=0)
    # How many "teams looking for someone like you" it carried: at most once a week.
    suggestion_count = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("email digest")
        verbose_name_plural = _("email digests")
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="email_digest_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.day}"


class SlackThread(models.Model):
    """A card in Slack, edited in place to show the current state: a proposal's (the root message
    of its thread; each event is a reply under it), a community meetup's announcement (RSVP
    buttons and counts; no replies), or a proposal's card in the thread of the Slack message it
    was made from (`source_of`; `root_ts` is that reply's ts). Exactly one of the three."""

    proposal = models.OneToOneField(
        "proposals.Proposal",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="slack_thread",
    )
    meetup = models.OneToOneField(
        "meetups.Meetup",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="slack_card",
    )
    # A proposal's card posted in the thread of the Slack message it was made from (issue 12):
    # a reply under `parent_ts`, kept current like the channel's card.
    source_of = models.OneToOneField(
        "proposals.Proposal",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="slack_source_card",
    )
    parent_ts = models.CharField(max_length=32, blank=True)
    channel_id = models.CharField(max_length=32)
    root_ts = models.CharField(max_length=32, blank=True)
    card_version = models.PositiveIntegerField(default=0)
    # Every change the card shows counts here (in the change's own transaction); the card is
    # "dirty" from the first change it does not show yet, and re-rendered once per coalescing
    # window with the latest state.
    card_changes = models.PositiveIntegerField(default=0)
    card_dirty_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("Slack thread")
        verbose_name_plural = _("Slack threads")
        constraints = [
            models.CheckConstraint(
                condition=Q(proposal__isnull=False, meetup__isnull=True, source_of__isnull=True)
                | Q(proposal__isnull=True, meetup__isnull=False, source_of__isnull=True)
                | Q(proposal__isnull=True, meetup__isnull=True, source_of__isnull=False),
                name="slack_thread_proposal_meetup_or_source",
            )
        ]

    def __str__(self) -> str:
        subject = (
            f"meetup {self.meetup_id}"
            if self.meetup_id
            else self.proposal_id or f"source of {self.source_of_id}"
        )
        return f"{subject} → {self.channel_id}/{self.root_ts}"


class ChannelState(models.Model):
    """One lane of deliveries sent in order by one sender at a time: a Slack channel (its id), or
    "email". Holds the sender's lease, Slack's pace and pause, and what operations were told."""

    key = models.CharField(_("lane"), max_length=40, unique=True)
    # The relay run that sends for this lane now, and until when its lease holds unrenewed.
    holder = models.CharField(max_length=64, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    # A re-armed relay run is due at this moment (so two runs never arm the same wake-up twice).
    armed_until = models.DateTimeField(null=True, blank=True)
    # Slack's pace: the earliest moment for the channel's next post, and Slack's pause on its posts.
    next_post_at = models.DateTimeField(null=True, blank=True)
    paused_until = models.DateTimeField(_("paused until"), null=True, blank=True)
    # Set when the moderators were told of a failure; cleared by the next success (one alert per
    # outage, not per event).
    alerted_at = models.DateTimeField(_("alerted"), null=True, blank=True)
    # Set when the backlog's age was logged as too old; cleared once it is young again.
    backlog_warned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("delivery lane")
        verbose_name_plural = _("delivery lanes")

    def __str__(self) -> str:
        return self.key


class SlackWorkspace(models.Model):
    """The Slack workspace the app writes to: the pace every channel's sender shares.

    Slack limits each method per app and workspace, over all channels: posting to several hundred
    messages a minute (beside about one a second in each channel), chat.update (a Tier 3 method) to
    about 50 a minute. Every sender, in any process on any host, takes its slots from this one row.
    """

    key = models.CharField(max_length=40, unique=True)
    # The earliest moment for the app's next Slack write of any kind: a post, a card posted again,
    # a card update (SLACK_WORKSPACE_CALLS_PER_MINUTE).
    next_write_at = models.DateTimeField(_("next write"), null=True, blank=True)
    # The earliest moment for the next card update (SLACK_UPDATES_PER_MINUTE).
    next_update_at = models.DateTimeField(_("next card update"), null=True, blank=True)
    # Slack answered a card update with 429: no card is updated before this; posts go on.
    updates_paused_until = models.DateTimeField(
        _("card updates paused until"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("Slack workspace pace")
        verbose_name_plural = _("Slack workspace pace")

    def __str__(self) -> str:
        return self.key


class SlackHome(models.Model):
    """A Slack user's App Home tab, kept current like a card: every change it shows counts here (in
    the change's own transaction, or when they open the tab), and one `views.publish` shows the
    latest state of all of them (workers/home_sender.py). Only Slack users who opened the tab
    once have a row, so nobody else is ever published to."""

    slack_user_id = models.CharField(max_length=32, unique=True)
    opened_at = models.DateTimeField(default=timezone.now)
    # Changes counted, and how many of them the published view shows (dirty while they differ).
    changes = models.PositiveIntegerField(default=0)
    shown_changes = models.PositiveIntegerField(default=0)
    dirty_at = models.DateTimeField(null=True, blank=True)
    # One publisher at a time (so an older state never overwrites a newer one), and when the next
    # attempt may go (Slack's Retry-After, a backoff).
    lease_until = models.DateTimeField(null=True, blank=True)
    not_before = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Slack App Home")
        verbose_name_plural = _("Slack App Homes")

    def __str__(self) -> str:
        return self.slack_user_id
