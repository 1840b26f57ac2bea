"""Every write of applications, keyword-only: an application sent, its address confirmed, a
moderator's approval, decline or question, an invitation used at sign-up, the guidelines.

Each email to the applicant is an ApplicationMail row written in the change's transaction and
published by name after commit (workers.publish), so a rolled-back change sends nothing and a
broker outage loses nothing (the sweeper publishes it later)."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from proposals.markdown import render_markdown
from workers import publish
from workers import services as worker_services
from workers.events import EventKind, excerpt

from . import permissions, selectors, tokens
from .errors import BadLink, NotNow, NotPermitted, Refused
from .models import (
    MESSAGE_MAX,
    Application,
    ApplicationMail,
    ApplicationStatus,
    Guidelines,
    MailKind,
)


def _clean(text: str) -> str:
    return (text or "").replace("\x00", "").strip()


def _mail(*, application: Application, kind: str, key: str, text: str = "", by=None) -> None:
    mail = ApplicationMail.objects.create(
        application=application, kind=kind, key=key, text=text, written_by=by
    )
    publish.after_commit(publish.SEND_APPLICATION_MAIL, mail.pk)


# --- the rate limits ------------------------------------------------------------------------------


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def _take(key: str, *, limit: int, window: int) -> bool:
    """One more in this window, if fewer than `limit` came: the cache shared by every process."""
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # it ended between add and incr
        cache.add(key, 1, timeout=window)
        count = 1
    return count <= limit


def _rate_limit(*, email: str, ip: str) -> None:
    per_address = _take(
        f"applications:address:{_digest(email.lower())}",
        limit=settings.APPLICATIONS_PER_ADDRESS,
        window=settings.APPLICATIONS_RATE_WINDOW_SECONDS,
    )
    per_ip = _take(
        f"applications:ip:{_digest(ip or '-')}",
        limit=settings.APPLICATIONS_PER_IP,
        window=settings.APPLICATIONS_RATE_WINDOW_SECONDS,
    )
    if not (per_address and per_ip):
        raise Refused(
            _(
                "Thank you! We have had quite a few applications from here in a short time, so "
                "this one was not sent. Please try again tomorrow, or check your inbox for our "
                "earlier email."
            ),
            status=429,
        )


# --- applying and confirming ------------------------------------------------------------------


def application_submit(
    *,
    name: str,
    email: str,
    call_name: str,
    interests: list[str],
    hopes: str = "",
    found_us: str = "",
    language: str,
    agreed: bool,
    ip: str,
) -> Application:
    """Save an application (unconfirmed) and send the confirmation link. Raises ValidationError
    (by field) on bad input and Refused past the rate limits; nothing is saved then."""
    if not agreed:
        raise ValidationError({"agree": _("Please read the guidelines and tick the box to agree.")})
    themes = set(selectors.suggested_themes())
    unknown = [theme for theme in interests if theme not in themes]
    if unknown:
        raise ValidationError({"interests": _("Please choose from the themes shown.")})
    now = timezone.now()
    application = Application(
        name=_clean(name),
        email=_clean(email).lower(),
        call_name=_clean(call_name),
        interests=list(dict.fromkeys(interests)),
        hopes=_clean(hopes),
        found_us=_clean(found_us),
        language=language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE,
        guidelines_agreed_at=now,
        guidelines_version=selectors.current_guidelines().version,
        created_at=now,
    )
    application.full_clean()
    _rate_limit(email=application.email, ip=ip)
    with transaction.atomic():
        application.save()
        _mail(application=application, kind=MailKind.CONFIRM, key=f"confirm:{application.pk}")
    return application


def application_confirm(*, token: str) -> Application:
    """The applicant's address is theirs: the application reaches the moderators (told in the
    app, once). Confirming again changes nothing."""
    try:
        application_id, email = tokens.read_confirm_token(token)
    except tokens.Expired as error:
        raise BadLink(
            _(
                "This confirmation link has ended. Please fill in the form again; it only takes "
                "a minute."
            )
        ) from error
    except tokens.Broken as error:
        raise BadLink(
            _("This link does not look complete. Please copy the whole link from the email.")
        ) from error
    with transaction.atomic():
        application = (
            Application.objects.select_for_update().filter(pk=application_id, email=email).first()
        )
        if application is None:
            raise BadLink(_("We could not find this application. Please fill in the form again."))
        if application.status != ApplicationStatus.UNCONFIRMED:
            return application
        application.status = ApplicationStatus.WAITING
        application.confirmed_at = timezone.now()
        application.save(update_fields=["status", "confirmed_at"])
        _replace_earlier(application)
        worker_services.record_event(
            kind=EventKind.APPLICATION_RECEIVED,
            payload={
                "application_id": application.pk,
                "applicant_name": excerpt(application.call_name or application.name, 80),
                "path": reverse("applications:review") + f"#application-{application.pk}",
            },
            dedupe_key=f"application_received:{application.pk}",
        )
    return application


def _replace_earlier(application: Application) -> None:
    """Someone who applies again while an earlier application still waits is one person waiting,
    not two: the newer application replaces the earlier ones, and takes the moderators'
    questions to them along, so the conversation so far stays in view."""
    earlier = list(
        Application.objects.select_for_update()
        .filter(email=application.email, status=ApplicationStatus.WAITING)
        .exclude(pk=application.pk)
        .values_list("pk", flat=True)
    )
    if not earlier:
        return
    ApplicationMail.objects.filter(application_id__in=earlier, kind=MailKind.QUESTION).update(
        application=application
    )
    Application.objects.filter(pk__in=earlier).update(
        status=ApplicationStatus.REPLACED, decided_at=application.confirmed_at
    )


# --- the moderators' decisions ----------------------------------------------------------------


def _decidable(application_id: int, by) -> Application:
    """The application, locked, while it still waits for a decision."""
    if not permissions.can_review_applications(by):
        raise NotPermitted(_("Only the community's moderators decide on applications."))
    application = Application.objects.select_for_update().get(pk=application_id)
    if application.status != ApplicationStatus.WAITING:
        raise NotNow(
            _("Another moderator has already answered %(name)s.") % {"name": application.name}
        )
    return application


def _decided(application: Application, *, status: str, by) -> None:
    application.status = status
    application.decided_at = timezone.now()
    application.decided_by = by
    fields = ["status", "decided_at", "decided_by"]
    if status == ApplicationStatus.APPROVED:
        application.invite_nonce = secrets.token_hex(16)
        application.invite_expires_at = application.decided_at + timedelta(
            days=settings.APPLICATIONS_INVITE_DAYS
        )
        fields += ["invite_nonce", "invite_expires_at"]
    application.save(update_fields=fields)


def application_approve(*, application: Application, by) -> Application:
    """Invite them: an email with a single-use sign-up link for their address (and the Slack
    invitation when SLACK_INVITE_URL is set)."""
    with transaction.atomic():
        application = _decidable(application.pk, by)
        _decided(application, status=ApplicationStatus.APPROVED, by=by)
        _mail(
            application=application,
            kind=MailKind.INVITATION,
            key=f"invitation:{application.pk}:{application.invite_nonce}",
            by=by,
        )
    return application


def application_reinvite(*, application: Application, by) -> Application:
    """A new sign-up link for an invited applicant who has not signed up (theirs ended, or was
    lost): the old link stops working, the new one runs for APPLICATIONS_INVITE_DAYS."""
    if not permissions.can_review_applications(by):
        raise NotPermitted(_("Only the community's moderators decide on applications."))
    with transaction.atomic():
        application = Application.objects.select_for_update().get(pk=application.pk)
        if application.status != ApplicationStatus.APPROVED or application.invite_used_at:
            raise NotNow(
                _("%(name)s has already signed up, or was not invited.")
                % {"name": application.name}
            )
        application.invite_nonce = secrets.token_hex(16)
        application.invite_expires_at = timezone.now() + timedelta(
            days=settings.APPLICATIONS_INVITE_DAYS
        )
        application.save(update_fields=["invite_nonce", "invite_expires_at"])
        _mail(
            application=application,
            kind=MailKind.INVITATION,
            key=f"invitation:{application.pk}:{application.invite_nonce}",
            by=by,
        )
    return application


def _words(text: str, *, field: str) -> str:
    text = _clean(text)
    if not text:
        raise ValidationError({field: _("Please write a few words for them.")})
    if len(text) > MESSAGE_MAX:
        raise ValidationError(
            {
                field: _("Please keep this to %(limit)d characters or fewer.")
                % {"limit": MESSAGE_MAX}
            }
        )
    return text


def application_decline(*, application: Application, by, text: str) -> Application:
    """Decline kindly: the moderator's words (the kind default, perhaps edited) by email."""
    text = _words(text, field="text")
    with transaction.atomic():
        application = _decidable(application.pk, by)
        _decided(application, status=ApplicationStatus.DECLINED, by=by)
        _mail(
            application=application,
            kind=MailKind.DECLINED,
            key=f"declined:{application.pk}",
            text=text,
            by=by,
        )
    return application


