"""Every read of meetups. Each runs a fixed number of queries, whatever the number of meetups,
answers or hosts."""

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from members.models import MODERATORS_GROUP
from proposals.choices import MembershipStatus
from proposals.models import Membership, Tag
from proposals.permissions import Asker

from . import permissions
from .choices import MeetupStatus, RsvpStatus, Visibility
from .models import CalendarFeed, Meetup, Rsvp

LIST_LIMIT = 100
# The community feed reaches this far back, so last month's meetups stay in people's calendars.
FEED_PAST_DAYS = 90


def _hosts_prefetch() -> Prefetch:
    return Prefetch("hosts", queryset=get_user_model().objects.order_by("pk"))


def visible(*, user) -> QuerySet[Meetup]:
    return (
        Meetup.objects.filter(permissions.meetups_visible_to(user))
        .select_related("proposal")
        .prefetch_related(_hosts_prefetch())
    )


def team_proposal_ids(*, user) -> set[int]:
    """The proposals whose team the person is on (the proposer included)."""
    if not (user and user.is_authenticated):
        return set()
    return set(
        Membership.objects.filter(user=user, status=MembershipStatus.ACCEPTED).values_list(
            "proposal_id", flat=True
        )
    )


def on_team(*, user, proposal) -> bool:
    return proposal is not None and proposal.pk in team_proposal_ids(user=user)


def upcoming(*, user, now: datetime | None = None) -> list[Meetup]:
    """Meetups not over yet, soonest first (cancelled ones too: people should see that)."""
    now = now or timezone.now()
    return list(visible(user=user).filter(ends_at__gt=now).order_by("starts_at", "pk")[:LIST_LIMIT])


def past(*, user, now: datetime | None = None) -> list[Meetup]:
    now = now or timezone.now()
    return list(
        visible(user=user).filter(ends_at__lte=now).order_by("-starts_at", "-pk")[:LIST_LIMIT]
    )


@dataclass
class Day:
    day: date
    in_month: bool
    is_today: bool
    meetups: list[Meetup] = field(default_factory=list)


@dataclass
class Month:
    year: int
    month: int
    weeks: list[list[Day]]
    previous: date
    next: date

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def has_meetups(self) -> bool:
        return any(day.meetups for week in self.weeks for day in week if day.in_month)


def month(*, user, year: int, month: int, now: datetime | None = None) -> Month:
    """A calendar grid (weeks from Monday) of the month, in the active time zone: one query."""
    now = now or timezone.now()
    zone = timezone.get_current_timezone()
    weeks_of_dates = calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    start = datetime.combine(weeks_of_dates[0][0], time.min, tzinfo=zone)
    end = datetime.combine(weeks_of_dates[-1][-1] + timedelta(days=1), time.min, tzinfo=zone)
    by_day: dict[date, list[Meetup]] = {}
    for meetup in visible(user=user).filter(starts_at__gte=start, starts_at__lt=end):
        by_day.setdefault(timezone.localtime(meetup.starts_at, zone).date(), []).append(meetup)
    today = timezone.localtime(now, zone).date()
    weeks = [
        [
            Day(day=d, in_month=d.month == month, is_today=d == today, meetups=by_day.get(d, []))
            for d in week
        ]
        for week in weeks_of_dates
    ]
    first = date(year, month, 1)
    previous = (first - timedelta(days=1)).replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return Month(year=year, month=month, weeks=weeks, previous=previous, next=following)


@dataclass
class MeetupPage:
    meetup: Meetup
    hosts: list
    rsvp: Rsvp | None
    going: list[Rsvp]
    waitlist: list[Rsvp]
    maybe: list[Rsvp]
    can_edit: bool
    can_cancel: bool
    can_answer: bool
    can_see_link: bool
    can_mark_attendance: bool
    # After it: "anything you'd like to try?", for the people who came.
    asked_what_next: bool = False

    @property
    def waitlist_position(self) -> int | None:
        if self.rsvp is None or self.rsvp.status != RsvpStatus.WAITLISTED:
            return None
        return next(
            (n for n, row in enumerate(self.waitlist, start=1) if row.pk == self.rsvp.pk), None
        )


def meetup_for(*, user, pk: int) -> Meetup | None:
    """The meetup if this person may see it (None otherwise: the page is a 404 for them)."""
    meetup = (
        Meetup.objects.select_related("proposal")
        .prefetch_related(_hosts_prefetch())
        .filter(pk=pk)
        .first()
    )
    if meetup is None:
        return None
    host_ids = {host.pk for host in meetup.hosts.all()}
    if not permissions.can_see(
        user, meetup, on_team=on_team(user=user, proposal=meetup.proposal), host_ids=host_ids
    ):
        return None
    return meetup


