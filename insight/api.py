"""`GET /api/v1/insight`: the insight page's figures as JSON, from the same form and selector.

`start` and `end` are days (YYYY-MM-DD), both included, as on the page; without them the period
is the last `weeks` weeks (4, 12, 26 or 52; 12 by default) up to today. Moderators only."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema

from proposals.api.schemas import ErrorOut
from proposals.errors import ActionNotPermitted

from . import permissions, selectors
from .forms import PeriodForm

router = Router(tags=["insight"])


class PeriodOut(Schema):
    start: dt.date
    end: dt.date  # the first day not included
    theme: str


class WeekCountOut(Schema):
    week_start: dt.date
    count: int


class StageConversionOut(Schema):
    stage: str
    count: int
    percent: float


class StageTimeOut(Schema):
    stage: str
    stays: int
    median_days: float | None
    p75_days: float | None


class FlowPointOut(Schema):
    week_start: dt.date
    at: dt.date
    idea: int
    discussion: int
    team_forming: int
    running: int
    done: int
    archived: int


class QuietBucketOut(Schema):
    min_days: int
    max_days: int | None
    count: int


class FirstResponseOut(Schema):
    proposals: int
    answered: int
    unanswered: int
    median_hours: float | None


class JoinRequestsOut(Schema):
    waiting: int
    oldest_days: int | None


class MonthCountOut(Schema):
    month: dt.date
    count: int


class MeetupFunnelOut(Schema):
    meetups: int
    attendances: int
    attendees: int
    cheered: int
    joined: int
    within_days: int


class InsightOut(Schema):
    period: PeriodOut
    ideas_per_week: list[WeekCountOut]
    conversion: list[StageConversionOut]
    time_in_stage: list[StageTimeOut]
    flow: list[FlowPointOut]
    quiet: list[QuietBucketOut]
    first_response: FirstResponseOut
    join_requests: JoinRequestsOut
    first_time_joiners: list[MonthCountOut]
    active_members: list[MonthCountOut]
    active_people: int
    meetups: MeetupFunnelOut


@router.get(
    "/insight",
    response={200: InsightOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut},
    summary="The community's figures for a period (moderators)",
)
def insight(
    request: HttpRequest,
    start: str = "",
    end: str = "",
    theme: str = "",
    weeks: str = "",
):
    if not permissions.can_see_insight(request.auth):
        raise ActionNotPermitted(_("The community's figures are for its moderators."))
    form = PeriodForm({"start": start, "end": end, "theme": theme, "weeks": weeks})
    if not form.is_valid():
        raise ValidationError(
            {field: [str(error) for error in errors] for field, errors in form.errors.items()}
        )
    return selectors.community_insight(period=form.period)
