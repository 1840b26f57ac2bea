"""The organisers' weekly digest: the insight figures of the week just ended next to the week
before, addressed to the moderators (in the app, and by email as each of them chose).

The figures come from the insight page's own selector, for each week as a period. Most are the
period's (new ideas, how far they got, first-time joiners, active people, meetups), so last week's
are counted again now, exactly as the page would show that week. Three say how things stand at a
moment (quiet proposals, waiting join requests, the oldest one's age) and cannot be counted again
for a past moment: last week's are the ones its own digest recorded, or unknown ("—") when there
was none.
"""

from datetime import date, datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from proposals.choices import Status
from workers import selectors as notify_selectors
from workers import services as notify
from workers.events import EventKind

from . import selectors
from .selectors import Insight, Period

# The figures that say how things stand at the moment the digest is made.
AT_THE_MOMENT = ("quiet_proposals", "join_requests_waiting", "oldest_request_days")


def digest_week(now: datetime) -> date:
    """The Monday of the last whole week (Monday to Sunday, in the community's days) before `now`."""
    today = timezone.localdate(now)
    return today - timedelta(days=today.weekday() + 7)


def digest_key(week: date) -> str:
    return f"organiser-digest:{week.isoformat()}"


def week_figures(insight: Insight) -> dict[str, int | None]:
    """The digest's figures, each named in the event catalogue (workers.events.DIGEST_FIGURES),
    from one week's insight."""
    reached = {row.stage: row.count for row in insight.conversion}
    return {
        "ideas": insight.created,
        "reached_discussion": reached[Status.DISCUSSION],
        "reached_team_forming": reached[Status.TEAM_FORMING],
        "reached_running": reached[Status.RUNNING],
        "reached_done": reached[Status.DONE],
        "first_time_joiners": sum(month.count for month in insight.first_time_joiners),
        "active_members": insight.active_people,
        "quiet_proposals": sum(bucket.count for bucket in insight.quiet),
        "join_requests_waiting": insight.join_requests.waiting,
        "oldest_request_days": insight.join_requests.oldest_days,
        "meetups_held": insight.meetups.meetups,
        "meetup_attendances": insight.meetups.attendances,
    }


def _insight_path(week: date) -> str:
    query = {"weeks": "custom", "start": week.isoformat(), "end": (week + timedelta(6)).isoformat()}
    return f"{reverse('insight:page')}?{urlencode(query)}"


def organiser_digest_record(*, now: datetime | None = None) -> int:
    """The week's figures to every moderator, once per week however often beat runs (the event's
    key is the week: a second run, even at the same moment, records nothing). Returns how many
    moderators it was addressed to (0 when it was already sent, or there is nobody to tell)."""
    now = now or timezone.now()
    week = digest_week(now)
    key = digest_key(week)
    if notify_selectors.recorded_payload(dedupe_key=key) is not None:
        return 0
    moderators = notify_selectors.moderator_ids()
    if not moderators:
        return 0
    this_week = week_figures(
        selectors.community_insight(period=Period(start=week, end=week + timedelta(7)), now=now)
    )
    week_began = timezone.make_aware(datetime.combine(week, time()))
    last_week = week_figures(
        selectors.community_insight(
            period=Period(start=week - timedelta(7), end=week), now=week_began
        )
    )
    recorded = notify_selectors.recorded_payload(dedupe_key=digest_key(week - timedelta(7)))
    then = (recorded or {}).get("this_week") or {}
    last_week |= {name: then.get(name) for name in AT_THE_MOMENT}
    payload = {
        "week_start": week.isoformat(),
        "week_end": (week + timedelta(6)).isoformat(),
        "as_of": now.isoformat(),
        "this_week": this_week,
        "last_week": last_week,
        "path": _insight_path(week),
    }
    try:
        with transaction.atomic():
            notify.record_event_for(
                kind=EventKind.ORGANISER_DIGEST,
                recipient_ids=moderators,
                payload=payload,
                dedupe_key=key,
            )
    except IntegrityError:
        return 0  # another run recorded this week's first
    return len(moderators)
