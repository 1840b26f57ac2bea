"""Asking to join: the public form, the address confirmation, the invitation link that opens
sign-up, and the moderators' page. Thin: parse, call the service, render."""

from functools import wraps

from allauth.account.adapter import get_adapter
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from proposals.web.errors import forbidden

from .. import permissions, selectors, services
from ..errors import ApplicationError, BadLink, Refused
from ..guidelines import default_decline_text
from ..invitations import INVITE_SESSION_KEY
from ..models import Application
from .forms import ApplicationForm, DecisionForm, GuidelinesForm, started_stamp


def _language() -> str:
    return "ja" if (get_language() or "").startswith("ja") else "en"


def _apply_page(request: HttpRequest, form: ApplicationForm, *, refusal: str = "", status=200):
    if form.is_bound:
        # A fresh start time for the next try (the one sent was used, or refused).
        form.data = form.data.copy()
        form.data["started"] = started_stamp()
    context = {
        "form": form,
        "refusal": refusal,
        "guidelines": selectors.current_guidelines().html(_language()),
    }
    return render(request, "applications/apply.html", context, status=status)


@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest) -> HttpResponse:
    themes = selectors.suggested_themes()
    if request.method == "GET":
        return _apply_page(request, ApplicationForm(themes=themes))
    form = ApplicationForm(request.POST, themes=themes)
    refusal = form.refusal()
    if refusal:
        return _apply_page(request, form, refusal=refusal)
    if not form.is_valid():
        return _apply_page(request, form)
    data = form.cleaned_data
    try:
        services.application_submit(
            name=data["name"],
            email=data["email"],
            call_name=data["call_name"],
            interests=data["interests"],
            hopes=data["hopes"],
            found_us=data["found_us"],
            language=_language(),
            agreed=data["agree"],
            ip=request.META.get("REMOTE_ADDR", ""),
        )
    except ValidationError as error:
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return _apply_page(request, form)
    except Refused as refused:
        return _apply_page(request, form, refusal=refused.message, status=refused.status)
    return redirect("applications:sent")


@require_GET
def sent(request: HttpRequest) -> HttpResponse:
    return render(request, "applications/sent.html")


@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks (mail scanners open links; only a person presses the button), POST confirms."""
    if request.method == "GET":
        return render(request, "applications/confirm.html", {"token": token})
    try:
        services.application_confirm(token=token)
    except BadLink as error:
        return render(request, "applications/link_problem.html", {"message": error.message})
    return render(request, "applications/confirmed.html")


@require_GET
def join(request: HttpRequest, token: str) -> HttpResponse:
    """The invitation's link: it opens the sign-up page for its address (kept in the session
    until sign-up; members.adapters checks it again there and uses it up)."""
    state, application = selectors.invitation(token)
    if state != selectors.InviteState.OK:
        return render(
            request,
            "applications/link_problem.html",
            {"message": _invitation_problem(state), "state": state},
            status=410 if state != selectors.InviteState.BROKEN else 400,
        )
    request.session[INVITE_SESSION_KEY] = token
    # allauth fills in the address on the sign-up form, and counts it as verified: the
    # applicant confirmed it before.
    get_adapter(request).stash_verified_email(request, application.email)
    return redirect("account_signup")


def _invitation_problem(state: str) -> str:
    if state == selectors.InviteState.USED:
        return _(
            "This invitation has already been used to create an account. If it was you, please "
            "log in."
        )
    if state == selectors.InviteState.EXPIRED:
        return _(
            "This invitation has ended. Please reply to the invitation email, and a moderator "
            "will gladly send you a new one."
        )
    return _("This link does not look complete. Please copy the whole link from the email.")


# --- the moderators ---------------------------------------------------------------------------


def moderators_only(view):
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?next={request.path}")
        if not permissions.can_review_applications(request.user):
            return forbidden(request, _("This page is for the community's moderators."))
        return view(request, *args, **kwargs)

    return wrapper


@require_GET
@moderators_only
def review(request: HttpRequest) -> HttpResponse:
    waiting = list(selectors.waiting_applications())
    for application in waiting:
        application.decline_default = default_decline_text(
            language=application.language, call_name=application.call_name
        )
    context = {"waiting": waiting, "decided": selectors.recent_decisions()}
    return render(request, "applications/review.html", context)


def _back(application_id: int | None = None) -> HttpResponse:
    anchor = f"#application-{application_id}" if application_id else ""
    return redirect(reverse("applications:review") + anchor)


def _decide(request: HttpRequest, pk: int, act) -> HttpResponse:
    application = get_object_or_404(Application, pk=pk)
    try:
        done = act(application)
    except ValidationError as error:
        messages.warning(request, " ".join(error.messages))
        return _back(pk)
    except ApplicationError as error:
        messages.warning(request, error.message)
        return _back(pk)
    messages.success(request, done)
    return _back()


@require_POST
@moderators_only
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    def act(application):
        services.application_approve(application=application, by=request.user)
        return _("%(name)s is invited. The sign-up link is on its way.") % {
            "name": application.name
        }

    return _decide(request, pk, act)


@require_POST
@moderators_only
def reinvite(request: HttpRequest, pk: int) -> HttpResponse:
    def act(application):
        services.application_reinvite(application=application, by=request.user)
        return _("A new sign-up link is on its way to %(name)s.") % {"name": application.name}

    return _decide(request, pk, act)


def _text(request: HttpRequest) -> str:
    form = DecisionForm(request.POST)
    if not form.is_valid():
        raise ValidationError(form.errors["text"])
    return form.cleaned_data["text"]


@require_POST
@moderators_only
def decline(request: HttpRequest, pk: int) -> HttpResponse:
    def act(application):
        services.application_decline(application=application, by=request.user, text=_text(request))
        return _("You answered %(name)s kindly.") % {"name": application.name}

    return _decide(request, pk, act)


@require_POST
@moderators_only
def ask(request: HttpRequest, pk: int) -> HttpResponse:
    def act(application):
        services.application_ask(application=application, by=request.user, text=_text(request))
        return _("Your question is on its way to %(name)s. Their answer comes by email.") % {
            "name": application.name
        }

    return _decide(request, pk, act)


@require_http_methods(["GET", "POST"])
@moderators_only
def guidelines(request: HttpRequest) -> HttpResponse:
    current = selectors.current_guidelines()
    if request.method == "GET":
        form = GuidelinesForm(initial={"body_ja": current.body_ja, "body_en": current.body_en})
        return render(request, "applications/guidelines.html", {"form": form, "current": current})
    form = GuidelinesForm(request.POST)
    if form.is_valid():
        try:
            services.guidelines_save(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("The guidelines are saved. New applicants see them now."))
            return redirect("applications:guidelines")
    return render(request, "applications/guidelines.html", {"form": form, "current": current})
