"""The delivery rows' state machine: the sweeper (lost emails, lost channel senders), retry now
(also from the admin), and claims."""

from datetime import timedelta

import pytest
from django.utils import timezone

from members.tests.factories import UserFactory
from proposals import services
from proposals.tests.factories import make_proposal
from workers import outbox, publish
from workers.events import Channel, EventKind
from workers.models import ChannelState, Delivery, DeliveryStatus, Event

pytestmark = pytest.mark.django_db


def _delivering(published) -> list[int]:
    """The delivery ids published to `deliver`."""
    return [job.args[0] for job in published if job.name == publish.DELIVER]


def _slack_delivery(settings, tags=()) -> Delivery:
    settings.SLACK_BOT_TOKEN = "xoxb-test"
    make_proposal(tags=list(tags))
    return Delivery.objects.filter(channel=Channel.SLACK).latest("pk")


def _email_delivery(settings) -> Delivery:
    proposal = make_proposal()
    services.membership_request(proposal=proposal, user=UserFactory(), role="x")
    return Delivery.objects.filter(channel=Channel.EMAIL).latest("pk")


def _relayed(published) -> list[str]:
    return [job.args[0] for job in published if job.name == publish.RELAY_CHANNEL]


def test_the_sweeper_resends_lost_emails_and_nothing_else(
    settings, published, django_capture_on_commit_callbacks
):
    stale = _email_delivery(settings)
    long_ago = timezone.now() - timedelta(minutes=5)
    Delivery.objects.filter(pk=stale.pk).update(updated_at=long_ago, not_before=long_ago)
    fresh = _email_delivery(settings)
    lost = _email_delivery(settings)
    Delivery.objects.filter(pk=lost.pk).update(
        status=DeliveryStatus.SENDING, lease_until=timezone.now() - timedelta(seconds=1)
    )
    held = _email_delivery(settings)
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


def test_the_sweeper_wakes_a_lost_channel_sender_once_and_leaves_a_working_one_alone(
    settings, published, django_capture_on_commit_callbacks
):
    settings.SLACK_CHANNEL_ID = "C0MAIN"
    settings.SLACK_THEME_CHANNELS = {"busy": "C0BUSY", "armed": "C0ARMED"}
    settings.WORKERS_SWEEP_GRACE_SECONDS = 0
    for tags in ([], [], ["busy"], ["armed"]):
        _slack_delivery(settings, tags=tags)
    now = timezone.now()
    ChannelState.objects.create(
        key="C0BUSY", holder="run-1", lease_until=now + timedelta(seconds=10)
    )
    ChannelState.objects.create(key="C0ARMED", armed_until=now + timedelta(seconds=30))
    published.clear()

    with django_capture_on_commit_callbacks(execute=True):
        assert outbox.sweep() == []  # no Slack delivery is re-enqueued by itself
    # The main channel has two deliveries waiting and no sender: one poke, not one per delivery.
    assert _relayed(published) == ["C0MAIN"]
    assert _delivering(published) == []
    # Its wake-up is armed now: the next sweep leaves it to the run it started.
    published.clear()
    outbox.sweep()
    assert _relayed(published) == []


def test_retry_now_requeues_failed_deliveries(
    settings, published, django_capture_on_commit_callbacks
):
    settings.SLACK_CHANNEL_ID = "C0MAIN"
    delivery = _slack_delivery(settings)
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.FAILED, attempts=8, last_error="channel_not_found"
    )
    email = _email_delivery(settings)
    Delivery.objects.filter(pk=email.pk).update(status=DeliveryStatus.FAILED, attempts=8)
    published.clear()
    busy = _slack_delivery(settings)
    Delivery.objects.filter(pk=busy.pk).update(
        status=DeliveryStatus.SENDING, lease_until=timezone.now() + timedelta(minutes=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox.retry_now([delivery.pk, busy.pk, email.pk]) == 2
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 0)
    assert _delivering(published) == [email.pk]
    assert _relayed(published) == ["C0MAIN"]


def test_a_sender_stopped_mid_send_is_taken_over_and_that_counts_as_an_attempt(settings):
    delivery = _slack_delivery(settings)
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENDING, lease_until=timezone.now() + timedelta(minutes=1)
    )
    assert outbox.claim(delivery.pk) is None  # its lease still holds
    taken = outbox.claim(delivery.pk, take_over=True)  # the lane's sender may take it
    assert (taken.status, taken.attempts, taken.last_error) == (
        DeliveryStatus.SENDING,
        1,
        outbox.LOST_MID_SEND,
    )
    outbox.release(taken)  # handed back to wait for its turn: no attempt
    assert Delivery.objects.get(pk=delivery.pk).attempts == 1


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
