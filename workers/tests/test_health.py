"""Operations: /healthz (database, broker, backlog age), the backlog warning logged once, and each
lane's backlog in the admin with a retry of its failed deliveries."""

import logging
import socket
from datetime import timedelta

import pytest
from django.utils import timezone

from incubator.celery_app import app as celery_app
from members.tests.factories import UserFactory
from proposals.tests.factories import make_proposal
from workers import health
from workers.events import Channel
from workers.models import ChannelState, Delivery, DeliveryStatus

from .test_embedded_broker import use_embedded_broker

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker(tmp_path):
    saved = celery_app.conf.broker_url, celery_app.conf.broker_transport_options
    use_embedded_broker(tmp_path)
    yield
    celery_app.conf.broker_url, celery_app.conf.broker_transport_options = saved
    celery_app._pool = None


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _waiting(settings, *, minutes: float, tags=()) -> Delivery:
    settings.SLACK_BOT_TOKEN = "xoxb-test"
    make_proposal(tags=list(tags))
    delivery = Delivery.objects.filter(channel=Channel.SLACK).latest("pk")
    Delivery.objects.filter(pk=delivery.pk).update(
        due_at=timezone.now() - timedelta(minutes=minutes)
    )
    return delivery


def test_healthz_says_everything_answers_and_nothing_waits_long(client, broker, settings):
    settings.SLACK_CHANNEL_ID = "C0MAIN"
    _waiting(settings, minutes=2)
    assert "lanes" not in client.get("/healthz").json()["backlog"]  # channel ids: staff only

    client.force_login(UserFactory(is_staff=True))
    response = client.get("/healthz")
    assert response.status_code == 200
    report = response.json()
    assert (report["status"], report["database"], report["broker"]) == ("ok", "ok", "ok")
    assert report["backlog"]["lanes"]["C0MAIN"]["count"] == 1
    assert 110 <= report["backlog"]["oldest_seconds"] <= 600
    assert report["backlog"]["limit_seconds"] == 600


def test_healthz_answers_503_when_the_broker_is_down(client, settings):
    saved = celery_app.conf.broker_url
    celery_app.conf.broker_url = f"redis://127.0.0.1:{_closed_port()}/0"
    try:
        response = client.get("/healthz")
    finally:
        celery_app.conf.broker_url = saved
    assert response.status_code == 503
    assert response.json()["broker"] == "unavailable"
    assert response.json()["database"] == "ok"


def test_the_web_containers_own_check_stays_healthy_through_a_broker_outage(client):
    """Restarting the web would not mend the broker: compose's web check asks only its part."""
    saved = celery_app.conf.broker_url
    celery_app.conf.broker_url = f"redis://127.0.0.1:{_closed_port()}/0"
    try:
        response = client.get("/healthz", {"web": "1"})
    finally:
        celery_app.conf.broker_url = saved
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_healthz_answers_503_when_a_backlog_is_older_than_the_limit(client, broker, settings):
    settings.SLACK_CHANNEL_ID = "C0MAIN"
    settings.WORKERS_BACKLOG_WARN_SECONDS = 600
    _waiting(settings, minutes=11)
    response = client.get("/healthz")
    assert response.status_code == 503
    report = response.json()
    assert report["status"] == "unhealthy" and report["broker"] == "ok"
    assert report["backlog"]["oldest_seconds"] >= 660


def test_an_old_backlog_is_logged_once_then_again_after_it_cleared(settings, caplog):
    settings.SLACK_CHANNEL_ID = "C0MAIN"
    first = _waiting(settings, minutes=11)
    _waiting(settings, minutes=1)
    with caplog.at_level(logging.WARNING, logger="workers.health"):
        assert health.warn_about_backlog() == ["C0MAIN"]
        assert health.warn_about_backlog() == []
    [record] = caplog.records
    assert "C0MAIN: 2 deliveries waiting" in record.getMessage()

    Delivery.objects.filter(pk=first.pk).update(status=DeliveryStatus.SENT)
    assert health.warn_about_backlog() == []  # young again
    _waiting(settings, minutes=12)
    assert health.warn_about_backlog() == ["C0MAIN"]


def test_a_not_yet_due_delivery_is_no_backlog(settings):
    settings.SLACK_CHANNEL_ID = "C0MAIN"
    delivery = _waiting(settings, minutes=1)
    Delivery.objects.filter(pk=delivery.pk).update(due_at=timezone.now() + timedelta(minutes=9))
    assert health.backlog() == []


def test_the_admin_lists_each_lanes_backlog_and_retries_its_failed_deliveries(
    admin_client, settings, published, django_capture_on_commit_callbacks
):
    settings.SLACK_CHANNEL_ID = "C0MAIN"
    settings.SLACK_THEME_CHANNELS = {"防災": "C0BOSAI"}
    _waiting(settings, minutes=3)
    _waiting(settings, minutes=1)
    failed = _waiting(settings, minutes=1, tags=["防災"])
    Delivery.objects.filter(pk=failed.pk).update(status=DeliveryStatus.FAILED)
    _waiting(settings, minutes=1, tags=["防災"])
    health.warn_about_backlog()  # what beat's sweep does: every lane with a backlog is listed

    page = admin_client.get("/admin/workers/channelstate/").content.decode()
    assert "C0MAIN" in page and "C0BOSAI" in page
    assert "3 min" in page  # the main channel's oldest waits about three minutes

    lane = ChannelState.objects.get(key="C0BOSAI")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/workers/channelstate/",
            {"action": "retry_failed", "_selected_action": [lane.pk]},
        )
    assert response.status_code == 302
    assert Delivery.objects.get(pk=failed.pk).status == DeliveryStatus.PENDING
    assert ("workers.relay_channel", ("C0BOSAI",)) in [(job.name, job.args) for job in published]