def application_ask(*, application: Application, by, text: str) -> ApplicationMail:
    """Ask the applicant a question by email; they answer by replying (Reply-To is the
    community's address, APPLICATIONS_REPLY_TO). The application keeps waiting."""
    text = _words(text, field="question")
    with transaction.atomic():
        application = _decidable(application.pk, by)
        number = application.mails.filter(kind=MailKind.QUESTION).count() + 1
        key = f"question:{application.pk}:{number}"
        _mail(application=application, kind=MailKind.QUESTION, key=key, text=text, by=by)
    return ApplicationMail.objects.get(key=key)


# --- the invitation, used at sign-up ----------------------------------------------------------


def application_invite_use(*, application_id: int, nonce: str, user) -> bool:
    """The invitation becomes `user`'s membership: once (a guarded UPDATE, so two sign-ups with
    one link never both pass), before it ends, for that link's nonce only."""
    now = timezone.now()
    return bool(
        Application.objects.filter(
            pk=application_id,
            status=ApplicationStatus.APPROVED,
            invite_nonce=nonce,
            invite_used_at__isnull=True,
            invite_expires_at__gt=now,
        )
        .exclude(invite_nonce="")
        .update(invite_used_at=now, member=user)
    )


# --- the guidelines ---------------------------------------------------------------------------


def guidelines_save(*, by, body_ja: str, body_en: str) -> Guidelines:
    if not permissions.can_edit_guidelines(by):
        raise NotPermitted(_("Only the community's moderators edit the guidelines."))
    body_ja, body_en = _clean(body_ja), _clean(body_en)
    row = Guidelines(
        body_ja=body_ja,
        body_en=body_en,
        html_ja=render_markdown(body_ja),
        html_en=render_markdown(body_en),
        updated_by=by,
    )
    row.full_clean()
    row.save()
    return row
