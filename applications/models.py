"""Asking to join (issue 16): a visitor's application, the community's guidelines they agree to,
and the applicant's own small outbox of emails (applicants are not members yet, so the workers'
deliveries, which are addressed to a member, cannot carry them)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workers.models import DeliveryStatus

NAME_MAX = 100
CALL_MAX = 60
HOPES_MAX = 2000
FOUND_MAX = 300
MESSAGE_MAX = 4000
GUIDELINES_MAX = 20000


class ApplicationStatus(models.TextChoices):
    # Sent, the address not confirmed yet: moderators never see it.
    UNCONFIRMED = "unconfirmed", _("Waiting for the email confirmation")
    WAITING = "waiting", _("Waiting for a moderator")
    APPROVED = "approved", _("Invited")
    DECLINED = "declined", _("Declined")
    # The same address confirmed a newer application while this one waited: moderators see one.
    REPLACED = "replaced", _("Replaced by a newer application")


class Application(models.Model):
    name = models.CharField(_("name"), max_length=NAME_MAX)
    email = models.EmailField(_("email address"))
    call_name = models.CharField(_("what to call you"), max_length=CALL_MAX)
    interests = models.JSONField(_("interests"), default=list, blank=True)
    hopes = models.TextField(_("what you would like to try or learn"), blank=True)
    found_us = models.CharField(_("how you found us"), max_length=FOUND_MAX, blank=True)
    # The language they wrote in: every email to them is written in it.
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.UNCONFIRMED,
    )
    # When they ticked "I agree" to the guidelines, and the guidelines' version then.
    guidelines_agreed_at = models.DateTimeField(_("guidelines agreed"))
    guidelines_version = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("sent"), default=timezone.now, db_index=True)
    confirmed_at = models.DateTimeField(_("address confirmed"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The sign-up link's secret part (a new one on each approval) and its end; used once.
    invite_nonce = models.CharField(max_length=32, blank=True)
    invite_expires_at = models.DateTimeField(_("invitation ends"), null=True, blank=True)
    invite_used_at = models.DateTimeField(_("invitation used"), null=True, blank=True)
    member = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="application",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("application to join")
        verbose_name_plural = _("applications to join")
        indexes = [models.Index(fields=["status", "confirmed_at"])]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}> ({self.status})"


class Guidelines(models.Model):
    """The community's guidelines an applicant agrees to, written by the moderators in Markdown,
    in Japanese and English. One row (the latest); none means the kind default (guidelines.py)."""

    body_ja = models.TextField(_("guidelines (Japanese)"), max_length=GUIDELINES_MAX)
    body_en = models.TextField(_("guidelines (English)"), max_length=GUIDELINES_MAX)
    # Sanitised when saved (proposals.markdown), like every Markdown of the product.
    html_ja = models.TextField(editable=False)
    html_en = models.TextField(editable=False)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("guidelines")
        verbose_name_plural = _("guidelines")

    def __str__(self) -> str:
        return f"guidelines {self.updated_at:%Y-%m-%d %H:%M}"


class MailKind(models.TextChoices):
    CONFIRM = "confirm", _("Please confirm your address")
    INVITATION = "invitation", _("Invitation")
    DECLINED = "declined", _("Declined, kindly")
    QUESTION = "question", _("A question from a moderator")


class ApplicationMail(models.Model):
    """One email to an applicant: a row per mail, unique by its key, so a task run twice (or a
    sweep that publishes it again) finds it sent and sends nothing. Moved through its states by
    applications.outbox alone."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="mails")
    kind = models.CharField(_("kind"), max_length=12, choices=MailKind.choices)
    key = models.CharField(max_length=80, unique=True)
    # The moderator's words (a decline, a question); the rest of the mail is written at sending.
    text = models.TextField(_("text"), blank=True, max_length=MESSAGE_MAX)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    not_before = models.DateTimeField(default=timezone.now)
    lease_until = models.DateTimeField(null=True, blank=True)
    message_id = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("email to an applicant")
        verbose_name_plural = _("emails to applicants")
        indexes = [models.Index(fields=["status", "not_before"])]
        constraints = [
            models.CheckConstraint(condition=~Q(key=""), name="application_mail_has_key")
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.application_id} ({self.status})"
