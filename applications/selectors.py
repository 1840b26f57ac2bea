"""Every read of applications: the moderators' lists, the guidelines, an invitation's state."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from proposals.markdown import render_markdown
from proposals.models import Tag
from workers.models import DeliveryStatus

from . import tokens
from .guidelines import default_guidelines
from .models import Application, ApplicationMail, ApplicationStatus, Guidelines, MailKind

RECENT_DECISIONS = 30


def suggested_themes() -> list[str]:
    """The community's suggested themes (those the proposal form offers), in their order."""
    return list(Tag.objects.filter(suggested=True).values_list("name", flat=True))


def waiting_applications() -> QuerySet[Application]:
    """Confirmed applications no moderator has decided on, oldest first, with the questions
    already asked (two queries). One per address: a newer one replaced the earlier ones
    (`applied_before`)."""
    questions = ApplicationMail.objects.filter(kind=MailKind.QUESTION).select_related("written_by")
    replaced = Application.objects.filter(
        email=OuterRef("email"), status=ApplicationStatus.REPLACED
    )
    return (
        Application.objects.filter(status=ApplicationStatus.WAITING)
        .annotate(already_member=_has_account(), applied_before=Exists(replaced))
        .order_by("confirmed_at", "pk")
        .prefetch_related(Prefetch("mails", queryset=questions, to_attr="questions"))
    )


def _mail_failed():
    """Whether an email of the decision (the invitation, the decline) failed for good."""
    return Exists(
        ApplicationMail.objects.filter(
            application=OuterRef("pk"),
            kind__in=[MailKind.INVITATION, MailKind.DECLINED],
            status=DeliveryStatus.FAILED,
        )
    )


def _has_account():
    """Whether a member already has the application's address (their sign-up would fail)."""
    return Exists(get_user_model().objects.filter(email__iexact=OuterRef("email")))


def waiting_count() -> int:
    return Application.objects.filter(status=ApplicationStatus.WAITING).count()


def recent_decisions(*, limit: int = RECENT_DECISIONS) -> QuerySet[Application]:
    return (
        Application.objects.filter(
            status__in=[ApplicationStatus.APPROVED, ApplicationStatus.DECLINED]
        )
        .select_related("decided_by", "member")
        .annotate(mail_failed=_mail_failed())
        .order_by("-decided_at", "-pk")[:limit]
    )


@dataclass(frozen=True)
class CurrentGuidelines:
    body_ja: str
    body_en: str
    html_ja: SafeString
    html_en: SafeString
    version: object  # the row's updated_at; None for the default

    def html(self, language: str) -> SafeString:
        return self.html_ja if language == "ja" else self.html_en


def current_guidelines() -> CurrentGuidelines:
    row = Guidelines.objects.first()
    if row is None:
        ja, en = default_guidelines("ja"), default_guidelines("en")
        return CurrentGuidelines(
            body_ja=ja,
            body_en=en,
            # Sanitised like every Markdown of the product (nh3's allow-list).
            html_ja=mark_safe(render_markdown(ja)),
            html_en=mark_safe(render_markdown(en)),
            version=None,
        )
    return CurrentGuidelines(
        body_ja=row.body_ja,
        body_en=row.body_en,
        html_ja=mark_safe(row.html_ja),
        html_en=mark_safe(row.html_en),
        version=row.updated_at,
    )


class InviteState:
    OK = "ok"
    BROKEN = "broken"
    EXPIRED = "expired"
    USED = "used"


def invitation(token: str) -> tuple[str, Application | None]:
    """What an invitation link leads to: (state, its application when the link is sound)."""
    try:
        application_id, nonce = tokens.read_invite_token(token or "")
    except tokens.Broken:
        return InviteState.BROKEN, None
    application = Application.objects.filter(
        pk=application_id, status=ApplicationStatus.APPROVED
    ).first()
    if application is None or not nonce or application.invite_nonce != nonce:
        return InviteState.BROKEN, None
    if application.invite_used_at is not None:
        return InviteState.USED, application
    if application.invite_expires_at is None or application.invite_expires_at <= timezone.now():
        return InviteState.EXPIRED, application
    return InviteState.OK, application
