"""A member's profile page and their own settings, including the linked Slack account."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from proposals import selectors as proposal_selectors
from proposals.web.forms import apply_service_errors

from . import data_export, selectors, services, suggestions
from .forms import AccountDeleteForm, ApiTokenForm, OnboardingForm, ProfileForm
from .models import User


@login_required
@require_GET
def directory(request: HttpRequest) -> HttpResponse:
    """The members page: who is here, what they care about, what they share with you."""
    filters = selectors.DirectoryFilters.from_params(request.GET)
    members = selectors.directory_members(viewer=request.user, filters=filters)
    page = Paginator(members, selectors.DIRECTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "cards": selectors.directory_cards(viewer=request.user, members=page.object_list),
        "filters": filters,
        "is_filtered": bool(filters.as_params()),
        "themes": proposal_selectors.board_themes(user=request.user),
    }
    return render(request, "members/directory.html", context)


@login_required
@require_GET
def profile(request: HttpRequest, username: str) -> HttpResponse:
    former = User.objects.filter(username=username, is_active=False).first()
    if former is not None and former.is_former:
        # Their name is linked where they took part: the link says kindly that they have left.
        return render(request, "members/former.html", {"member": former})
    member = get_object_or_404(User, username=username, is_active=True)
    if not selectors.can_see_profile(viewer=request.user, member=member):
        raise Http404
    context = {
        "member": member,
        "proposals": proposal_selectors.member_proposals(member=member),
        "teams": proposal_selectors.member_teams(member=member),
        "is_me": member.pk == request.user.pk,
        # Only on one's own page: what fits them is theirs to see.
        "looking_for_you": (
            suggestions.teams_for_member(member=member) if member.pk == request.user.pk else []
        ),
        "invitations": (
            list(proposal_selectors.open_invitations_for(user=member))
            if member.pk == request.user.pk
            else []
        ),
    }
    return render(request, "members/profile.html", context)


def _settings_context(request: HttpRequest, **overrides) -> dict:
    return {
        "form": ProfileForm.for_user(request.user),
        "token_form": ApiTokenForm(),
        "tokens": request.user.api_tokens.order_by("-created_at"),
        "new_token": None,
        "slack_sign_in": bool(settings.SLACK_CLIENT_ID),
        # The slash command reaches us over HTTP (signed) or Socket Mode (the app-level token).
        "slack_command": (
            settings.SLACK_COMMAND
            if settings.SLACK_SIGNING_SECRET or settings.SLACK_APP_TOKEN
            else ""
        ),
        "paused_until": selectors.notifications_paused_until(user=request.user),
        **overrides,
    }


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return render(request, "members/settings.html", _settings_context(request))
    form = ProfileForm.for_user(request.user, data=request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.profile_update(
                user=request.user,
                display_name=data["display_name"],
                bio=data["bio"],
                interests=form.interest_names,
                skills=data["skills"],
                availability=data["availability"],
                preferred_language=data["preferred_language"],
                time_zone=data["time_zone"],
                profile_visibility=data["profile_visibility"] or None,
                open_to_suggestions=data["open_to_suggestions"],
                show_name_to_visitors=data["show_name_to_visitors"],
                introductions=data["introductions"] or None,
            )
        except ValidationError as error:
            apply_service_errors(form, error, {})
        else:
            messages.success(request, _("Your settings are saved."))
            response = redirect("members:settings")
            # The saved language takes effect now, also over an earlier choice in the switcher.
            if data["preferred_language"]:
                response.set_cookie(
                    settings.LANGUAGE_COOKIE_NAME,
                    data["preferred_language"],
                    max_age=settings.LANGUAGE_COOKIE_AGE,
                    samesite="Lax",
                )
            else:
                response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
            return response
    request.user.refresh_from_db()
    return render(
        request, "members/settings.html", _settings_context(request, form=form), status=400
    )


@never_cache
@login_required
@require_POST
def api_token_create(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        context = _settings_context(request, token_form=form)
        return render(request, "members/settings.html", context, status=400)
    _token, raw = services.api_token_create(user=request.user, name=form.cleaned_data["name"])
    # Shown once, on this response only: only its hash is stored.
    return render(request, "members/settings.html", _settings_context(request, new_token=raw))


@login_required
@require_POST
def api_token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    if services.api_token_revoke(user=request.user, token_id=token_id):
        messages.success(request, _("The token is revoked; it no longer works."))
    else:
        messages.warning(request, _("That token was already gone."))
    return redirect("members:settings")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def slack_connect(request: HttpRequest, token: str) -> HttpResponse:
    """The link the slash command sent to one Slack user. Opening it asks first (a GET changes
    nothing, so nobody can link their Slack account to someone else's by a planted link)."""
    context = {"token": token, "slack_user_id": "", "error": ""}
    try:
        context["slack_user_id"] = services.slack_link_identity(token=token)
        if request.method == "POST":
            services.slack_link_from_token(user=request.user, token=token)
            messages.success(request, _("Your Slack account is connected."))
            return redirect(reverse("members:settings") + "#slack")
        if selectors.slack_account_holder(
            slack_user_id=context["slack_user_id"], exclude=request.user
        ):
            raise ValidationError(_("This Slack account is already linked to another member."))
    except ValidationError as error:
        context["error"] = error.messages[0]
        return render(request, "members/slack_connect.html", context, status=400)
    context["already"] = request.user.slack_user_id == context["slack_user_id"]
    return render(request, "members/slack_connect.html", context)


@login_required
@require_POST
def notifications_pause(request: HttpRequest) -> HttpResponse:
    """Pause notifications for a week, or resume them (the same as the Slack App Home's button)."""
    if request.POST.get("pause") == "1":
        services.notifications_pause(user=request.user)
        messages.success(request, _("Notifications are paused for a week. Enjoy the quiet."))
    else:
        services.notifications_resume(user=request.user)
        messages.success(request, _("Notifications are back on."))
    return redirect(reverse("members:settings") + "#email")


@login_required
@require_POST
def slack_disconnect(request: HttpRequest) -> HttpResponse:
    try:
        services.slack_unlink(user=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("Slack is disconnected."))
    return redirect(reverse("members:settings") + "#slack")


# --- the first steps after sign-up ---------------------------------------------------------------


def _next_step(step: str) -> str | None:
    steps = services.ONBOARDING_STEPS
    index = steps.index(step) + 1
    return steps[index] if index < len(steps) else None


def _after_step(request: HttpRequest, step: str) -> HttpResponse:
    following = _next_step(step)
    if following is not None:
        return redirect(f"{reverse('members:onboarding')}?step={following}")
    messages.success(request, _("Welcome! Here are teams that are looking for someone like you."))
    return redirect(services.SUITED_BOARD)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def onboarding(request: HttpRequest) -> HttpResponse:
    """A few short steps, each one skippable, and "skip all" on every one of them."""
    step = request.GET.get("step") or services.ONBOARDING_STEPS[0]
    if step not in services.ONBOARDING_STEPS:
        step = services.ONBOARDING_STEPS[0]
    offer_slack = services.self_introduction_can_share()
    if request.method == "POST" and "skip" in request.POST:
        return _after_step(request, step)
    form = OnboardingForm.for_step(
        request.user, step, offer_slack=offer_slack, data=request.POST or None
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            changes = {
                "name": lambda: {"display_name": data["display_name"]},
                "introduction": lambda: {
                    "bio": data["bio"],
                    "share_introduction": data.get("share_introduction", False),
                },
                "interests": lambda: {"interests": form.interest_names},
                "availability": lambda: {"availability": data["availability"]},
            }[step]()
            try:
                services.onboarding_step_save(user=request.user, **changes)
            except ValidationError as error:
                apply_service_errors(form, error, {})
            else:
                return _after_step(request, step)
        request.user.refresh_from_db()
        status = 400
    steps = services.ONBOARDING_STEPS
    context = {
        "form": form,
        "step": step,
        "number": steps.index(step) + 1,
        "count": len(steps),
        "is_last": _next_step(step) is None,
        "suited_board": services.SUITED_BOARD,
    }
    return render(request, "members/onboarding.html", context, status=status)


# --- privacy: my data, and deleting my account -----------------------------------------------------


@never_cache
@login_required
@require_GET
def data_download(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(
        data_export.member_data_json(user=request.user),
        content_type="application/json; charset=utf-8",
    )
    filename = data_export.member_data_filename(user=request.user)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def account_delete(request: HttpRequest) -> HttpResponse:
    """Asks first, in plain words; only the member's own username typed again deletes."""
    form = AccountDeleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.member_delete(
                user=request.user, confirmation=form.cleaned_data["confirmation"]
            )
        except ValidationError as error:
            apply_service_errors(form, error, {})
        else:
            logout(request)
            messages.success(
                request,
                _(
                    "Your account is deleted. Thank you for everything you gave the "
                    "community; you are welcome back any time."
                ),
            )
            return redirect("/")
    status = 400 if request.method == "POST" else 200
    return render(request, "members/account_delete.html", {"form": form}, status=status)
