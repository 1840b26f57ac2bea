"""The notification list (grouped by proposal, a page at a time), mark read, and email preferences.

Thin, as everywhere. htmx gets partials: "show older" the next page, "mark read" the item as it
reads now, and both "mark read"s the navigation's unread badge (swapped out of band).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.middleware import HtmxDetails

from proposals import services as proposal_services
from proposals.errors import ActionNotPermitted
from proposals.models import Proposal
from proposals.web.errors import forbidden

from . import selectors, services
from .context_processors import nav_badge
from .events import EmailMode
from .models import Delivery


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def _live_state(user) -> dict:
    """What every answer to a "mark read" carries: the unread count, and the badge to swap in."""
    unread = selectors.unread_count(user=user)
    return {"unread": unread, "badge": nav_badge(user, count=unread, oob=True)}


def _first_page(request: HtmxHttpRequest, template: str) -> HttpResponse:
    page = selectors.notification_page(user=request.user)
    return render(request, template, {"page": page, **_live_state(request.user)})


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
    """The first page; ?older_than=N the page after notification N ("show older")."""
    older_than = request.GET.get("older_than", "")
    if not older_than:
        return _first_page(request, "workers/list.html")
    # A number, and one that fits the database's ids (PostgreSQL refuses a longer one).
    if not (older_than.isascii() and older_than.isdigit() and len(older_than) <= 18):
        return HttpResponseBadRequest(_("“older_than” must be a notification number."))
    try:
        page = selectors.notification_page(user=request.user, older_than=int(older_than))
    except Delivery.DoesNotExist as error:
        raise Http404(_("There is no such notification.")) from error
    if request.htmx:
        return render(request, "workers/list.html#page", {"page": page})
    return render(request, "workers/list.html", {"page": page, **_live_state(request.user)})


@login_required
@require_POST
def notification_read(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    services.notification_mark_read(user=request.user, delivery_id=pk)
    if not request.htmx:
        return redirect(_back_to(request))
    item = selectors.notification(user=request.user, delivery_id=pk)
    if item is None:
        raise Http404(_("There is no such notification."))
    return render(request, "workers/read.html", {"item": item, **_live_state(request.user)})


@login_required
@require_POST
def notification_read_all(request: HtmxHttpRequest) -> HttpResponse:
    proposal = request.POST.get("proposal", "")
    services.notification_mark_all_read(
        user=request.user,
        proposal_id=int(proposal)
        if proposal.isascii() and proposal.isdigit() and len(proposal) < 19
        else None,
    )
    if request.htmx:
        return _first_page(request, "workers/read_all.html")
    return redirect("workers:list")


@login_required
@require_POST
def still_going(request: HtmxHttpRequest, proposal_id: int) -> HttpResponse:
    """The answer to a gentle nudge. Pausing is the proposal page's own "Pause (archive)"."""
    proposal = get_object_or_404(Proposal, pk=proposal_id)
    try:
        proposal_services.proposal_still_going(proposal=proposal, by=request.user)
    except ActionNotPermitted as error:
        return forbidden(request, error.message)
    services.notification_mark_all_read(user=request.user, proposal_id=proposal.pk)
    messages.success(request, _("Good to hear! We'll check in again after a quiet while."))
    return redirect("workers:list")


@login_required
@require_http_methods(["GET", "POST"])
def email_settings(request: HtmxHttpRequest) -> HttpResponse:
    # The Slack DM choices are shown (and taken) only once the member has linked Slack.
    slack_linked = bool(request.user.slack_user_id)
    if request.method == "POST":
        services.email_preferences_set(
            user=request.user,
            modes={
                key[5:]: value for key, value in request.POST.items() if key.startswith("mode-")
            },
        )
        if slack_linked:
            # Each kind sends "off" (a hidden field), then "on" when its box is ticked.
            services.slack_dm_preferences_set(
                user=request.user,
                choices={
                    key[3:]: request.POST.getlist(key)[-1] == "on"
                    for key in request.POST
                    if key.startswith("dm-")
                },
            )
        messages.success(request, _("Your email choices are saved."))
        return redirect("workers:email_settings")
    return render(
        request,
        "workers/email_settings.html",
        {
            "rows": selectors.email_preferences(user=request.user),
            "modes": EmailMode.choices,
            "slack_linked": slack_linked,
        },
    )
