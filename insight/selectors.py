"""Every figure of the insight page and API, from one selector (`community_insight`).

The figures are counts and durations, never names: the page helps organisers see where ideas
stall and who waits for an answer without ranking or blaming anyone. The database does the
counting (aggregates over indexed columns, moments as whole microseconds rather than datetimes);
only the period's moves come back row by row, as plain numbers, for the medians and the weekly
flow. Ten queries, whatever the number of proposals or meetups.

Periods are whole days in the community's time zone, [start, end): `end` is the first day not
included. Weeks run from `start` in steps of seven days; months are calendar months.
"""

from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    Exists,
    Func,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from meetups.choices import MeetupStatus
from meetups.models import Rsvp
from meetups.permissions import attendee_filter
from proposals.choices import ACTIVE_STATUSES, PROPOSER_ROLE, MembershipStatus, Status
from proposals.models import Cheer, Comment, Membership, Proposal, Tag, TransitionLog

# The funnel's stages, in the order a proposal goes through them.
FUNNEL = (Status.IDEA, Status.DISCUSSION, Status.TEAM_FORMING, Status.RUNNING, Status.DONE)
_RANK = {stage: rank for rank, stage in enumerate(FUNNEL)}
# Every stage a proposal can be in at a moment (the cumulative flow's bands).
FLOW_STAGES = (*FUNNEL, Status.ARCHIVED)
# Quiet proposals: days since the last activity, as (lowest, highest or None for "and more").
QUIET_BUCKETS = ((30, 59), (60, 89), (90, None))
MAX_SPAN_DAYS = 3 * 366
# Meetup → cheer → join: a cheer or a joining counts as a meetup's follow-through from the meetup's
# start until this many days after its end.
FOLLOW_THROUGH_DAYS = 30


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # the first day not included
    theme: str = ""

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)


@dataclass(frozen=True)
class WeekCount:
    week_start: date
    count: int


@dataclass(frozen=True)
class StageConversion:
    stage: str
    count: int
    percent: float  # of the proposals created in the period; 0 when there were none


@dataclass(frozen=True)
class StageTime:
    stage: str
    stays: int  # stays in this stage that ended within the period
    median_days: float | None
    p75_days: float | None


@dataclass(frozen=True)
class FlowPoint:
    """How many proposals were in each stage at the end of a week (`at`, the first moment after it)."""

    week_start: date
    at: date
    idea: int
    discussion: int
    team_forming: int
    running: int
    done: int
    archived: int


@dataclass(frozen=True)
class QuietBucket:
    min_days: int
    max_days: int | None
    count: int


@dataclass(frozen=True)
class FirstResponse:
    proposals: int  # created in the period
    answered: int  # got a first comment or cheer from someone else before the period's end
    unanswered: int
    median_hours: float | None


@dataclass(frozen=True)
class JoinRequests:
    waiting: int
    oldest_days: int | None


@dataclass(frozen=True)
class MonthCount:
    month: date  # the first day of the month
    count: int


@dataclass(frozen=True)
class MeetupFunnel:
    """The meetups held in the period (not cancelled, ended within it and by now, someone came) and
    what the people who came did next. Who came: as the hosts marked it, else those who said they
    were going (meetups.permissions.attendee_filter, the rule the follow-up uses). Each next step
    counts people, each once, as a share of those who came (not of the step before): someone may
    join a team without cheering first."""

    meetups: int
    attendances: int  # each person at each meetup
    attendees: int  # different people who came to at least one
    cheered: int  # cheered a proposal within FOLLOW_THROUGH_DAYS of a meetup they came to
    joined: int  # joined someone's team (accepted) within FOLLOW_THROUGH_DAYS of one
    within_days: int = FOLLOW_THROUGH_DAYS

    def percent(self, count: int) -> float:
        return round(100 * count / self.attendees, 1) if self.attendees else 0.0


@dataclass(frozen=True)
class Insight:
    period: Period
    now: datetime
    ideas_per_week: list[WeekCount]
    conversion: list[StageConversion]
    time_in_stage: list[StageTime]
    flow: list[FlowPoint]
    quiet: list[QuietBucket]
    first_response: FirstResponse
    join_requests: JoinRequests
    first_time_joiners: list[MonthCount]
    active_members: list[MonthCount]
    active_people: int  # different people active over the whole period (each month's add up more)
    meetups: MeetupFunnel

    @property
    def created(self) -> int:
        return sum(week.count for week in self.ideas_per_week)


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time()), timezone.get_current_timezone())


