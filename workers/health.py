"""How the outbox is doing: each lane's backlog (how many wait, since when), the warning logged
once when it grows too old, and /healthz (database, broker, backlog age)."""

import logging
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Count, Min
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from . import broker, outbox
from .models import Delivery

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Backlog:
    lane: str
    count: int
    oldest: datetime

    def age(self, now: datetime) -> float:
        return max(0.0, (now - self.oldest).total_seconds())


def backlog(*, now: datetime | None = None) -> list[Backlog]:
    """Every lane with deliveries due and not sent yet (a Slack channel's id, or "email"), the
    oldest first. One query."""
    now = now or timezone.now()
    rows = (
        Delivery.objects.filter(status__in=outbox.WAITING, due_at__lte=now)
        .exclude(lane="")
        .values("lane")
        .annotate(count=Count("pk"), oldest=Min("due_at"))
        .order_by("oldest")
    )
    return [Backlog(lane=row["lane"], count=row["count"], oldest=row["oldest"]) for row in rows]


def backlog_of(lane: str, *, now: datetime | None = None) -> Backlog | None:
    return next((item for item in backlog(now=now) if item.lane == lane), None)


def warn_about_backlog(*, now: datetime | None = None) -> list[str]:
    """Log a warning, once per lane and episode, when its oldest delivery waits too long."""
    now = now or timezone.now()
    limit = settings.WORKERS_BACKLOG_WARN_SECONDS
    waiting = backlog(now=now)
    for item in waiting:
        outbox.lane_state(item.lane)  # every lane with a backlog is listed in the admin
    old = [item for item in waiting if item.age(now) > limit]
    warned = []
    for item in old:
        if outbox.lane_warned(item.lane, too_old=True):
            logger.warning(
                "Lane %s: %d deliveries waiting, the oldest for %d s (over %d s).",
                item.lane,
                item.count,
                item.age(now),
                limit,
            )
            warned.append(item.lane)
    outbox.lanes_young(except_for=[item.lane for item in old])
    return warned


def _database() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except DatabaseError:
        logger.warning("The database does not answer.", exc_info=True)
        return False


@require_GET
def healthz(request):
    """200 when the database and the broker answer and no backlog is older than the warning
    limit; 503 otherwise. JSON says which."""
    now = timezone.now()
    limit = settings.WORKERS_BACKLOG_WARN_SECONDS
    database = _database()
    if request.GET.get("web") == "1":
        # The web container's own check: it serves and reaches its database.
        web = {
            "status": "ok" if database else "unhealthy",
            "database": "ok" if database else "unavailable",
        }
        return JsonResponse(web, status=200 if database else 503)
    broker_ok = broker.ping()
    lanes = {}
    oldest = 0.0
    if database:
        try:
            for item in backlog(now=now):
                lanes[item.lane] = {"count": item.count, "oldest_seconds": round(item.age(now), 1)}
                oldest = max(oldest, item.age(now))
        except DatabaseError:
            database = False
    healthy = database and broker_ok and oldest <= limit
    report = {
        "status": "ok" if healthy else "unhealthy",
        "database": "ok" if database else "unavailable",
        "broker": "ok" if broker_ok else "unavailable",
        "backlog": {"oldest_seconds": round(oldest, 1), "limit_seconds": limit},
    }
    if request.user.is_staff:  # which channels wait, for the people who run the site
        report["backlog"]["lanes"] = lanes
    return JsonResponse(report, status=200 if healthy else 503)
