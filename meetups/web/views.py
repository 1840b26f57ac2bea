"""Meetup pages. Thin: parse a form, call a service or selector, render; htmx gets a partial."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from proposals.markdown import render_markdown
from proposals.models import Proposal
from proposals.web.forms import apply_service_errors

from .. import ics, permissions, selectors, services
from ..choices import RsvpStatus
from ..errors import ActionConflict, ActionNotPermitted
from ..models import Meetup
from .forms import AnswerForm, AttendanceForm, CancelForm, MeetupForm, MonthForm


def _forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "403.html", {"message": message}, status=403)


def domain_errors(view):
    """Refusals become a 403 page; a conflict goes back to the meetup, which shows the truth."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except ActionNotPermitted as error:
            return _forbidden(request, error.message)
        except ActionConflict as error:
            messages.warning(request, error.message)
            return redirect("meetups:detail", kwargs["pk"])

    return wrapper


def _meetup_or_404(request: HttpRequest, pk: int) -> Meetup:
    meetup = selectors.meetup_for(user=request.user, pk=pk)
    if meetup is None:
        raise Http404
    return meetup


def _zone_name() -> str:
    return str(timezone.get_current_timezone_name())


# Lists and the month


@login_required
@require_GET
def meetup_list(request: HttpRequest) -> HttpResponse:
    showing_past = request.GET.get("when") == "past"
    meetups = (
        selectors.past(user=request.user) if showing_past else selectors.upcoming(user=request.user)
    )
    return render(
        request,
        "meetups/list.html",
        {"meetups": meetups, "showing_past": showing_past, "zone": _zone_name()},
    )


@login_required
@require_GET
def meetup_month(request: HttpRequest, year: int | None = None, month: int | None = None):
    if year is None or month is None:
        today = timezone.localdate()
        year, month = today.year, today.month
    form = MonthForm({"year": year, "month": month})
    if not form.is_valid():
        raise Http404
    grid = selectors.month(user=request.user, year=year, month=month)
    return render(request, "meetups/month.html", {"grid": grid, "zone": _zone_name()})


# One meetup


def _page_context(request: HttpRequest, meetup: Meetup) -> dict:
    page = selectors.meetup_page(user=request.user, meetup=meetup)
    entry = ics.Entry(meetup=meetup, online_url=meetup.online_url if page.can_see_link else "")
    return {
        "page": page,
        "meetup": meetup,
        "google_url": ics.google_calendar_url(entry),
        "zone": _zone_name(),
        "answers": AnswerForm.base_fields["answer"].choices,
    }


@login_required
@require_GET
def meetup_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meetup = _meetup_or_404(request, pk)
    return render(request, "meetups/detail.html", _page_context(request, meetup))


@login_required
@require_POST
@domain_errors
def meetup_answer(request: HttpRequest, pk: int) -> HttpResponse:
    meetup = _meetup_or_404(request, pk)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please choose going, maybe or can't."))
        return redirect(meetup)
    rsvp = services.meetup_answer(
        meetup=meetup,
        user=request.user,
        answer=form.cleaned_data["answer"],
        remind=form.cleaned_data["remind"],
    )
    meetup.refresh_from_db()
    if rsvp.status == RsvpStatus.WAITLISTED:
        notice = _(
            "It is full for now: you are on the waiting list. We will tell you if a place opens up."
        )
    elif rsvp.status == RsvpStatus.GOING:
        notice = _("See you there!")
    elif rsvp.remind_if_maybe:
        notice = _("Thank you for letting us know. We will remind you before it starts.")
    else:
        notice = _("Thank you for letting us know.")
    if getattr(request, "htmx", False):
        context = _page_context(request, meetup) | {"notice": notice}
        return render(request, "meetups/detail.html#rsvp", context)
    messages.success(request, notice)
    return redirect(meetup)


@login_required
@require_POST
@domain_errors
def meetup_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    meetup = _meetup_or_404(request, pk)
    form = AttendanceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please choose whether they came."))
        return redirect(meetup)
    services.meetup_mark_attendance(
        meetup=meetup,
        by=request.user,
        user_id=form.cleaned_data["user"],
        attended=form.cleaned_data["attended"],
    )
    messages.success(request, _("Saved."))
    return redirect(reverse("meetups:detail", args=[meetup.pk]) + "#people")