def meetup_page(*, user, meetup: Meetup) -> MeetupPage:
    """What the meetup's page shows this viewer (the meetup read by `meetup_for`)."""
    hosts = list(meetup.hosts.all())
    host_ids = {host.pk for host in hosts}
    rows = list(
        Rsvp.objects.filter(meetup=meetup)
        .exclude(status=RsvpStatus.CANT)
        .select_related("user")
        .order_by("answered_at", "pk")
    )
    own = (
        Rsvp.objects.filter(meetup=meetup, user=user).first()
        if user and user.is_authenticated
        else None
    )
    team = on_team(user=user, proposal=meetup.proposal)
    return MeetupPage(
        meetup=meetup,
        hosts=hosts,
        rsvp=own,
        going=[row for row in rows if row.status == RsvpStatus.GOING],
        waitlist=[row for row in rows if row.status == RsvpStatus.WAITLISTED],
        maybe=[row for row in rows if row.status == RsvpStatus.MAYBE],
        can_edit=permissions.can_edit(user, meetup, host_ids=host_ids),
        can_cancel=permissions.can_cancel(user, meetup, host_ids=host_ids),
        can_answer=permissions.can_answer(user, meetup, on_team=team, host_ids=host_ids),
        can_see_link=permissions.can_see_online_link(user, meetup, rsvp=own, host_ids=host_ids),
        can_mark_attendance=permissions.can_mark_attendance(user, meetup, host_ids=host_ids),
        asked_what_next=permissions.is_asked_what_next(meetup, rsvp=own),
    )


def next_meetup_for(proposal, *, user=None, now: datetime | None = None) -> Meetup | None:
    """The proposal's next meetup (not cancelled, not over) for its card and page. Without a
    `user`, only one the whole community may see; with one, any this person may see (one query;
    three when it is a team-only one, as for the cards)."""
    now = now or timezone.now()
    if user is not None:
        # The cards' read for one card (as one filtered queryset, `meetups_visible_to`'s
        # subqueries cost the proposal page more to build than to run).
        return next_meetups_for([proposal.pk], user=user, now=now).get(proposal.pk)
    meetups = Meetup.objects.filter(
        proposal=proposal, status=MeetupStatus.SCHEDULED, ends_at__gt=now
    )
    return meetups.filter(visibility=Visibility.COMMUNITY).order_by("starts_at", "pk").first()


def _upcoming_sql(proposal_ids: list[int], now: datetime) -> tuple[str, list]:
    """The scheduled, not yet ended meetups of these proposals (their id, title, start, proposal
    and visibility), each proposal's soonest first: one statement written once, for
    `Meetup.objects.raw` (the ORM prepares an IN of a hundred keys key by key, which cost a
    board more than the query)."""
    quote = connection.ops.quote_name

    def column(name: str) -> str:
        return quote(Meetup._meta.get_field(name).column)

    shown = ", ".join(
        column(name) for name in ("id", "title", "starts_at", "proposal", "visibility")
    )
    sql = (
        f"SELECT {shown} FROM {quote(Meetup._meta.db_table)} "
        f"WHERE {column('proposal')} IN ({', '.join(['%s'] * len(proposal_ids))}) "
        f"AND {column('status')} = %s AND {column('ends_at')} > %s "
        f"ORDER BY {column('proposal')}, {column('starts_at')}, {column('id')}"
    )
    params = [
        *proposal_ids,
        MeetupStatus.SCHEDULED.value,
        connection.ops.adapt_datetimefield_value(now),
    ]
    return sql, params


def next_meetups_for(proposal_ids, *, user, now: datetime | None = None) -> dict[int, Meetup]:
    """Each of these proposals' next meetup that `user` may see (for the board's and the list's
    cards). One query for the page; two more only when a team-only meetup is among them (its
    hosts, and whether the viewer is on its team), for `permissions.can_see` to decide. (As one
    filtered query, `meetups_visible_to`'s subqueries cost a board more to build than to run.)"""
    ids = list(proposal_ids)
    if not ids or not (user and user.is_authenticated):
        return {}
    now = now or timezone.now()
    meetups = list(Meetup.objects.raw(*_upcoming_sql(ids, now)))
    team_only = [meetup for meetup in meetups if meetup.visibility != Visibility.COMMUNITY]
    hosts: dict[int, set[int]] = {meetup.pk: set() for meetup in team_only}
    teams: set[int] = set()
    if team_only:
        for meetup_id, host_id in Meetup.hosts.through.objects.filter(
            meetup_id__in=list(hosts)
        ).values_list("meetup_id", "user_id"):
            hosts[meetup_id].add(host_id)
        teams = set(
            Membership.objects.filter(
                user_id=user.pk,
                status=MembershipStatus.ACCEPTED,
                proposal_id__in={meetup.proposal_id for meetup in team_only},
            ).values_list("proposal_id", flat=True)
        )
    found: dict[int, Meetup] = {}
    for meetup in meetups:
        if meetup.proposal_id not in found and permissions.can_see(
            user,
            meetup,
            on_team=meetup.proposal_id in teams,
            host_ids=hosts.get(meetup.pk, set()),
        ):
            found[meetup.proposal_id] = meetup
    return found


