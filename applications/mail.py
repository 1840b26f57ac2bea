"""One email to an applicant, start to end: claim it, write it in their language, send it, and
have the outbox record how it went. Network and server errors are tried again with the workers'
backoff (WORKERS_BACKOFF_*) up to WORKERS_MAX_ATTEMPTS, then fail for good."""

from dataclasses import dataclass
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.message import make_msgid
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from workers import outbox as worker_outbox
from workers.models import DeliveryStatus
from workers.selectors import absolute

from . import outbox, tokens
from .models import ApplicationMail, MailKind


@dataclass(frozen=True)
class Outcome:
    result: str  # sent | failed | retry | busy | missing
    retry_in: float = 0.0


def reply_to() -> str:
    """Where an applicant's reply goes: the community's address."""
    return settings.APPLICATIONS_REPLY_TO or parseaddr(settings.DEFAULT_FROM_EMAIL)[1]


def _subject(kind: str) -> str:
    return {
        MailKind.CONFIRM: gettext("Please confirm your email address"),
        MailKind.INVITATION: gettext("Welcome! Your invitation to the community"),
        MailKind.DECLINED: gettext("About your application to join the community"),
        MailKind.QUESTION: gettext("A question about your application to join"),
    }[kind]


def _context(mail: ApplicationMail) -> dict:
    application = mail.application
    context = {"application": application, "text": mail.text, "reply_to": reply_to()}
    if mail.kind == MailKind.CONFIRM:
        context["link"] = absolute(
            reverse("applications:confirm", args=[tokens.confirm_token(application)])
        )
        context["hours"] = settings.APPLICATIONS_CONFIRM_HOURS
    if mail.kind == MailKind.INVITATION:
        context["link"] = absolute(
            reverse("applications:join", args=[tokens.invite_token(application)])
        )
        context["expires_at"] = application.invite_expires_at
        context["slack_invite_url"] = settings.SLACK_INVITE_URL
    return context


def render(mail: ApplicationMail) -> EmailMessage:
    with translation.override(mail.application.language):
        subject = f"[incubator] {_subject(mail.kind)}"
        body = render_to_string(f"email/application_{mail.kind}.txt", _context(mail))
    return EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[mail.application.email],
        reply_to=[reply_to()] if reply_to() else None,
        headers={"Message-ID": make_msgid(domain="incubator")},
    )


def process(mail_id: int) -> Outcome:
    status = ApplicationMail.objects.filter(pk=mail_id).values_list("status", flat=True).first()
    if status is None:
        return Outcome("missing")
    if status in (DeliveryStatus.SENT, DeliveryStatus.FAILED):
        return Outcome(status)
    mail = outbox.claim(mail_id)
    if mail is None:
        return Outcome("busy")  # another run holds it, or it is due later
    if mail.attempts >= settings.WORKERS_MAX_ATTEMPTS:
        outbox.mark_failed(mail, error=f"gave up after {mail.attempts} attempts")
        return Outcome("failed")
    message = render(mail)
    try:
        message.send()
    except OSError as error:  # smtplib's errors are OSErrors
        attempt = mail.attempts + 1
        if attempt >= settings.WORKERS_MAX_ATTEMPTS:
            outbox.mark_failed(mail, error=f"gave up after {attempt} attempts: {error}")
            return Outcome("failed")
        retry_in = worker_outbox.backoff(attempt)
        outbox.mark_retry(mail, retry_in=retry_in, error=str(error) or type(error).__name__)
        return Outcome("retry", retry_in=retry_in)
    outbox.mark_sent(mail, message_id=message.extra_headers["Message-ID"])
    return Outcome("sent")