# Create, edit, cancel


def _team_proposals(user, *, keep: int | None = None):
    """The proposals a meetup may be for: the person's teams, and the one it is for already."""
    ids = selectors.team_proposal_ids(user=user) | ({keep} if keep else set())
    return Proposal.objects.filter(pk__in=ids).order_by("-last_activity_at")


def _render_form(request, form, *, meetup=None, preview=None, status=200):
    context = {"form": form, "meetup": meetup, "preview": preview, "zone": _zone_name()}
    return render(request, "meetups/form.html", context, status=status)


def _preview(request: HttpRequest) -> str:
    return render_markdown(request.POST.get("description", "")[:20_000])


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors
def meetup_create(request: HttpRequest) -> HttpResponse:
    proposals = _team_proposals(request.user)
    if request.method == "GET":
        initial = {"reminder_minutes": [24 * 60, 60]}
        wanted = request.GET.get("proposal", "")
        if wanted.isdigit() and proposals.filter(pk=int(wanted)).exists():
            initial["proposal"] = int(wanted)
        form = MeetupForm(
            initial=initial,
            proposals=proposals,
            zone_name=_zone_name(),
            suggested_themes=selectors.suggested_themes(),
        )
        return _render_form(request, form)
    form = MeetupForm(
        request.POST,
        proposals=proposals,
        zone_name=_zone_name(),
        suggested_themes=selectors.suggested_themes(),
    )
    if "preview" in request.POST:
        return _render_form(request, form, preview=_preview(request))
    if form.is_valid():
        try:
            meetup = services.meetup_create(
                by=request.user,
                proposal=form.cleaned_data["proposal"],
                co_hosts=form.cleaned_data["co_hosts"],
                **form.service_fields,
            )
        except ValidationError as error:
            apply_service_errors(form, error, {})
        else:
            messages.success(request, _("Your meetup is up. Thank you for hosting!"))
            return redirect(meetup)
    return _render_form(request, form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors
def meetup_edit(request: HttpRequest, pk: int) -> HttpResponse:
    meetup = _meetup_or_404(request, pk)
    if not permissions.can_edit(request.user, meetup):
        return _forbidden(request, _("Only the hosts or a moderator can edit this meetup."))
    proposals = _team_proposals(request.user, keep=meetup.proposal_id)
    themes = selectors.suggested_themes(keep=meetup.themes)
    if request.method == "GET":
        form = MeetupForm.for_meetup(
            meetup,
            proposals=proposals,
            zone_name=_zone_name(),
            suggested_themes=themes,
            editing=True,
        )
        return _render_form(request, form, meetup=meetup)
    form = MeetupForm(
        request.POST,
        proposals=proposals,
        zone_name=_zone_name(),
        suggested_themes=themes,
        editing=True,
    )
    if "preview" in request.POST:
        return _render_form(request, form, meetup=meetup, preview=_preview(request))
    if form.is_valid():
        try:
            meetup = services.meetup_update(
                meetup=meetup,
                by=request.user,
                hosts=form.cleaned_data["co_hosts"],
                proposal=form.cleaned_data["proposal"],
                **form.service_fields,
            )
        except ValidationError as error:
            apply_service_errors(form, error, {})
        else:
            messages.success(request, _("Saved. People's calendars will show the change."))
            return redirect(meetup)
    return _render_form(request, form, meetup=meetup, status=400)


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors
def meetup_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    meetup = _meetup_or_404(request, pk)
    if not permissions.can_cancel(request.user, meetup):
        return _forbidden(request, _("Only the hosts or a moderator can cancel this meetup."))
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.meetup_cancel(meetup=meetup, by=request.user, note=form.cleaned_data["note"])
        messages.success(
            request, _("The meetup is cancelled. Everyone who answered will hear of it.")
        )
        return redirect(meetup)
    status = 400 if request.method == "POST" else 200
    return render(request, "meetups/cancel.html", {"meetup": meetup, "form": form}, status=status)
