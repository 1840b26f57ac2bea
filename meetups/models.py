import secrets
import uuid

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from proposals.markdown import render_markdown

from .choices import (
    DEFAULT_REMINDER_MINUTES,
    MeetupKind,
    MeetupStatus,
    RsvpStatus,
    Visibility,
)

TITLE_MAX = 120
DESCRIPTION_MAX = 20_000
PLACE_MAX = 200
CAPACITY_MAX = 10_000


def default_reminders() -> list[int]:
    return list(DEFAULT_REMINDER_MINUTES)


def proposal_deleted(collector, field, sub_objs, using):
    """A deleted proposal (admins only: members archive) takes its team's own meetups with it
    (there is no team left to see them); a community meetup stays, no longer tied to it."""
    team = [meetup for meetup in sub_objs if meetup.visibility == Visibility.TEAM]
    others = [meetup for meetup in sub_objs if meetup.visibility != Visibility.TEAM]
    if team:
        models.CASCADE(collector, field, team, using)
    if others:
        collector.add_field_update(field, None, others)


class Meetup(models.Model):
    """A 交流会, a 勉強会, a team's meeting: on its own or for a proposal.

    `sequence` is the calendar's revision (RFC 5545 SEQUENCE): the edit and cancel services raise
    it, so a calendar app that imported the .ics replaces its copy. `uid` never changes."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    description = models.TextField(
        _("description"),
        max_length=DESCRIPTION_MAX,
        blank=True,
        validators=[MaxLengthValidator(DESCRIPTION_MAX)],
    )
    description_html = models.TextField(editable=False, blank=True)
    kind = models.CharField(
        _("kind"), max_length=16, choices=MeetupKind.choices, default=MeetupKind.SOCIAL
    )
    starts_at = models.DateTimeField(_("starts"), db_index=True)
    ends_at = models.DateTimeField(_("ends"))
    online_url = models.URLField(_("online link"), max_length=500, blank=True)
    place = models.CharField(_("place"), max_length=PLACE_MAX, blank=True)
    link_for_going_only = models.BooleanField(
        _("show the online link only to people who are going"), default=False
    )
    capacity = models.PositiveIntegerField(
        _("capacity"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(CAPACITY_MAX)],
    )
    hosts = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="hosted_meetups", verbose_name=_("hosts")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposal = models.ForeignKey(
        "proposals.Proposal",
        on_delete=proposal_deleted,
        null=True,
        blank=True,
        related_name="meetups",
        verbose_name=_("proposal"),
    )
    visibility = models.CharField(
        _("who can see it"),
        max_length=16,
        choices=Visibility.choices,
        default=Visibility.COMMUNITY,
    )
    # The hosts' choice (issue 16): visitors see its title, kind and time on the public page,
    # never its place, link or people. Only a meetup the whole community may see can be public.
    is_public = models.BooleanField(_("visitors may see it"), default=False)
    status = models.CharField(
        max_length=16, choices=MeetupStatus.choices, default=MeetupStatus.SCHEDULED
    )
    cancel_note = models.TextField(_("why it is cancelled"), max_length=2000, blank=True)
    # Minutes before the start at which people who are going (and those who said maybe and asked
    # for it) hear a reminder.
    reminder_minutes = models.JSONField(_("reminders"), default=default_reminders, blank=True)
    # What it is about, as names like a proposal's themes ("防災", "IT・デジタル"): after the meetup,
    # "anything you'd like to try?" opens the proposal form with them.
    themes = models.JSONField(_("themes"), default=list, blank=True)
    # When the people who came were asked "anything you'd like to try?" (once per meetup).
    follow_up_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Kept by the RSVP service under the meetup's row lock.
    going_count = models.PositiveIntegerField(default=0)
    waitlist_count = models.PositiveIntegerField(default=0)
    maybe_count = models.PositiveIntegerField(default=0)
    sequence = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("meetup")
        verbose_name_plural = _("meetups")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="meetup_ends_after_start"
            ),
            models.CheckConstraint(
                condition=~Q(visibility=Visibility.TEAM) | Q(proposal__isnull=False),
                name="meetup_team_needs_proposal",
            ),
            models.CheckConstraint(
                condition=Q(is_public=False) | Q(visibility=Visibility.COMMUNITY),
                name="meetup_public_is_for_the_community",
                violation_error_message=_("A meetup for its team only can’t be shown to visitors."),
            ),
        ]
        indexes = [models.Index(fields=["status", "starts_at"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("meetups:detail", args=[self.pk])

    def render(self) -> None:
        self.description_html = render_markdown(self.description)

    def follow_up_path(self) -> str:
        """After it: the proposal form, with the meetup's themes ticked and the meetup named
        (`/proposals/new/?theme=…&theme=…&meetup=…`)."""
        query = urlencode({"theme": list(self.themes or []), "meetup": self.pk}, doseq=True)
        return f"{reverse('proposals:create')}?{query}"

    @property
    def is_cancelled(self) -> bool:
        return self.status == MeetupStatus.CANCELLED

    @property
    def has_ended(self) -> bool:
        return self.ends_at <= timezone.now()

    @property
    def is_full(self) -> bool:
        return self.capacity is not None and self.going_count >= self.capacity

    @property
    def seats_left(self) -> int | None:
        return None if self.capacity is None else max(self.capacity - self.going_count, 0)


class Rsvp(models.Model):
    """A person's answer to a meetup. `answered_at` orders the waiting list: first come, first in."""

    meetup = models.ForeignKey(Meetup, on_delete=models.CASCADE, related_name="rsvps")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="meetup_rsvps"
    )
    status = models.CharField(_("answer"), max_length=16, choices=RsvpStatus.choices)
    answered_at = models.DateTimeField(default=timezone.now)
    # People going are always reminded; someone who says "maybe" is when they ask for it.
    remind_if_maybe = models.BooleanField(_("remind me too"), default=False)
    # Marked by a host after the meetup (None: not marked).
    attended = models.BooleanField(_("attended"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["answered_at", "id"]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["meetup", "user"], name="rsvp_unique_person")
        ]
        indexes = [models.Index(fields=["meetup", "status", "answered_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.meetup_id}: {self.status}"


class MeetupReminder(models.Model):
    """One reminder to one person before one meetup: the row makes it happen once, however often
    beat runs."""

    meetup = models.ForeignKey(Meetup, on_delete=models.CASCADE, related_name="reminders_sent")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    minutes_before = models.PositiveIntegerField()
    # The start it was for: a moved meetup reminds again for its new time.
    starts_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["meetup", "user", "minutes_before", "starts_at"],
                name="meetup_reminder_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.meetup_id} → {self.user_id} ({self.minutes_before} min)"


class CalendarFeed(models.Model):
    """A member's private calendar address. The token is kept as is (not hashed): the member
    copies the address into a calendar app and must be able to see it again; revoking it and
    making a new one is how a leaked address is shut."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(revoked_at__isnull=True), name="calendar_feed_one_live"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} ({'revoked' if self.revoked_at else 'live'})"

    @staticmethod
    def new_token() -> str:
        return secrets.token_urlsafe(32)
