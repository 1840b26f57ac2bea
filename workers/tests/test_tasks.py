"""The Celery tasks: registered under the names they are published by, safe to run twice."""

import pytest
from django.conf import settings as django_settings

from incubator.celery_app import app as celery_app
from proposals.tests.factories import make_proposal
from workers import dispatch, publish, tasks
from workers.events import Channel
from workers.models import Delivery

pytestmark = pytest.mark.django_db


def _slack_delivery(settings) -> Delivery:
    settings.SLACK_BOT_TOKEN = "xoxb-test"
    make_proposal()
    return Delivery.objects.filter(channel=Channel.SLACK).latest("pk")


def test_every_name_published_or_scheduled_is_a_registered_task():
    names = {value for key, value in vars(publish).items() if key.isupper() and "." in value}
    assert names <= set(celery_app.tasks)
    for entry in celery_app.conf.beat_schedule.values():
        assert entry["task"] in names


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
    # A channel's sender renews its lease before each Slack call; one step makes at most two
    # (a card update, then the post), so the lease outlasts both even when they time out.
    assert django_settings.WORKERS_RELAY_LEASE_SECONDS > 2 * django_settings.SLACK_TIMEOUT_SECONDS
    assert tasks.relay_channel.acks_late and tasks.relay_channel.reject_on_worker_lost
    assert tasks.relay_channel.soft_time_limit + 30 <= tasks.relay_channel.time_limit
    assert tasks.relay_channel.time_limit < visibility
    # Every beat job names a registered task.
    for entry in conf.beat_schedule.values():
        assert entry["task"] in celery_app.tasks


def test_a_very_long_retry_after_is_left_to_the_sweeper(settings, fake_slack, monkeypatch):
    delivery = _slack_delivery(settings)
    monkeypatch.setattr(dispatch, "process", lambda delivery_id: dispatch.Outcome("retry", 3600))
    assert tasks.deliver.run(delivery.pk) == "deferred"
