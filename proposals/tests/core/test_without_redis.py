"""With Redis stopped (broker and cache), every write through pages and API still succeeds: nothing
that reaches the cache or the broker runs inside a transaction, and publishing after commit never
turns a committed change into an error. The deliveries wait in the outbox for the sweeper."""

import socket

import pytest
from django.core.cache import caches

from incubator.celery_app import app as celery_app
from members.tests.factories import UserFactory
from proposals.models import Cheer, Comment, Membership, Proposal
from proposals.tests.api.conftest import ApiClient
from proposals.tests.factories import make_proposal
from proposals.tests.web.conftest import form_data
from workers.models import Delivery, DeliveryStatus

# Real commits, so what is published after commit runs as in production (robust on_commit).
pytestmark = pytest.mark.django_db(transaction=True)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens once the probe is closed


@pytest.fixture
def redis_down(settings):
    url = f"redis://127.0.0.1:{_closed_port()}/0"
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    }
    settings.SLACK_BOT_TOKEN = "xoxb-test"  # Slack deliveries and card refreshes are published too
    settings.SLACK_CHANNEL_ID = "C0MAIN"
    saved = celery_app.conf.broker_url, celery_app._pool
    celery_app.conf.broker_url = url
    celery_app._pool = None
    with pytest.raises(Exception):  # noqa: B017 - the cache really is unreachable
        caches["default"].get("anything")
    yield
    celery_app.conf.broker_url, celery_app._pool = saved


def _pending() -> int:
    return Delivery.objects.filter(status=DeliveryStatus.PENDING).count()


def test_page_writes_succeed_and_wait_in_the_outbox(client, redis_down):
    proposer, helper = UserFactory(), UserFactory()
    proposal = make_proposal(proposer=proposer, roles=("デザイナー",))
    before = _pending()

    client.force_login(helper)
    assert (
        client.post(f"/proposals/{proposal.pk}/comments/", {"body": "手伝えます"}).status_code
        == 302
    )
    assert client.post(f"/proposals/{proposal.pk}/cheer/").status_code == 302
    joined = client.post(f"/proposals/{proposal.pk}/join/", {"role_choice": "デザイナー"})
    assert joined.status_code == 302

    client.force_login(proposer)
    moved = client.post(
        f"/proposals/{proposal.pk}/move/", {"to": "discussion", "seen_status": "idea"}
    )
    assert moved.status_code == 302
    edited = client.post(
        f"/proposals/{proposal.pk}/edit/",
        form_data(title="新しいタイトル", summary="要約", **{"form-0-name": "デザイナー"}),
    )
    assert edited.status_code == 302
    assert client.get(f"/proposals/{proposal.pk}/").status_code == 200
    assert client.get("/").status_code == 200

    proposal.refresh_from_db()
    assert (proposal.title, proposal.status) == ("新しいタイトル", "discussion")
    assert Comment.objects.filter(proposal=proposal, body="手伝えます").exists()
    assert Cheer.objects.filter(proposal=proposal, user=helper).exists()
    assert Membership.objects.filter(proposal=proposal, user=helper, status="requested").exists()
    assert _pending() > before  # kept for the sweeper, not lost


def test_api_writes_succeed(redis_down):
    proposer, helper = UserFactory(), UserFactory()
    as_proposer, as_helper = ApiClient(proposer), ApiClient(helper)
    created = as_proposer.post(
        "/proposals", {"title": "防災マップ", "summary": "地域の防災マップを作る", "roles": []}
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert as_helper.post(f"/proposals/{pk}/comments", {"body": "いいですね"}).status_code == 201
    assert as_helper.post(f"/proposals/{pk}/cheer", {"cheered": True}).status_code == 200
    assert as_helper.post(f"/proposals/{pk}/join-requests", {"role": "広報"}).status_code == 201
    assert as_proposer.post(f"/proposals/{pk}/transitions", {"to": "discussion"}).status_code == 200
    assert as_proposer.patch(f"/proposals/{pk}", {"summary": "地図と避難訓練"}).status_code == 200
    assert Proposal.objects.get(pk=pk).summary == "地図と避難訓練"
