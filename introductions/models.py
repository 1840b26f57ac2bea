"""Introductions (issue 13): every round pairs the members who asked for it; each introduction
is a group of two (three once, when the count is odd) and what each of them answered a week on.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import Answer, Channel, MessageKind, MessageStatus


class IntroductionRound(models.Model):
    """One round per period (settings.INTRODUCTIONS_EVERY_DAYS): the unique first day makes a
    second run of the round's task do nothing. The counts are the organisers' view of it: how
    many people a round saw, never who."""

    starts_on = models.DateField(_("first day"), unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    opted_in = models.PositiveIntegerField(_("asked to be introduced"), default=0)
    paused = models.PositiveIntegerField(_("paused"), default=0)
    introduced = models.PositiveIntegerField(_("introduced"), default=0)
    # Nobody they had not met in the last year was left for them this round.
    left_out = models.PositiveIntegerField(_("not introduced this round"), default=0)

    class Meta:
        ordering = ["-starts_on"]
        verbose_name = _("introduction round")
        verbose_name_plural = _("introduction rounds")

    def __str__(self) -> str:
        return str(self.starts_on)


class Introduction(models.Model):
    round = models.ForeignKey(
        IntroductionRound, on_delete=models.CASCADE, related_name="introductions"
    )
    # What the people share, as they wrote it (themes held by at least two of them).
    shared_interests = models.JSONField(_("shared interests"), default=list, blank=True)
    # A key of choices.THEME_QUESTIONS (about the first shared interest) or OPEN_QUESTIONS.
    question = models.CharField(_("first question"), max_length=32)
    channel = models.CharField(_("made"), max_length=8, choices=Channel.choices)
    # The group DM (conversations.open), once Slack opened it.
    slack_channel_id = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    follow_up_due_at = models.DateTimeField(_("“did you get to talk?” due"))
    followed_up_at = models.DateTimeField(_("asked “did you get to talk?”"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("introduction")
        verbose_name_plural = _("introductions")
        indexes = [models.Index(fields=["followed_up_at", "follow_up_due_at"])]

    def __str__(self) -> str:
        return f"introduction {self.pk} ({self.round})"

    @property
    def theme(self) -> str:
        return self.shared_interests[0] if self.shared_interests else ""


class IntroductionMember(models.Model):
    """One person of an introduction, and their answer to "did you get to talk?"."""

    introduction = models.ForeignKey(Introduction, on_delete=models.CASCADE, related_name="people")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="introduced_in"
    )
    answer = models.CharField(
        _("did you get to talk?"), max_length=8, choices=Answer.choices, blank=True
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["introduction_id", "member_id"]
        verbose_name = _("introduced member")
        verbose_name_plural = _("introduced members")
        constraints = [
            models.UniqueConstraint(
                fields=["introduction", "member"], name="introduction_member_once"
            )
        ]
        indexes = [models.Index(fields=["member", "introduction"])]

    def __str__(self) -> str:
        return f"{self.member_id} in {self.introduction_id}"


class IntroductionMessage(models.Model):
    """A post in the introduction's Slack group DM, sent once: claimed from pending to sending in
    one conditional UPDATE, marked while its answer may be lost (a later attempt then looks for
    it by its metadata before posting again), sent with Slack's ts."""

    introduction = models.ForeignKey(
        Introduction, on_delete=models.CASCADE, related_name="messages"
    )
    kind = models.CharField(max_length=16, choices=MessageKind.choices)
    status = models.CharField(
        max_length=8, choices=MessageStatus.choices, default=MessageStatus.PENDING
    )
    # Real failures only (timeouts, 5xx); Slack's Retry-After never counts.
    attempts = models.PositiveSmallIntegerField(default=0)
    not_before = models.DateTimeField(default=timezone.now)
    lease_until = models.DateTimeField(null=True, blank=True)
    # Set right before the post; cleared when Slack answered, or surely did not keep it.
    posting = models.BooleanField(default=False)
    ts = models.CharField(max_length=32, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("introduction message")
        verbose_name_plural = _("introduction messages")
        constraints = [
            models.UniqueConstraint(
                fields=["introduction", "kind"], name="introduction_message_once"
            )
        ]
        indexes = [models.Index(fields=["status", "not_before"])]

    def __str__(self) -> str:
        return f"{self.kind} of {self.introduction_id} ({self.status})"