def answers_left_out(*, meetup: Meetup) -> set[int]:
    """Who answered the meetup but may no longer see it (its hosts made it for the team only):
    `permissions.can_see`, asked of each of them."""
    if meetup.visibility == Visibility.COMMUNITY:
        return set()
    answered = set(Rsvp.objects.filter(meetup=meetup).values_list("user_id", flat=True))
    if not answered:
        return set()
    host_ids = set(meetup.hosts.values_list("pk", flat=True))
    team = set(
        Membership.objects.filter(
            proposal_id=meetup.proposal_id, status=MembershipStatus.ACCEPTED
        ).values_list("user_id", flat=True)
    )
    # Who of them moderates, in one query (a person's moderator flag is a query of its own).
    moderators = set(
        get_user_model()
        .objects.filter(pk__in=answered)
        .filter(Q(groups__name=MODERATORS_GROUP) | Q(is_superuser=True))
        .values_list("pk", flat=True)
    )
    return {
        pk
        for pk in answered
        if not permissions.can_see(
            Asker(pk=pk, is_authenticated=True, is_moderator=pk in moderators),
            meetup,
            on_team=pk in team,
            host_ids=host_ids,
        )
    }


def answered_ids(*, meetup: Meetup, statuses=None) -> set[int]:
    """Active members who answered the meetup (any answer, unless `statuses` says which) and may
    still see it."""
    rows = Rsvp.objects.filter(meetup=meetup, user__is_active=True)
    if statuses is not None:
        rows = rows.filter(status__in=statuses)
    return set(rows.values_list("user_id", flat=True)) - answers_left_out(meetup=meetup)


def reminder_recipient_ids(*, meetup: Meetup) -> set[int]:
    """Who hears a reminder: people going, and people who said maybe and asked for reminders."""
    rows = Rsvp.objects.filter(meetup=meetup, user__is_active=True).filter(
        Q(status=RsvpStatus.GOING) | Q(status=RsvpStatus.MAYBE, remind_if_maybe=True)
    )
    # Never to someone who may no longer see it (who left its team since answering).
    return set(rows.values_list("user_id", flat=True)) - answers_left_out(meetup=meetup)


def attendee_ids(*, meetup: Meetup) -> set[int]:
    """Who came, as far as we know: people going (unless a host marked them as not come) and
    anyone a host marked as came."""
    rows = Rsvp.objects.filter(meetup=meetup, user__is_active=True).filter(
        permissions.attendee_filter()
    )
    return set(rows.values_list("user_id", flat=True))


def waitlist_head(*, meetup: Meetup, count: int) -> list[Rsvp]:
    return list(
        Rsvp.objects.filter(meetup=meetup, status=RsvpStatus.WAITLISTED).order_by(
            "answered_at", "pk"
        )[:count]
    )


# --- calendars -----------------------------------------------------------------------------------


def live_feed(*, user) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).first()


def feed_owner(*, token: str):
    """The member whose live feed this token opens; None for an unknown or revoked token."""
    if not token:
        return None
    feed = (
        CalendarFeed.objects.filter(token=token, revoked_at__isnull=True, user__is_active=True)
        .select_related("user")
        .first()
    )
    return feed.user if feed else None


def personal_feed(*, user, now: datetime | None = None) -> list[Meetup]:
    """The member's meetups: those they host and those they answered going, waiting or maybe."""
    now = now or timezone.now()
    answered = Rsvp.objects.filter(
        user=user, status__in=[RsvpStatus.GOING, RsvpStatus.WAITLISTED, RsvpStatus.MAYBE]
    ).values("meetup_id")
    hosted = Meetup.hosts.through.objects.filter(user_id=user.pk).values("meetup_id")
    return list(
        Meetup.objects.filter(permissions.meetups_visible_to(user))
        .filter(Q(pk__in=answered) | Q(pk__in=hosted))
        .filter(ends_at__gt=now - timedelta(days=FEED_PAST_DAYS))
        .order_by("starts_at", "pk")
    )


def community_feed(*, now: datetime | None = None) -> list[Meetup]:
    now = now or timezone.now()
    return list(
        Meetup.objects.filter(
            visibility=Visibility.COMMUNITY, ends_at__gt=now - timedelta(days=FEED_PAST_DAYS)
        ).order_by("starts_at", "pk")
    )


def own_answers(*, user, meetup_ids: list[int]) -> dict[int, Rsvp]:
    """The person's answers to these meetups, by meetup id (the personal feed's statuses)."""
    return {row.meetup_id: row for row in Rsvp.objects.filter(user=user, meetup_id__in=meetup_ids)}


def suggested_themes(*, keep=()) -> list[str]:
    """The themes the meetup form offers: those the proposal form suggests, then any the meetup
    has already (so editing keeps them ticked)."""
    names = list(Tag.objects.filter(suggested=True).values_list("name", flat=True))
    return names + [name for name in keep if name not in names]
