"""The insight page's tables: the figures of one `Insight` as rows, shown beside each chart and
downloaded as CSV. One definition serves both, so the CSV always says what the page says."""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from proposals.choices import Status

from ..charts import after_meetup_steps
from ..selectors import FLOW_STAGES, Insight

Cell = int | float | str | None


@dataclass(frozen=True)
class Table:
    slug: str
    title: str
    columns: list[str]
    rows: list[list[Cell]]


def _stage(stage: str) -> str:
    return str(Status(stage).label)


def _bucket(low: int, high: int | None) -> str:
    if high is None:
        return _("%(low)s days or more") % {"low": low}
    return _("%(low)s–%(high)s days") % {"low": low, "high": high}


def _ideas(insight: Insight) -> Table:
    return Table(
        "ideas",
        _("Ideas per week"),
        [_("Week from"), _("New ideas")],
        [[week.week_start.isoformat(), week.count] for week in insight.ideas_per_week],
    )


def _conversion(insight: Insight) -> Table:
    return Table(
        "conversion",
        _("How far this period's ideas got"),
        [_("Stage reached"), _("Proposals"), _("Share of the period's ideas (%)")],
        [[_stage(row.stage), row.count, row.percent] for row in insight.conversion],
    )


def _stages(insight: Insight) -> Table:
    return Table(
        "stages",
        _("Time in each stage"),
        [_("Stage"), _("Stays that ended"), _("Median (days)"), _("75th percentile (days)")],
        [
            [_stage(row.stage), row.stays, row.median_days, row.p75_days]
            for row in insight.time_in_stage
        ],
    )


def _flow(insight: Insight) -> Table:
    return Table(
        "flow",
        _("Proposals in each stage, week by week"),
        [_("Week from"), *(_stage(stage) for stage in FLOW_STAGES)],
        [
            [point.week_start.isoformat(), *(getattr(point, stage) for stage in FLOW_STAGES)]
            for point in insight.flow
        ],
    )


def _quiet(insight: Insight) -> Table:
    return Table(
        "quiet",
        _("Quiet proposals"),
        [_("Days since the last activity"), _("Proposals")],
        [[_bucket(row.min_days, row.max_days), row.count] for row in insight.quiet],
    )


def _response(insight: Insight) -> Table:
    figure = insight.first_response
    return Table(
        "response",
        _("Time to a first response"),
        [
            _("Ideas in the period"),
            _("Answered"),
            _("Not answered yet"),
            _("Median time to an answer (hours)"),
        ],
        [[figure.proposals, figure.answered, figure.unanswered, figure.median_hours]],
    )


def _requests(insight: Insight) -> Table:
    figure = insight.join_requests
    return Table(
        "requests",
        _("Join requests waiting for an answer"),
        [_("Waiting now"), _("Oldest (days)")],
        [[figure.waiting, figure.oldest_days]],
    )


def _joiners(insight: Insight) -> Table:
    return Table(
        "joiners",
        _("Members who joined a team for the first time"),
        [_("Year and month"), _("Members")],
        [[row.month.strftime("%Y-%m"), row.count] for row in insight.first_time_joiners],
    )


def _active(insight: Insight) -> Table:
    return Table(
        "active",
        _("Active members"),
        [_("Year and month"), _("Members")],
        [[row.month.strftime("%Y-%m"), row.count] for row in insight.active_members],
    )


def _meetups(insight: Insight) -> Table:
    figure = insight.meetups
    return Table(
        "meetups",
        _("Meetups held"),
        [_("Meetups"), _("Times people came"), _("People who came")],
        [[figure.meetups, figure.attendances, figure.attendees]],
    )


def _after_meetups(insight: Insight) -> Table:
    return Table(
        "after_meetups",
        _("After a meetup"),
        [_("Step"), _("People"), _("Share of the people who came (%)")],
        [[step.label, step.people, step.percent] for step in after_meetup_steps(insight)],
    )


TABLES: dict[str, Callable[[Insight], Table]] = {
    "ideas": _ideas,
    "conversion": _conversion,
    "stages": _stages,
    "flow": _flow,
    "quiet": _quiet,
    "response": _response,
    "requests": _requests,
    "joiners": _joiners,
    "active": _active,
    "meetups": _meetups,
    "after_meetups": _after_meetups,
}


def tables_of(insight: Insight) -> dict[str, Table]:
    return {slug: make(insight) for slug, make in TABLES.items()}
