"""Every "may / can / visible" rule of meetups, asked alike by pages, feeds and services.

Pure predicates over what the caller read: whether the person is on the proposal's team
(`on_team`) and their own answer (`rsvp`) come from the selectors, so a rule costs no query here
beyond the user's own moderator flag (cached on the user).
"""

from django.db.models import Q
from django.utils import timezone

from proposals.choices import MembershipStatus
from proposals.models import Membership
from proposals.permissions import is_moderator

from .choices import MeetupStatus, RsvpStatus, Visibility
from .models import Meetup


def _signed_in(user) -> bool:
    return bool(user and user.is_authenticated)


def is_host(user, meetup, *, host_ids=None) -> bool:
    """`host_ids`: the meetup's hosts when the caller has them (a prefetch), else one query."""
    if not _signed_in(user):
        return False
    if host_ids is None:
        host_ids = {host.pk for host in meetup.hosts.all()}
    return user.pk in host_ids


def can_create(user) -> bool:
    return _signed_in(user)


def can_tie_to_proposal(user, proposal, *, on_team: bool) -> bool:
    """A meetup shows on a proposal's page only when its team (or a moderator) says so."""
    return _signed_in(user) and (on_team or is_moderator(user))


def can_edit(user, meetup, *, host_ids=None) -> bool:
    return is_moderator(user) or is_host(user, meetup, host_ids=host_ids)


def can_cancel(user, meetup, *, host_ids=None) -> bool:
    return not meetup.is_cancelled and can_edit(user, meetup, host_ids=host_ids)


def can_see(user, meetup, *, on_team: bool, host_ids=None) -> bool:
    if not _signed_in(user):
        return False
    if meetup.visibility == Visibility.COMMUNITY:
        return True
    return on_team or is_moderator(user) or is_host(user, meetup, host_ids=host_ids)


def meetups_visible_to(user) -> Q:
    """`can_see` as a filter, for lists, the month view and feeds."""
    if not _signed_in(user):
        return Q(pk__in=[])
    if is_moderator(user):
        return Q()
    # Subqueries, not joins: a meetup with three hosts is still one row.
    hosted = Meetup.hosts.through.objects.filter(user_id=user.pk).values("meetup_id")
    teams = Membership.objects.filter(user_id=user.pk, status=MembershipStatus.ACCEPTED).values(
        "proposal_id"
    )
    return Q(visibility=Visibility.COMMUNITY) | Q(pk__in=hosted) | Q(proposal_id__in=teams)


def is_open_for_answers(meetup, *, now=None) -> bool:
    return meetup.status == MeetupStatus.SCHEDULED and meetup.ends_at > (now or timezone.now())


def can_answer(user, meetup, *, on_team: bool, host_ids=None) -> bool:
    return is_open_for_answers(meetup) and can_see(user, meetup, on_team=on_team, host_ids=host_ids)


def can_see_online_link(user, meetup, *, rsvp=None, host_ids=None) -> bool:
    """When the hosts say so, the link is for people who are going (not those waiting)."""
    if not meetup.online_url:
        return False
    if not meetup.link_for_going_only:
        return True
    if is_moderator(user) or is_host(user, meetup, host_ids=host_ids):
        return True
    return rsvp is not None and rsvp.status == RsvpStatus.GOING


def can_mark_attendance(user, meetup, *, host_ids=None) -> bool:
    return meetup.starts_at <= timezone.now() and can_edit(user, meetup, host_ids=host_ids)


def is_attendee(rsvp) -> bool:
    """Whether the person came, as far as we know: they were going (unless a host marked them as
    not come), or a host marked them as came."""
    if rsvp is None:
        return False
    if rsvp.attended is not None:
        return rsvp.attended
    return rsvp.status == RsvpStatus.GOING


def attendee_filter() -> Q:
    """`is_attendee` as a filter of answers."""
    return (Q(status=RsvpStatus.GOING) & ~Q(attended=False)) | Q(attended=True)


def is_asked_what_next(meetup, *, rsvp) -> bool:
    """After a meetup (not a cancelled one), the people who came are asked "anything you'd like
    to try?"."""
    return meetup.status == MeetupStatus.SCHEDULED and meetup.has_ended and is_attendee(rsvp)


def is_public_to_visitors(meetup, *, now=None) -> bool:
    """Visitors (the public page, issue 16) see a meetup its hosts chose to show, for the whole
    community, scheduled and not yet over: its title, kind and time only, never its place, online
    link, description or people."""
    return (
        meetup.is_public
        and meetup.visibility == Visibility.COMMUNITY
        and meetup.status == MeetupStatus.SCHEDULED
        and meetup.ends_at > (now or timezone.now())
    )


def public_to_visitors(*, now=None) -> Q:
    """`is_public_to_visitors` as a filter."""
    return Q(
        is_public=True,
        visibility=Visibility.COMMUNITY,
        status=MeetupStatus.SCHEDULED,
        ends_at__gt=now or timezone.now(),
    )
