"""The delivery rows' state machine: the sweeper, retry now (also from the admin), and claims."""

from datetime import timedelta

import pytest
from django.utils import timezone

from members.tests.factories import UserFactory
from proposals import services
from proposals.tests.factories import make_proposal
from workers import outbox, publish
from workers.events import Channel, EventKind
from workers.models import Delivery, DeliveryStatus, Event

pytestmark = pytest.mark.django_db


def _delivering(published) -> list[int]:
    """The delivery ids published to `deliver`."""
    return [job.args[0] for job in published if job.name == publish.DELIVER]


def _slack_delivery(settings) -> Delivery:
    settings.SLACK_BOT_TOKEN = "xoxb-test"
    make_proposal()
    return Delivery.objects.filter(channel=Channel.SLACK).latest("pk")


def test_the_sweeper_resends_what_was_never_picked_up_and_nothing_else(
    settings, published, django_capture_on_commit_callbacks
):
    stale = _slack_delivery(settings)
    long_ago = timezone.now() - timedelta(minutes=5)
    Delivery.objects.filter(pk=stale.pk).update(updated_at=long_ago, not_before=long_ago)
    fresh = _slack_delivery(settings)
    lost = _slack_delivery(settings)
    Delivery.objects.filter(pk=lost.pk).update(
        status=DeliveryStatus.SENDING, lease_until=timezone.now() - timedelta(seconds=1)
    )
    held = _slack_delivery(settings)
    Delivery.objects.filter(pk=held.pk).update(
        status=DeliveryStatus.SENDING, lease_until=timezone.now() + timedelta(minutes=1)
    )
    published.clear()

    with django_capture_on_commit_callbacks(execute=True):
        swept = outbox.sweep()
    assert sorted(swept) == sorted([stale.pk, lost.pk])
    assert sorted(_delivering(published)) == sorted([stale.pk, lost.pk])
    assert fresh.pk not in swept and held.pk not in swept
    # A swept pending row is touched, so the next sweep leaves it to the queue for a while; a
    # lost lease is offered again until a worker claims it (the claim makes repeats harmless).
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox.sweep() == [lost.pk]


def test_retry_now_requeues_failed_deliveries(
    settings, published, django_capture_on_commit_callbacks
):
    delivery = _slack_delivery(settings)
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.FAILED, attempts=8, last_error="channel_not_found"
    )
    published.clear()
    busy = _slack_delivery(settings)
    Delivery.objects.filter(pk=busy.pk).update(
        status=DeliveryStatus.SENDING, lease_until=timezone.now() + timedelta(minutes=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox.retry_now([delivery.pk, busy.pk]) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 0)
    assert _delivering(published) == [delivery.pk]


def test_the_admin_lists_deliveries_and_retries_them(admin_client, settings, published):
    delivery = _slack_delivery(settings)
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.FAILED)
    page = admin_client.get("/admin/workers/delivery/")
    assert page.status_code == 200
    response = admin_client.post(
        "/admin/workers/delivery/",
        {"action": "retry_now", "_selected_action": [delivery.pk]},
    )
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING


def test_a_delivery_not_due_yet_is_not_claimed(settings):
    settings.WORKERS_CHEER_WINDOW_SECONDS = 3600
    settings.SLACK_BOT_TOKEN = "xoxb-test"
    proposal = make_proposal()
    services.cheer_toggle(proposal=proposal, user=UserFactory())
    delivery = Event.objects.get(kind=EventKind.CHEERED).deliveries.get(channel=Channel.SLACK)
    assert outbox.claim(delivery.pk) is None
