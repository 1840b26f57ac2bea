"""Every figure of the insight page and API, from one selector (`community_insight`).

The figures are counts and durations, never names: the page helps organisers see where ideas
stall and who waits for an answer without ranking or blaming anyone. Each figure is read with one
query (seven in all, whatever the number of proposals), then put together in Python.

Periods are whole days in the community's time zone, [start, end): `end` is the first day not
included. Weeks run from `start` in steps of seven days; months are calendar months.
"""

from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import pairwise

from django.db.models import Count, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import TruncMonth
from django.utils import timezone

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

    @property
    def created(self) -> int:
        return sum(week.count for week in self.ideas_per_week)


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time()), timezone.get_current_timezone())


def _local_date(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def _quantile(values: list[float], q: float) -> float | None:
    """Linear interpolation between the closest ranks (numpy's default; q=0.5 is the median)."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


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


def _timelines(period: Period, end: datetime) -> dict[int, list[tuple[datetime, str]]]:
    """Each proposal created before the end: its stages with the moment it entered each (idea at
    its creation, then every logged move before the end). Two queries."""
    proposals = _themed(Proposal.objects.filter(created_at__lt=end), period.theme)
    timelines = {
        pk: [(created, Status.IDEA)] for pk, created in proposals.values_list("pk", "created_at")
    }
    moves = (
        _themed(TransitionLog.objects.filter(created_at__lt=end), period.theme, "proposal_id")
        .order_by("created_at", "pk")
        .values_list("proposal_id", "created_at", "to_status")
    )
    for proposal_id, moment, status in moves:
        if proposal_id in timelines:  # a move logged before the proposal's own creation is noise
            timelines[proposal_id].append((moment, status))
    return timelines


def _conversion(cohort: list[list[tuple[datetime, str]]]) -> list[StageConversion]:
    furthest = [max(_RANK.get(status, 0) for _moment, status in timeline) for timeline in cohort]
    total = len(cohort)
    result = []
    for stage in FUNNEL:
        count = sum(1 for rank in furthest if rank >= _RANK[stage])
        percent = round(100 * count / total, 1) if total else 0.0
        result.append(StageConversion(stage=stage, count=count, percent=percent))
    return result


def _time_in_stage(timelines, start: datetime, end: datetime) -> list[StageTime]:
    durations: dict[str, list[float]] = defaultdict(list)
    for timeline in timelines:
        for (entered, status), (left, _next) in pairwise(timeline):
            if start <= left < end:
                durations[status].append((left - entered).total_seconds() / 86400)
    return [
        StageTime(
            stage=stage,
            stays=len(durations[stage]),
            median_days=_rounded(_quantile(durations[stage], 0.5)),
            p75_days=_rounded(_quantile(durations[stage], 0.75)),
        )
        for stage in ACTIVE_STATUSES
    ]


def _flow(timelines, week_starts: list[date], period: Period) -> list[FlowPoint]:
    ends = [_midnight(min(week + timedelta(days=7), period.end)) for week in week_starts]
    # counts[stage][k]: proposals in `stage` at ends[k]. A stage entered at t and left at t' holds
    # the proposal at every week end W with t < W <= t'.
    deltas = {stage: [0] * (len(ends) + 1) for stage in FLOW_STAGES}
    for timeline in timelines:
        for index, (entered, status) in enumerate(timeline):
            first = bisect_right(ends, entered)
            stop = (
                bisect_right(ends, timeline[index + 1][0])
                if index + 1 < len(timeline)
                else len(ends)
            )
            if first < stop:
                deltas[status][first] += 1
                deltas[status][stop] -= 1
    points = []
    running = dict.fromkeys(FLOW_STAGES, 0)
    for k, week in enumerate(week_starts):
        for stage in FLOW_STAGES:
            running[stage] += deltas[stage][k]
        points.append(
            FlowPoint(
                week_start=week,
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
            .values("created_at")[:1]
        )

    cohort = _themed(
        Proposal.objects.filter(created_at__gte=start, created_at__lt=end), period.theme
    ).annotate(first_comment=first(Comment, "author_id"), first_cheer=first(Cheer, "user_id"))
    hours, total = [], 0
    for created, comment, cheer in cohort.values_list("created_at", "first_comment", "first_cheer"):
        total += 1
        answers = [moment for moment in (comment, cheer) if moment is not None]
        if answers:
            hours.append((min(answers) - created).total_seconds() / 3600)
    return FirstResponse(
        proposals=total,
        answered=len(hours),
        unanswered=total - len(hours),
        median_hours=_rounded(_quantile(hours, 0.5)),
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


def _first_time_joiners(period: Period, start: datetime, end: datetime) -> list[date]:
    """The day each person first joined someone's team (accepted; they may have left since), for
    those whose first time falls in the period. With a theme: their first team of that theme."""
    joined = _themed(
        Membership.objects.filter(
            status__in=(MembershipStatus.ACCEPTED, MembershipStatus.LEFT), decided_at__isnull=False
        ).exclude(role=PROPOSER_ROLE),
        period.theme,
        "proposal_id",
    )
    firsts = (
        joined.order_by()
        .values("user_id")
        .annotate(first=Min("decided_at"))
        .filter(first__gte=start, first__lt=end)
        .values_list("first", flat=True)
    )
    return [_local_date(moment) for moment in firsts]


def _active_members(period: Period, start: datetime, end: datetime) -> list[tuple[int, date]]:
    """(person, month) for everyone who wrote a comment, cheered, proposed, asked to join or moved
    a proposal in the period: one UNION query, each person once per month."""
    zone = timezone.get_current_timezone()

    def acts(queryset: QuerySet, person: str, relation: str):
        return (
            _themed(
                queryset.filter(created_at__gte=start, created_at__lt=end), period.theme, relation
            )
            .filter(**{f"{person}__isnull": False})
            .order_by()
            .annotate(month=TruncMonth("created_at", tzinfo=zone))
            .values_list(person, "month")
        )

    union = acts(Comment.objects.all(), "author_id", "proposal_id").union(
        acts(Cheer.objects.all(), "user_id", "proposal_id"),
        acts(Proposal.objects.all(), "proposer_id", "pk"),
        acts(Membership.objects.exclude(role=PROPOSER_ROLE), "user_id", "proposal_id"),
        acts(TransitionLog.objects.all(), "actor_id", "proposal_id"),
    )
    return [(person, _month_start(month)) for person, month in union]


def _month_start(month) -> date:
    if isinstance(month, datetime):
        return timezone.localtime(month, timezone.get_current_timezone()).date().replace(day=1)
    return month.replace(day=1)


def community_insight(*, period: Period, now: datetime | None = None) -> Insight:
    """Every figure of the insight page and API for `period` (and its theme), in seven queries."""
    now = now or timezone.now()
    start, end = _midnight(period.start), _midnight(period.end)
    week_starts = _week_starts(period)
    timelines = _timelines(period, end)

    created = [timeline[0][0] for timeline in timelines.values() if timeline[0][0] >= start]
    week_of = [_midnight(week) for week in week_starts]
    per_week = [0] * len(week_starts)
    for moment in created:
        per_week[bisect_right(week_of, moment) - 1] += 1
    cohort = [timeline for timeline in timelines.values() if timeline[0][0] >= start]

    months = _months(period)
    active = defaultdict(set)
    for person, month in _active_members(period, start, end):
        active[month].add(person)
    return Insight(
        period=period,
        now=now,
        ideas_per_week=[
            WeekCount(week_start=week, count=count)
            for week, count in zip(week_starts, per_week, strict=True)
        ],
        conversion=_conversion(cohort),
        time_in_stage=_time_in_stage(timelines.values(), start, end),
        flow=_flow(timelines.values(), week_starts, period),
        quiet=_quiet(period, now),
        first_response=_first_response(period, start, end),
        join_requests=_join_requests(period, now),
        first_time_joiners=_per_month(months, _first_time_joiners(period, start, end)),
        active_members=[MonthCount(month=month, count=len(active[month])) for month in months],
    )


def theme_names() -> list[str]:
    """The themes the period form offers (every theme in use or suggested)."""
    return list(Tag.objects.order_by("name").values_list("name", flat=True))
