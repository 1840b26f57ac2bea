"""The notification list (grouped by proposal), mark read, and email preferences. Thin, as everywhere."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.middleware import HtmxDetails

from proposals import services as proposal_services
from proposals.errors import ActionNotPermitted
from proposals.models import Proposal

from . import selectors, services
from .events import EmailMode


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def _list(request: HtmxHttpRequest) -> HttpResponse:
    template = "workers/list.html#notifications" if request.htmx else "workers/list.html"
    return render(request, template, {"groups": selectors.notification_groups(user=request.user)})


def _back_to(request: HttpRequest) -> str:
    """Where to go after marking read: a page of this site (a relative path), else the list."""
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "workers:list"


@login_required
@require_GET
def notification_list(request: HtmxHttpRequest) -> HttpResponse:
    return _list(request)


@login_required
@require_POST
def notification_read(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    services.notification_mark_read(user=request.user, delivery_id=pk)
    if request.htmx:
        return _list(request)
    return redirect(_back_to(request))


@login_required
@require_POST
def notification_read_all(request: HtmxHttpRequest) -> HttpResponse:
    proposal = request.POST.get("proposal", "")
    services.notification_mark_all_read(
        user=request.user,
        proposal_id=int(proposal) if proposal.isascii() and proposal.isdigit() else None,
    )
    if request.htmx:
        return _list(request)
    return redirect("workers:list")


@login_required
@require_POST
def still_going(request: HtmxHttpRequest, proposal_id: int) -> HttpResponse:
    """The answer to a gentle nudge. Pausing is the proposal page's own "Pause (archive)"."""
    proposal = get_object_or_404(Proposal, pk=proposal_id)
    try:
        proposal_services.proposal_still_going(proposal=proposal, by=request.user)
    except ActionNotPermitted as error:
        return HttpResponseForbidden(error.message)
    services.notification_mark_all_read(user=request.user, proposal_id=proposal.pk)
    messages.success(request, _("Good to hear! We'll check in again after a quiet while."))
    return redirect("workers:list")


@login_required
@require_http_methods(["GET", "POST"])
def email_settings(request: HtmxHttpRequest) -> HttpResponse:
    if request.method == "POST":
        services.email_preferences_set(
            user=request.user,
            modes={
                key[5:]: value for key, value in request.POST.items() if key.startswith("mode-")
            },
        )
        messages.success(request, _("Your email choices are saved."))
        return redirect("workers:email_settings")
    return render(
        request,
        "workers/email_settings.html",
        {"rows": selectors.email_preferences(user=request.user), "modes": EmailMode.choices},
    )
