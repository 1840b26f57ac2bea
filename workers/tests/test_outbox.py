"""The sweeper, retry now, the beat jobs, and the Celery settings that make redelivery safe."""

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from incubator.celery_app import app as celery_app
from members.tests.factories import UserFactory
from proposals import services
from proposals.models import Membership
from proposals.tests.factories import make_proposal
from workers import outbox, periodic, tasks
from workers.events import Channel, EventKind
from workers.models import Delivery, DeliveryStatus, Event

pytestmark = pytest.mark.django_db


@pytest.fixture
def enqueued(monkeypatch):
    sent = []
    monkeypatch.setattr(tasks.deliver, "apply_async", lambda args, eta=None: sent.append(args[0]))
    return sent


def _slack_delivery(settings) -> Delivery:
    settings.SLACK_BOT_TOKEN = "xoxb-test"
    make_proposal()
    return Delivery.objects.filter(channel=Channel.SLACK).latest("pk")


def test_the_sweeper_resends_what_was_never_picked_up_and_nothing_else(
    settings, enqueued, django_capture_on_commit_callbacks
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
    enqueued.clear()

    with django_capture_on_commit_callbacks(execute=True):
        swept = outbox.sweep()
    assert sorted(swept) == sorted([stale.pk, lost.pk])
    assert sorted(enqueued) == sorted([stale.pk, lost.pk])
    assert fresh.pk not in swept and held.pk not in swept
    # A swept pending row is touched, so the next sweep leaves it to the queue for a while; a
    # lost lease is offered again until a worker claims it (the claim makes repeats harmless).
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox.sweep() == [lost.pk]


def test_retry_now_requeues_failed_deliveries(
    settings, enqueued, django_capture_on_commit_callbacks
):
    delivery = _slack_delivery(settings)
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.FAILED, attempts=8, last_error="channel_not_found"
    )
    enqueued.clear()
    busy = _slack_delivery(settings)
    Delivery.objects.filter(pk=busy.pk).update(
        status=DeliveryStatus.SENDING, lease_until=timezone.now() + timedelta(minutes=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox.retry_now([delivery.pk, busy.pk]) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 0)
    assert enqueued == [delivery.pk]


def test_the_admin_lists_deliveries_and_retries_them(admin_client, settings, enqueued):
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


def test_unanswered_join_requests_remind_moderators_after_three_days_once():
    moderator = UserFactory(moderator=True)
    proposal = make_proposal()
    membership = services.membership_request(proposal=proposal, user=UserFactory(), role="designer")
    assert periodic.remind_unanswered_join_requests() == 0
    Membership.objects.filter(pk=membership.pk).update(
        created_at=timezone.now() - timedelta(days=3, minutes=1)
    )
    assert periodic.remind_unanswered_join_requests() == 1
    assert periodic.remind_unanswered_join_requests() == 0
    event = Event.objects.get(kind=EventKind.JOIN_REMINDER)
    heard = set(event.deliveries.filter(channel=Channel.INAPP).values_list("recipient", flat=True))
    assert heard == {moderator.pk}


def test_only_quiet_proposals_are_nudged_and_only_their_proposer_hears(settings):
    settings.WORKERS_NUDGE_QUIET_DAYS = 30
    quiet = make_proposal()
    make_proposal()
    services.follow_set(proposal=quiet, user=UserFactory(), following=True)
    quiet.__class__.objects.filter(pk=quiet.pk).update(
        last_activity_at=timezone.now() - timedelta(days=30, minutes=1)
    )
    assert periodic.nudge_quiet_proposals() == 1
    event = Event.objects.get(kind=EventKind.NUDGE)
    assert event.proposal_id == quiet.pk
    heard = set(event.deliveries.filter(channel=Channel.INAPP).values_list("recipient", flat=True))
    assert heard == {quiet.proposer_id}


def test_a_delivery_not_due_yet_is_not_claimed(settings):
    settings.WORKERS_CHEER_WINDOW_SECONDS = 3600
    settings.SLACK_BOT_TOKEN = "xoxb-test"
    proposal = make_proposal()
    services.cheer_toggle(proposal=proposal, user=UserFactory())
    delivery = Event.objects.get(kind=EventKind.CHEERED).deliveries.get(channel=Channel.SLACK)
    assert outbox.claim(delivery.pk) is None


def test_celery_is_configured_for_safe_redelivery():
    conf = celery_app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_serializer == "json" and conf.accept_content == ["json"]
    visibility = django_settings.WORKERS_VISIBILITY_TIMEOUT
    assert conf.task_time_limit + django_settings.WORKERS_BACKOFF_MAX_SECONDS < visibility
    assert tasks.deliver.acks_late and tasks.deliver.reject_on_worker_lost
    assert tasks.deliver.time_limit < django_settings.WORKERS_DELIVERY_LEASE_SECONDS
    assert tasks.LONGEST_COUNTDOWN + conf.task_time_limit < visibility
    # Every beat job names a registered task.
    for entry in conf.beat_schedule.values():
        assert entry["task"] in celery_app.tasks


def test_a_very_long_retry_after_is_left_to_the_sweeper(settings, fake_slack, monkeypatch):
    from workers import dispatch

    delivery = _slack_delivery(settings)
    monkeypatch.setattr(
        dispatch, "process", lambda delivery_id, slot_at=None: dispatch.Outcome("retry", 3600)
    )
    assert tasks.deliver.run(delivery.pk) == "deferred"
