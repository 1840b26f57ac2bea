"""The moderators' page and its actions. Thin: check, call the service, go back with a message."""

from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from proposals import permissions
from proposals import services as proposal_services
from proposals.errors import ProposalError
from proposals.models import Comment, Membership, Proposal
from proposals.web.errors import forbidden
from proposals.web.forms import DecisionForm, TransitionForm
from workers import outbox

from . import selectors


def moderators_only(view):
    """Signed in and a moderator; anyone else is told plainly that the page is not for them."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?next={request.path}")
        if not permissions.is_moderator(request.user):
            return forbidden(request, _("This page is for the community's moderators."))
        return view(request, *args, **kwargs)

    return wrapper


def _back(section: str) -> HttpResponse:
    return redirect(f"{reverse('moderation:page')}#{section}")


def _refused(request: HttpRequest, error: ProposalError | ValidationError, section: str):
    text = error.message if isinstance(error, ProposalError) else " ".join(error.messages)
    messages.warning(request, text)
    return _back(section)


@require_GET
@moderators_only
def moderation_page(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "").replace("\x00", "").strip()[:100]
    context = {
        "applications": selectors.pending_applications(),
        "comments": selectors.recent_comments(),
        "hidden": selectors.hidden_comments(),
        "proposals": selectors.movable_proposals(user=request.user, text=search),
        "search": search,
        "deliveries": selectors.failed_deliveries(),
    }
    return render(request, "moderation/page.html", context)


@require_POST
@moderators_only
def comment_visibility(request: HttpRequest, comment_id: int) -> HttpResponse:
    comment = get_object_or_404(Comment.objects.select_related("proposal"), pk=comment_id)
    hidden = request.POST.get("hidden") == "1"
    try:
        proposal_services.comment_set_hidden(comment=comment, by=request.user, hidden=hidden)
    except ProposalError as error:
        return _refused(request, error, "comments")
    messages.success(
        request,
        _("The comment is hidden.") if hidden else _("The comment is shown again."),
    )
    return _back("comments")


@require_POST
@moderators_only
def proposal_move(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = get_object_or_404(Proposal, pk=pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.warning(request, _("That move is not possible. Please have a look and try again."))
        return _back("proposals")
    try:
        moved = proposal_services.proposal_transition(
            proposal=proposal,
            to=form.cleaned_data["to"],
            by=request.user,
            note=form.cleaned_data["note"],
            seen_status=form.cleaned_data["seen_status"],
        )
    except (ProposalError, ValidationError) as error:
        return _refused(request, error, "proposals")
    messages.success(
        request,
        _("“%(title)s” moved to “%(stage)s”.")
        % {"title": moved.title, "stage": moved.get_status_display()},
    )
    return _back("proposals")


@require_POST
@moderators_only
def delivery_retry(request: HttpRequest) -> HttpResponse:
    ids = [
        int(value)
        for value in request.POST.getlist("delivery")
        if value.isascii() and value.isdigit() and len(value) <= 18
    ]
    count = outbox.retry_now(ids)
    if count:
        messages.success(
            request,
            ngettext(
                "%(count)d message is on its way again.",
                "%(count)d messages are on their way again.",
                count,
            )
            % {"count": count},
        )
    else:
        messages.warning(
            request, _("Nothing to retry: those messages were sent or are being sent.")
        )
    return _back("deliveries")


def _answer(request: HttpRequest, membership_id: int, service, done: str) -> HttpResponse:
    membership = get_object_or_404(
        Membership.objects.select_related("proposal", "user"), pk=membership_id
    )
    form = DecisionForm(request.POST)
    if not form.is_valid():  # nothing is decided on words the moderator did not mean to send
        messages.warning(request, " ".join(m for errors in form.errors.values() for m in errors))
        return _back("applications")
    try:
        service(membership=membership, by=request.user, response=form.cleaned_data["response"])
    except (ProposalError, ValidationError) as error:
        return _refused(request, error, "applications")
    messages.success(
        request,
        done % {"name": membership.user.public_name, "title": membership.proposal.title},
    )
    return _back("applications")


@require_POST
@moderators_only
def application_accept(request: HttpRequest, membership_id: int) -> HttpResponse:
    return _answer(
        request,
        membership_id,
        proposal_services.membership_accept,
        _("%(name)s is on the team of “%(title)s” now."),
    )


@require_POST
@moderators_only
def application_decline(request: HttpRequest, membership_id: int) -> HttpResponse:
    return _answer(
        request,
        membership_id,
        proposal_services.membership_decline,
        _("You answered %(name)s kindly."),
    )