def _local_date(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _themed(queryset: QuerySet, theme: str, proposal: str = "pk") -> QuerySet:
    """Only the rows of proposals with this theme; `proposal` names the proposal's id."""
    if not theme:
        return queryset
    tagged = Proposal.tags.through.objects.filter(tag__name=theme).values("proposal_id")
    return queryset.filter(**{f"{proposal}__in": tagged})


def _week_starts(period: Period) -> list[date]:
    return [period.start + timedelta(days=7 * n) for n in range((period.days + 6) // 7)]


def _months(period: Period) -> list[date]:
    months, month = [], period.start.replace(day=1)
    while month < period.end:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months


class _Microseconds(Func):
    """A moment as whole microseconds since 1970: an exact integer the database can subtract and
    compare, and Python read without turning each row into a datetime (on SQLite that took most
    of the page's time)."""

    arity = 1
    output_field = BigIntegerField()

    def as_sql(self, compiler, connection, **extra_context):  # PostgreSQL: numeric, exact
        sql, params = compiler.compile(self.source_expressions[0])
        return f"CAST(EXTRACT(EPOCH FROM {sql}) * 1000000 AS BIGINT)", params

    def as_sqlite(self, compiler, connection, **extra_context):
        # Django keeps datetimes on SQLite as UTC text, "YYYY-MM-DD HH:MM:SS[.ffffff]": whole
        # seconds, then the microseconds if any. unixepoch() (SQLite 3.38) is twice as quick.
        sql, params = compiler.compile(self.source_expressions[0])
        seconds = (
            f"unixepoch({sql})"
            if connection.Database.sqlite_version_info >= (3, 38)
            else f"CAST(strftime('%%s', {sql}) AS INTEGER)"
        )
        return (
            f"({seconds} * 1000000 + CAST(substr({sql}, 21, 6) AS INTEGER))",
            (*params, *params),
        )


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _us(moment: datetime) -> int:
    """The same integer as _Microseconds, in Python."""
    return (moment - _EPOCH) // timedelta(microseconds=1)


def _as_days(us: int) -> float:
    """As (left - entered).total_seconds() / 86400 gives it, to the last bit."""
    return us / 10**6 / 86_400


def _as_hours(us: int) -> float:
    return us / 10**6 / 3_600


def _quantiles(values: list[int], convert) -> tuple[float | None, float | None]:
    """The median and 75th percentile of whole microseconds, converted before interpolating (so
    the figures are those of the converted values, sorted)."""
    if not values:
        return None, None
    values.sort()
    result = []
    for q in (0.5, 0.75):
        position = (len(values) - 1) * q
        low = int(position)
        high = min(low + 1, len(values) - 1)
        below, above = convert(values[low]), convert(values[high])
        result.append(below + (above - below) * (position - low))
    return result[0], result[1]


def _moves(period: Period, end: datetime) -> QuerySet:
    """The logged moves of the proposals created before the end, of the period's theme."""
    return _themed(
        TransitionLog.objects.filter(proposal__created_at__lt=end), period.theme, "proposal_id"
    )


def _cohort(period: Period, start: datetime, end: datetime) -> QuerySet:
    return _themed(Proposal.objects.filter(created_at__gte=start, created_at__lt=end), period.theme)


def _ideas_and_conversion(
    period: Period, start: datetime, end: datetime, week_of: list[datetime]
) -> tuple[list[int], list[StageConversion]]:
    """New ideas per week, and how far they got by the end (the furthest stage a move before the
    end led to): one GROUP BY over the period's proposals, by week and furthest stage."""
    rank = Case(
        *(When(to_status=stage, then=Value(rank)) for stage, rank in _RANK.items()),
        default=Value(0),
    )
    furthest = (
        TransitionLog.objects.filter(proposal_id=OuterRef("pk"), created_at__lt=end)
        .annotate(rank=rank)
        .order_by("-rank")
        .values("rank")[:1]
    )
    rows = (
        _cohort(period, start, end)
        .order_by()
        .annotate(
            week=_bucket("created_at", week_of[1:]),
            furthest=Coalesce(Subquery(furthest), Value(0)),
        )
        .values_list("week", "furthest")
        .annotate(count=Count("pk"))
    )
    per_week, reached = [0] * len(week_of), [0] * len(FUNNEL)
    for week, furthest_rank, count in rows:
        per_week[week] += count
        reached[furthest_rank] += count
    total = sum(per_week)
    conversion = []
    for rank, stage in enumerate(FUNNEL):
        count = sum(reached[rank:])
        percent = round(100 * count / total, 1) if total else 0.0
        conversion.append(StageConversion(stage=stage, count=count, percent=percent))
    return per_week, conversion


def _stays(period: Period, start: datetime, end: datetime) -> list[tuple[str, str, int, int]]:
    """Every move in the period: (the stage it left, the stage it led to, when, and when that
    stage was entered), moments in microseconds. The stage left is the log's `from_status` (the
    proposal's row was locked when it was written, so it is the previous move's `to_status`); it
    was entered at the previous move (by time, then id: an earlier row at the same moment, else
    the latest before), or at the proposal's creation. One query, two index lookups per move."""
    same_moment = TransitionLog.objects.filter(
        proposal_id=OuterRef("proposal_id"),
        created_at=OuterRef("created_at"),
        pk__lt=OuterRef("pk"),
    )
    before = TransitionLog.objects.filter(
        proposal_id=OuterRef("proposal_id"), created_at__lt=OuterRef("created_at")
    ).order_by("-created_at")
    entered = Coalesce(
        Subquery(same_moment.annotate(us=_Microseconds("created_at")).values("us")[:1]),
        Subquery(before.annotate(us=_Microseconds("created_at")).values("us")[:1]),
        _Microseconds("proposal__created_at"),
    )
    return list(
        _moves(period, end)
        .filter(created_at__gte=start, created_at__lt=end)
        .order_by()
        .annotate(moved_us=_Microseconds("created_at"), entered_us=entered)
        .values_list("from_status", "to_status", "moved_us", "entered_us")
    )


def _time_in_stage(stays) -> list[StageTime]:
    durations: dict[str, list[int]] = defaultdict(list)
    for left, _to, moved, entered in stays:
        durations[left].append(moved - entered)
    result = []
    for stage in ACTIVE_STATUSES:
        median, p75 = _quantiles(durations[stage], _as_days)
        result.append(
            StageTime(
                stage=stage,
                stays=len(durations[stage]),
                median_days=_rounded(median),
                p75_days=_rounded(p75),
            )
        )
    return result


def _stages_at_start(period: Period, start: datetime) -> dict[str, int]:
    """How many proposals were in each stage when the period began: the stage of each one's last
    move before then, or an idea. One GROUP BY."""
    last = (
        TransitionLog.objects.filter(proposal_id=OuterRef("pk"), created_at__lt=start)
        .order_by("-created_at", "-pk")
        .values("to_status")[:1]
    )
    rows = (
        _themed(Proposal.objects.filter(created_at__lt=start), period.theme)
        .annotate(stage=Coalesce(Subquery(last), Value(Status.IDEA.value)))
        .order_by()
        .values_list("stage")
        .annotate(count=Count("pk"))
    )
    return dict(rows)


def _flow(
    week_starts: list[date],
    period: Period,
    at_start: dict[str, int],
    ideas: list[int],
    stays,
) -> list[FlowPoint]:
    """Proposals per stage at each week's end (the first moment after it): those of the period's
    start, then each week's changes — its new ideas, and each move from one stage to another. A
    stage entered at t and left at t' holds the proposal at every week end W with t < W <= t'."""
    ends = [_midnight(min(week + timedelta(days=7), period.end)) for week in week_starts]
    ends_us = [_us(moment) for moment in ends]
    deltas = [dict.fromkeys(FLOW_STAGES, 0) for _week in week_starts]
    for week, count in enumerate(ideas):
        deltas[week][Status.IDEA] += count
    for left, to, moved, _entered in stays:
        week = deltas[bisect_right(ends_us, moved)]
        week[left] -= 1
        week[to] += 1
    running = {stage: at_start.get(stage, 0) for stage in FLOW_STAGES}
    points = []
    for k, week_start in enumerate(week_starts):
        for stage in FLOW_STAGES:
            running[stage] += deltas[k][stage]
        points.append(
            FlowPoint(
                week_start=week_start,
                at=_local_date(ends[k]),
                **{str(stage): running[stage] for stage in FLOW_STAGES},
            )
        )
    return points


def _quiet(period: Period, now: datetime) -> list[QuietBucket]:
    counts = {}
    for low, high in QUIET_BUCKETS:
        window = Q(last_activity_at__lte=now - timedelta(days=low))
        if high is not None:
            window &= Q(last_activity_at__gt=now - timedelta(days=high + 1))
        counts[f"q{low}"] = Count("pk", filter=window)
    row = _themed(Proposal.objects.filter(status__in=ACTIVE_STATUSES), period.theme).aggregate(
        **counts
    )
    return [
        QuietBucket(min_days=low, max_days=high, count=row[f"q{low}"])
        for low, high in QUIET_BUCKETS
    ]


def _first_response(period: Period, start: datetime, end: datetime) -> FirstResponse:
    def first(model, person: str):
        return Subquery(
            model.objects.filter(proposal_id=OuterRef("pk"), created_at__lt=end)
            .exclude(**{person: OuterRef("proposer_id")})
            .order_by("created_at")
            .annotate(us=_Microseconds("created_at"))
            .values("us")[:1]
        )

    cohort = (
        _cohort(period, start, end)
        .order_by()
        .annotate(
            created_us=_Microseconds("created_at"),
            comment_us=first(Comment, "author_id"),
            cheer_us=first(Cheer, "user_id"),
        )
    )
    waits, total = [], 0
    for created, comment, cheer in cohort.values_list("created_us", "comment_us", "cheer_us"):
        total += 1
        answers = [moment for moment in (comment, cheer) if moment is not None]
        if answers:
            waits.append(min(answers) - created)
    median, _p75 = _quantiles(waits, _as_hours)
    return FirstResponse(
        proposals=total,
        answered=len(waits),
        unanswered=total - len(waits),
        median_hours=_rounded(median),
    )


def _join_requests(period: Period, now: datetime) -> JoinRequests:
    row = _themed(
        Membership.objects.filter(status=MembershipStatus.REQUESTED), period.theme, "proposal_id"
    ).aggregate(waiting=Count("pk"), oldest=Min("created_at"))
    oldest = row["oldest"]
    return JoinRequests(
        waiting=row["waiting"], oldest_days=None if oldest is None else (now - oldest).days
    )


def _per_month(months: list[date], dates: list[date]) -> list[MonthCount]:
    counts = defaultdict(int)
    for day in dates:
        counts[day.replace(day=1)] += 1
    return [MonthCount(month=month, count=counts[month]) for month in months]


def _joinings() -> QuerySet:
    """Each time someone joined someone else's team (accepted; they may have left since)."""
    return Membership.objects.filter(
        status__in=(MembershipStatus.ACCEPTED, MembershipStatus.LEFT, MembershipStatus.FINISHED),
        decided_at__isnull=False,
    ).exclude(role=PROPOSER_ROLE)


def _first_time_joiners(period: Period, start: datetime, end: datetime) -> list[date]:
    """The day each person first joined someone's team (accepted; they may have left since), for
    those whose first time falls in the period. With a theme: their first team of that theme."""
    joined = _themed(_joinings(), period.theme, "proposal_id")
    firsts = (
        joined.order_by()
        .values("user_id")
        .annotate(first=Min("decided_at"))
        .filter(first__gte=start, first__lt=end)
        .values_list("first", flat=True)
    )
    return [_local_date(moment) for moment in firsts]


def _bucket(field: str, bounds: list[datetime]) -> Case | Value:
    """Which of len(bounds) + 1 buckets a moment falls in: 0 before bounds[0], k from bounds[k-1]
    on. A binary tree of comparisons (a few per row, whatever the number of buckets), which the
    database evaluates without converting the moment."""

    def tree(low: int, high: int) -> Case | Value:
        if low == high:
            return Value(low)
        middle = (low + high + 1) // 2
        return Case(
            When(**{f"{field}__lt": bounds[middle - 1]}, then=tree(low, middle - 1)),
            default=tree(middle, high),
        )

    return tree(0, len(bounds))


def _active_members(
    period: Period, start: datetime, end: datetime, months: list[date]
) -> list[tuple[int, int]]:
    """(person, month's index) for everyone who wrote a comment, cheered, proposed, asked to
    join or moved a proposal in the period: one UNION query, each person once per month."""
    month = _bucket("created_at", [_midnight(first) for first in months[1:]])

    def acts(queryset: QuerySet, person: str, relation: str):
        return (
            _themed(
                queryset.filter(created_at__gte=start, created_at__lt=end), period.theme, relation
            )
            .filter(**{f"{person}__isnull": False})
            .order_by()
            .annotate(month=month)
            .values_list(person, "month")
        )

    union = acts(Comment.objects.all(), "author_id", "proposal_id").union(
        acts(Cheer.objects.all(), "user_id", "proposal_id"),
        acts(Proposal.objects.all(), "proposer_id", "pk"),
        acts(Membership.objects.exclude(role=PROPOSER_ROLE), "user_id", "proposal_id"),
        acts(TransitionLog.objects.all(), "actor_id", "proposal_id"),
    )
    return list(union)


def _meetup_funnel(period: Period, start: datetime, end: datetime, now: datetime) -> MeetupFunnel:
    """Meetup → cheer → join in one aggregate over the answers of the period's meetups: for each
    person who came, whether they cheered a proposal, and whether they joined a team, from the
    meetup's start to FOLLOW_THROUGH_DAYS after its end (two index lookups per answer). With a
    theme: the meetups of that theme's proposals, and cheers and joinings on that theme's."""
    window = timedelta(days=FOLLOW_THROUGH_DAYS)

    def after(queryset: QuerySet, moment: str) -> Exists:
        return Exists(
            _themed(queryset, period.theme, "proposal_id").filter(
                **{
                    "user_id": OuterRef("user_id"),
                    f"{moment}__gte": OuterRef("meetup__starts_at"),
                    f"{moment}__lt": OuterRef("meetup__ends_at") + window,
                }
            )
        )

    came = _themed(
        Rsvp.objects.filter(
            attendee_filter(),
            meetup__status=MeetupStatus.SCHEDULED,
            meetup__starts_at__lt=min(end, now),  # the (status, starts_at) index narrows it
            meetup__ends_at__gte=start,
            meetup__ends_at__lt=min(end, now),
        ),
        period.theme,
        "meetup__proposal_id",
    )
    # The conditions go straight into the counts' filters: annotated first, Django would leave
    # them out of the subquery it counts over.
    row = came.order_by().aggregate(
        meetups=Count("meetup_id", distinct=True),
        attendances=Count("pk"),
        attendees=Count("user_id", distinct=True),
        cheered=Count("user_id", distinct=True, filter=Q(after(Cheer.objects.all(), "created_at"))),
        joined=Count("user_id", distinct=True, filter=Q(after(_joinings(), "decided_at"))),
    )
    return MeetupFunnel(**row)


def community_insight(*, period: Period, now: datetime | None = None) -> Insight:
    """Every figure of the insight page and API for `period` (and its theme), in ten queries
    whatever the number of proposals: the counting is done by the database, and only the moves
    of the period come back, as plain numbers."""
    now = now or timezone.now()
    start, end = _midnight(period.start), _midnight(period.end)
    week_starts = _week_starts(period)
    ideas, conversion = _ideas_and_conversion(
        period, start, end, [_midnight(week) for week in week_starts]
    )
    stays = _stays(period, start, end)
    months = _months(period)
    active, people = defaultdict(set), set()
    for person, month in _active_members(period, start, end, months):
        active[months[month]].add(person)
        people.add(person)
    return Insight(
        period=period,
        now=now,
        ideas_per_week=[
            WeekCount(week_start=week, count=count)
            for week, count in zip(week_starts, ideas, strict=True)
        ],
        conversion=conversion,
        time_in_stage=_time_in_stage(stays),
        flow=_flow(week_starts, period, _stages_at_start(period, start), ideas, stays),
        quiet=_quiet(period, now),
        first_response=_first_response(period, start, end),
        join_requests=_join_requests(period, now),
        first_time_joiners=_per_month(months, _first_time_joiners(period, start, end)),
        active_members=[MonthCount(month=month, count=len(active[month])) for month in months],
        active_people=len(people),
        meetups=_meetup_funnel(period, start, end, now),
    )


def theme_names() -> list[str]:
    """The themes the period form offers (every theme in use or suggested)."""
    return list(Tag.objects.order_by("name").values_list("name", flat=True))
