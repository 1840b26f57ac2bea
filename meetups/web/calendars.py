"""Calendars: a meetup's .ics, the member's private feed (by its token) and the community's feed.

Feeds are read by calendar apps, which carry no session: the private feed is opened by its token
alone (404 for an unknown or revoked one), the community feed lists community meetups without
their online links or descriptions (anyone with the address can read it)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from .. import ics, permissions, selectors, services
from ..models import Meetup
from .views import _meetup_or_404

CALENDAR_TYPE = "text/calendar; charset=utf-8"


def _ics_response(body: bytes, *, filename: str, download: bool) -> HttpResponse:
    response = HttpResponse(body, content_type=CALENDAR_TYPE)
    disposition = "attachment" if download else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["Cache-Control"] = "private, no-cache"
    return response


def _entry_for(user, meetup: Meetup, rsvp=None, host_ids=None) -> ics.Entry:
    shown = permissions.can_see_online_link(user, meetup, rsvp=rsvp, host_ids=host_ids)
    return ics.Entry(meetup=meetup, online_url=meetup.online_url if shown else "")


@login_required
@require_GET
def meetup_ics(request: HttpRequest, pk: int) -> HttpResponse:
    meetup = _meetup_or_404(request, pk)
    rsvp = selectors.own_answers(user=request.user, meetup_ids=[meetup.pk]).get(meetup.pk)
    body = ics.calendar([_entry_for(request.user, meetup, rsvp)], name=meetup.title)
    return _ics_response(body, filename=f"meetup-{meetup.pk}.ics", download=True)


@login_required
@require_GET
def calendars_page(request: HttpRequest) -> HttpResponse:
    feed = selectors.live_feed(user=request.user)
    context = {
        "feed_url": request.build_absolute_uri(reverse("meetups:personal_feed", args=[feed.token]))
        if feed
        else "",
        # The community's meetups are for its members too: the same private token opens them.
        "community_url": request.build_absolute_uri(
            reverse("meetups:community_feed", args=[feed.token])
        )
        if feed
        else "",
    }
    return render(request, "meetups/calendars.html", context)


@login_required
@require_POST
def feed_renew(request: HttpRequest) -> HttpResponse:
    had_one = selectors.live_feed(user=request.user) is not None
    services.meetup_feed_renew(user=request.user)
    messages.success(
        request,
        _("Here is your new calendar address. The old one no longer works.")
        if had_one
        else _("Here is your calendar address. Add it to your calendar app."),
    )
    return redirect("meetups:calendars")


@login_required
@require_POST
def feed_revoke(request: HttpRequest) -> HttpResponse:
    if services.meetup_feed_revoke(user=request.user):
        messages.success(request, _("Your calendar address no longer works."))
    return redirect("meetups:calendars")


@require_GET
def personal_feed(request: HttpRequest, token: str) -> HttpResponse:
    owner = selectors.feed_owner(token=token)
    if owner is None:
        raise Http404
    meetups = selectors.personal_feed(user=owner)
    answers = selectors.own_answers(user=owner, meetup_ids=[m.pk for m in meetups])
    hosted = set(owner.hosted_meetups.values_list("pk", flat=True))
    entries = [
        _entry_for(
            owner,
            meetup,
            answers.get(meetup.pk),
            host_ids={owner.pk} if meetup.pk in hosted else set(),
        )
        for meetup in meetups
    ]
    body = ics.calendar(entries, name=_("My meetups · incubator"))
    return _ics_response(body, filename="my-meetups.ics", download=False)


@require_GET
def community_feed(request: HttpRequest, token: str) -> HttpResponse:
    """Every community meetup, for a member's calendar app: opened by their own private address
    (a calendar app sends no sign-in), so nobody outside the community reads when and where."""
    if selectors.feed_owner(token=token) is None:
        raise Http404
    entries = [
        ics.Entry(meetup=meetup, with_description=False) for meetup in selectors.community_feed()
    ]
    body = ics.calendar(entries, name=_("Community meetups · incubator"))
    return _ics_response(body, filename="community-meetups.ics", download=False)
