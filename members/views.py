"""A member's profile page and their own settings."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from proposals import selectors
from proposals.web.forms import apply_service_errors

from . import services
from .forms import ApiTokenForm, ProfileForm
from .models import User


@login_required
@require_GET
def profile(request: HttpRequest, username: str) -> HttpResponse:
    member = get_object_or_404(User, username=username, is_active=True)
    context = {
        "member": member,
        "proposals": selectors.member_proposals(member=member),
        "teams": selectors.member_teams(member=member),
        "is_me": member.pk == request.user.pk,
    }
    return render(request, "members/profile.html", context)


def _settings_context(request: HttpRequest, **overrides) -> dict:
    return {
        "form": ProfileForm.for_user(request.user),
        "token_form": ApiTokenForm(),
        "tokens": request.user.api_tokens.order_by("-created_at"),
        "new_token": None,
        "slack_sign_in": bool(settings.SLACK_CLIENT_ID),
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
                slack_user_id=data["slack_user_id"],
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
