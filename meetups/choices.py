from django.db import models
from django.utils.translation import gettext_lazy as _


class MeetupKind(models.TextChoices):
    SOCIAL = "social", _("Social meetup")
    STUDY = "study", _("Study session")
    TEAM = "team", _("Team meeting")
    OTHER = "other", _("Other")


class Visibility(models.TextChoices):
    COMMUNITY = "community", _("Everyone in the community")
    TEAM = "team", _("The proposal's team only")


class MeetupStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    CANCELLED = "cancelled", _("Cancelled")


class RsvpStatus(models.TextChoices):
    """What a person's answer is now. Someone who said "going" when the meetup was full waits."""

    GOING = "going", _("Going")
    WAITLISTED = "waitlisted", _("On the waiting list")
    MAYBE = "maybe", _("Maybe")
    CANT = "cant", _("Can't make it")


class Answer(models.TextChoices):
    """What a person can say (the waiting list is the meetup's answer to "going", not theirs)."""

    GOING = "going", _("Going")
    MAYBE = "maybe", _("Maybe")
    CANT = "cant", _("Can't make it")


# Reminders before a meetup starts, in minutes, unless the hosts choose others.
DEFAULT_REMINDER_MINUTES = [24 * 60, 60]


# The event kind of "anything you'd like to try?" after a meetup (recorded through
# workers.services.record_event_for; its wording belongs next to the other meetup kinds in
# workers.events.MeetupEventKind, under this same value).
FOLLOW_UP_EVENT = "meetup_follow_up"
