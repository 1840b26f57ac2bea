"""The moderators' reads of the webhooks: the list, and each webhook's delivery log (a page of
deliveries, each with its attempts), in a fixed number of queries."""

from dataclasses import dataclass, field

from django.db.models import Count, Max, Q, QuerySet

from workers.models import DeliveryStatus

from .kinds import kind_label
from .models import Endpoint, WebhookAttempt, WebhookDelivery

LOG_PAGE = 30


def endpoints() -> QuerySet[Endpoint]:
    """Every webhook, with how many deliveries failed, how many wait, and its last success."""
    return Endpoint.objects.defer("secret", "previous_secret").annotate(
        failed_count=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.FAILED)),
        waiting_count=Count(
            "deliveries",
            filter=Q(deliveries__status__in=[DeliveryStatus.PENDING, DeliveryStatus.SENDING]),
        ),
        last_sent_at=Max("deliveries__sent_at"),
    )


def endpoint(*, pk: int) -> Endpoint | None:
    return endpoints().filter(pk=pk).first()


@dataclass
class LogRow:
    delivery: WebhookDelivery
    label: str
    attempts: list[WebhookAttempt] = field(default_factory=list)


@dataclass
class LogPage:
    rows: list[LogRow]
    # The id to ask for the next (older) page with, if there is one.
    older_than: int | None


def delivery_log(*, endpoint: Endpoint, before: int | None = None) -> LogPage:
    """The webhook's deliveries, newest first, a page at a time (`before`: older than this id)."""
    deliveries = WebhookDelivery.objects.filter(endpoint_id=endpoint.pk).defer("body")
    if before is not None:
        deliveries = deliveries.filter(pk__lt=before)
    page = list(deliveries.order_by("-pk")[: LOG_PAGE + 1])
    more = len(page) > LOG_PAGE
    page = page[:LOG_PAGE]
    rows = {
        delivery.pk: LogRow(delivery=delivery, label=kind_label(delivery.kind)) for delivery in page
    }
    for attempt in WebhookAttempt.objects.filter(delivery_id__in=list(rows)).order_by(
        "started_at", "pk"
    ):
        rows[attempt.delivery_id].attempts.append(attempt)
    return LogPage(rows=list(rows.values()), older_than=page[-1].pk if more else None)
