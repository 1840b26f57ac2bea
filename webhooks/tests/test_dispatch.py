"""One webhook delivery at a time (webhooks.dispatch.process, as the worker's task runs it), against
the real receiver on the loopback: what is sent and signed, what is retried and when, what fails,
and when a webhook is turned off and the moderators told."""

from datetime import timedelta

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from members.models import ProfileVisibility
from members.tests.factories import UserFactory
from proposals import services as proposal_services
from proposals.tests.factories import make_proposal
from webhooks import addresses, dispatch, outbox, sender, services
from webhooks.models import AttemptOutcome, DisabledReason, Endpoint, WebhookDelivery
from workers import publish, tasks
from workers.events import Channel, EventKind
from workers.models import Delivery, DeliveryStatus

from .conftest import Answer

pytestmark = pytest.mark.django_db


def _comment(body: str = "参加したいです", proposal=None, author=None):
    return proposal_services.comment_create(
        proposal=proposal or make_proposal(), author=author or UserFactory(), body=body
    )


def _only_delivery(**filters) -> WebhookDelivery:
    return WebhookDelivery.objects.get(**filters)


def _reload(delivery: WebhookDelivery) -> WebhookDelivery:
    return WebhookDelivery.objects.get(pk=delivery.pk)


def test_a_comment_reaches_the_receiver_signed_as_the_docs_say(endpoint_for, receiver):
    endpoint = endpoint_for(events=[EventKind.COMMENTED])
    author = UserFactory(display_name="はなこ", email="hanako@example.org")
    proposal = make_proposal(title="週末の清掃活動", status="discussion")
    comment = _comment("土曜の朝なら行けます", proposal=proposal, author=author)
    delivery = _only_delivery(endpoint=endpoint)

    assert dispatch.process(delivery.pk).result == "sent"

    [request] = receiver.requests
    assert request.verified, "the snippet in docs/webhooks.md accepts our signature"
    assert request.path == "/hooks/incubator"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["X-Incubator-Event"] == "commented"
    assert request.headers["X-Incubator-Delivery"] == str(delivery.uuid)
    body = request.json
    assert body["delivery_id"] == str(delivery.uuid)
    assert body["kind"] == "commented"
    assert body["proposal"] == {
        "id": proposal.pk,
        "title": "週末の清掃活動",
        "url": f"http://testserver/proposals/{proposal.pk}/",
        "stage": "discussion",
    }
    assert body["actor"] == {"name": "はなこ"}
    assert body["data"] == {"comment_id": comment.pk, "excerpt": "土曜の朝なら行けます"}
    assert body["occurred_at"].endswith("Z")
    assert "hanako@example.org" not in request.body.decode()
    delivered = _reload(delivery)
    assert (delivered.status, delivered.attempts, delivered.last_status) == ("sent", 1, 200)
    assert [a.outcome for a in delivered.attempt_log.all()] == [AttemptOutcome.SENT]


def test_the_documented_check_refuses_a_changed_body_a_wrong_secret_and_an_old_request(
    endpoint_for, receiver
):
    endpoint_for(events=[EventKind.COMMENTED])
    _comment()
    dispatch.process(_only_delivery().pk)
    [request] = receiver.requests
    timestamp = int(request.headers["X-Incubator-Timestamp"])

    assert receiver.verify(receiver.secret, request.headers, request.body, now=timestamp)
    assert not receiver.verify(receiver.secret, request.headers, request.body + b" ")
    assert not receiver.verify("whsec_someone-else", request.headers, request.body)
    assert not receiver.verify(
        receiver.secret, request.headers, request.body, now=timestamp + 301
    ), "a request recorded and played back later is refused"


def test_only_the_kinds_each_webhook_chose_are_queued(endpoint_for, receiver, moderator):
    submitted = endpoint_for(events=[EventKind.SUBMITTED], name="New ideas")
    comments = endpoint_for(events=[EventKind.COMMENTED], name="Comments")
    off = endpoint_for(events=[EventKind.SUBMITTED, EventKind.COMMENTED], name="Off")
    services.endpoint_turn_off(endpoint=off, by=moderator)

    proposal = make_proposal(status="team_forming")
    _comment(proposal=proposal)
    applicant = UserFactory()
    membership = proposal_services.membership_request(
        proposal=proposal, user=applicant, role="designer"
    )
    proposal_services.membership_decline(membership=membership, by=proposal.proposer)

    assert list(submitted.deliveries.values_list("kind", flat=True)) == ["submitted"]
    assert list(comments.deliveries.values_list("kind", flat=True)) == ["commented"]
    assert not off.deliveries.exists()
    # An answer to a join request is the applicant's alone: no webhook may hear it.
    assert not WebhookDelivery.objects.filter(kind=EventKind.JOIN_DECLINED).exists()


def test_a_rolled_back_change_queues_and_publishes_nothing(
    endpoint_for, published, django_capture_on_commit_callbacks
):
    endpoint_for(events=[EventKind.COMMENTED])
    proposal = make_proposal()
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        _comment("oops", proposal=proposal)
        raise RuntimeError("the request failed after the comment")

    assert not WebhookDelivery.objects.exists()
    assert [p for p in published if p.name == publish.DELIVER_WEBHOOK] == []


def test_a_committed_change_is_published_after_commit(
    endpoint_for, published, django_capture_on_commit_callbacks
):
    endpoint_for(events=[EventKind.COMMENTED])
    proposal = make_proposal()
    with django_capture_on_commit_callbacks(execute=True):
        _comment(proposal=proposal)

    delivery = _only_delivery()
    assert [p.args for p in published if p.name == publish.DELIVER_WEBHOOK] == [(delivery.pk,)]


def test_a_5xx_is_retried_after_a_backoff_and_delivered_once(endpoint_for, receiver, settings):
    settings.WORKERS_BACKOFF_BASE_SECONDS = 10
    endpoint = endpoint_for(events=[EventKind.COMMENTED])
    _comment()
    delivery = _only_delivery()
    receiver.answer(Answer(status=503, body="down for maintenance"))

    outcome = dispatch.process(delivery.pk)

    waiting = _reload(delivery)
    assert outcome.result == "retry"
    assert (waiting.status, waiting.attempts, waiting.last_status) == ("pending", 1, 503)
    # Exponential backoff with jitter: the first pause is between half and all of the base.
    pause = (waiting.not_before - timezone.now()).total_seconds()
    assert 4 <= pause <= 10
    assert dispatch.process(delivery.pk).result == "busy", "not due yet: nothing is sent"
    assert len(receiver.requests) == 1

    with time_machine.travel(waiting.not_before + timedelta(seconds=1), tick=True):
        assert dispatch.process(delivery.pk).result == "sent"
        assert dispatch.process(delivery.pk).result == "sent", "a repeat sends nothing"

    first, second = receiver.requests
    assert first.verified and second.verified
    assert first.body == second.body
    assert first.headers["X-Incubator-Delivery"] == second.headers["X-Incubator-Delivery"]
    assert int(second.headers["X-Incubator-Timestamp"]) > int(
        first.headers["X-Incubator-Timestamp"]
    )
    log = list(_reload(delivery).attempt_log.all())
    assert [(a.outcome, a.http_status) for a in log] == [("retry", 503), ("sent", 200)]
    assert log[0].response_excerpt == "down for maintenance"
    assert log[0].retry_at == waiting.not_before
    assert Endpoint.objects.get(pk=endpoint.pk).consecutive_failures == 0


def test_a_429_waits_at_least_as_long_as_the_receiver_asks(endpoint_for, receiver, settings):
    settings.WORKERS_BACKOFF_BASE_SECONDS = 1
    endpoint_for(events=[EventKind.COMMENTED])
    _comment()
    receiver.answer(Answer(status=429, headers={"Retry-After": "120"}))

    assert dispatch.process(_only_delivery().pk).result == "retry"

    pause = (_only_delivery().not_before - timezone.now()).total_seconds()
    assert 118 <= pause <= 121


def test_a_slow_receiver_is_tried_again_later(endpoint_for, receiver, settings):
    settings.WEBHOOKS_TIMEOUT_SECONDS = 0.3
    endpoint_for(events=[EventKind.COMMENTED])
    _comment()
    receiver.answer(Answer(delay=1.5))

    assert dispatch.process(_only_delivery().pk).result == "retry"

    waiting = _only_delivery()
    assert waiting.status == "pending" and "timed out" in waiting.last_error.lower()


@pytest.mark.parametrize("status", [404, 410])
def test_a_gone_receiver_turns_the_webhook_off_and_the_moderators_hear_of_it(
    endpoint_for, receiver, moderator, settings, status
):
    settings.WEBHOOKS_DISABLE_AFTER_FAILURES = 3
    other_moderator = UserFactory(moderator=True)
    member = UserFactory()
    endpoint = endpoint_for(events=[EventKind.COMMENTED], name="Old dashboard")
    proposal = make_proposal()
    receiver.answer(*[Answer(status=status, body="no such hook")] * 3)

    for attempt in range(3):
        _comment(f"comment {attempt}", proposal=proposal)
        delivery = WebhookDelivery.objects.order_by("-pk").first()
        assert dispatch.process(delivery.pk).result == "failed", "a 4xx is not retried"
        assert _reload(delivery).attempts == 1

    endpoint.refresh_from_db()
    assert not endpoint.active
    assert endpoint.disabled_reason == DisabledReason.FAILURES
    assert endpoint.disabled_error == f"HTTP {status}"
    told = Delivery.objects.filter(event__kind=EventKind.WEBHOOK_DISABLED)
    assert set(told.filter(channel=Channel.INAPP).values_list("recipient_id", flat=True)) == {
        moderator.pk,
        other_moderator.pk,
    }
    assert set(told.filter(channel=Channel.EMAIL).values_list("recipient_id", flat=True)) == {
        moderator.pk,
        other_moderator.pk,
    }
    assert not told.filter(recipient=member).exists()
    [event] = {d.event for d in told}
    assert event.payload["endpoint_id"] == endpoint.pk
    assert event.payload["failures"] == 3

    # Off: a new comment queues nothing for it, and the moderators are told only once.
    _comment("after", proposal=proposal)
    assert endpoint.deliveries.count() == 3
    assert len(receiver.requests) == 3


def test_a_success_between_failures_starts_the_count_again(endpoint_for, receiver, settings):
    settings.WEBHOOKS_DISABLE_AFTER_FAILURES = 2
    endpoint = endpoint_for(events=[EventKind.COMMENTED])
    proposal = make_proposal()
    receiver.answer(Answer(status=404), Answer(status=200), Answer(status=404))

    for attempt in range(3):
        _comment(f"comment {attempt}", proposal=proposal)
        dispatch.process(WebhookDelivery.objects.order_by("-pk").first().pk)

    endpoint.refresh_from_db()
    assert endpoint.active and endpoint.consecutive_failures == 1
    assert not Delivery.objects.filter(event__kind=EventKind.WEBHOOK_DISABLED).exists()


def test_a_delivery_that_gives_up_counts_as_a_failure(endpoint_for, receiver, settings):
    settings.WEBHOOKS_MAX_ATTEMPTS = 2
    settings.WEBHOOKS_DISABLE_AFTER_FAILURES = 1
    settings.WORKERS_BACKOFF_BASE_SECONDS = 1
    endpoint = endpoint_for(events=[EventKind.COMMENTED])
    _comment()
    delivery = _only_delivery()
    receiver.answer(Answer(status=500), Answer(status=502))

    assert dispatch.process(delivery.pk).result == "retry"
    with time_machine.travel(_reload(delivery).not_before + timedelta(seconds=1), tick=True):
        assert dispatch.process(delivery.pk).result == "failed"

    failed = _reload(delivery)
    assert failed.status == "failed" and failed.attempts == 2
    assert failed.last_error == "gave up after 2 attempts: HTTP 502"
    assert not Endpoint.objects.get(pk=endpoint.pk).active


def test_a_redirect_is_not_followed(endpoint_for, receiver):
    endpoint_for(events=[EventKind.COMMENTED])
    _comment()
    receiver.answer(Answer(status=301, headers={"Location": "http://127.0.0.1:9/elsewhere"}))

    assert dispatch.process(_only_delivery().pk).result == "failed"

    assert len(receiver.requests) == 1
    failed = _only_delivery()
    assert failed.last_status == 301
    assert "redirect" in failed.last_error and "127.0.0.1:9/elsewhere" in failed.last_error


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_a_loopback_address_is_refused_at_send_time_without_the_setting(
    endpoint_for, receiver, settings, scheme
):
    port = receiver.server.server_address[1]
    endpoint = endpoint_for(events=[EventKind.COMMENTED], url=f"{scheme}://127.0.0.1:{port}/h")
    _comment()
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = False

    assert dispatch.process(_only_delivery().pk).result == "failed"

    assert receiver.requests == []
    failed = _only_delivery()
    if scheme == "http":
        assert "https://" in failed.last_error
    else:
        assert "private network (127.0.0.1)" in failed.last_error
    assert Endpoint.objects.get(pk=endpoint.pk).consecutive_failures == 1


def test_an_address_whose_dns_now_points_inside_is_not_contacted(moderator, monkeypatch, settings):
    """Checked when saved and again right before the request: DNS may answer differently."""
    answers = {"hooks.example.org": "93.184.216.34"}

    def getaddrinfo(host, port, *args, **kwargs):
        return [(2, 1, 6, "", (answers[host], port))]

    monkeypatch.setattr(addresses.socket, "getaddrinfo", getaddrinfo)
    services.endpoint_create(
        by=moderator,
        name="Dashboard",
        url="https://hooks.example.org/incubator",
        events=[EventKind.COMMENTED],
    )
    _comment()
    answers["hooks.example.org"] = "10.0.0.7"

    def no_request(*args, **kwargs):
        raise AssertionError("no request may leave for a private address")

    monkeypatch.setattr(sender, "post", no_request)

    assert dispatch.process(_only_delivery().pk).result == "failed"
    assert "10.0.0.7" in _only_delivery().last_error


def test_the_request_goes_to_the_address_that_was_checked(moderator, monkeypatch, receiver):
    """The connection is made to the checked address, never to a second lookup's answer."""
    port = receiver.server.server_address[1]
    lookups = []

    def getaddrinfo(host, asked_port, *args, **kwargs):
        lookups.append(host)
        return [(2, 1, 6, "", ("127.0.0.1", asked_port))]

    monkeypatch.setattr(addresses.socket, "getaddrinfo", getaddrinfo)
    _endpoint, secret = services.endpoint_create(
        by=moderator,
        name="Dashboard",
        url=f"http://hooks.example.org:{port}/incubator",
        events=[EventKind.COMMENTED],
    )
    receiver.secret = secret
    _comment()

    assert dispatch.process(_only_delivery().pk).result == "sent"

    [request] = receiver.requests
    assert request.headers["Host"] == f"hooks.example.org:{port}"
    # One lookup of the name on save, one to send; the connection itself only names the address.
    assert [host for host in lookups if host != "127.0.0.1"] == ["hooks.example.org"] * 2


def test_a_delivery_claimed_by_one_worker_is_not_sent_by_another(endpoint_for, receiver):
    endpoint_for(events=[EventKind.COMMENTED])
    _comment()
    delivery = _only_delivery()
    assert outbox.claim(delivery.pk) is not None  # a first worker holds it

    assert dispatch.process(delivery.pk).result == "busy"
    assert receiver.requests == []

    # That worker died mid-send: after its lease, the next run takes over, and the lost try counts.
    lease = _reload(delivery).lease_until
    with time_machine.travel(lease + timedelta(seconds=1), tick=True):
        assert dispatch.process(delivery.pk).result == "sent"
    assert len(receiver.requests) == 1
    assert _reload(delivery).attempts == 2


def test_retry_now_sends_a_failed_delivery_again(endpoint_for, receiver, moderator, published):
    endpoint = endpoint_for(events=[EventKind.COMMENTED])
    _comment()
    delivery = _only_delivery()
    receiver.answer(Answer(status=404))
    assert dispatch.process(delivery.pk).result == "failed"

    assert services.delivery_retry(endpoint=endpoint, by=moderator, delivery_id=delivery.pk) == 1

    retried = _reload(delivery)
    assert (retried.status, retried.attempts) == ("pending", 0)
    assert dispatch.process(delivery.pk).result == "sent"
    assert [a.outcome for a in _reload(delivery).attempt_log.all()] == ["failed", "sent"]
    assert len(receiver.requests) == 2
    assert services.delivery_retry(endpoint=endpoint, by=moderator, delivery_id=delivery.pk) == 0


def test_nothing_is_sent_to_a_webhook_turned_off_while_a_delivery_waited(
    endpoint_for, receiver, moderator
):
    endpoint = endpoint_for(events=[EventKind.COMMENTED])
    _comment()
    services.endpoint_turn_off(endpoint=endpoint, by=moderator)

    dispatch.process(_only_delivery().pk)

    assert receiver.requests == []
    assert _only_delivery().status == DeliveryStatus.FAILED
    assert Endpoint.objects.get(pk=endpoint.pk).consecutive_failures == 0


def test_the_sweeper_publishes_a_delivery_that_never_reached_the_broker(
    endpoint_for, published, django_capture_on_commit_callbacks
):
    endpoint_for(events=[EventKind.COMMENTED])
    _comment()
    delivery = _only_delivery()
    published.clear()

    with (
        time_machine.travel(timezone.now() + timedelta(minutes=2)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        tasks.sweep_deliveries()

    assert (publish.DELIVER_WEBHOOK, (delivery.pk,)) in [(p.name, p.args) for p in published]


def test_the_log_forgets_finished_deliveries_after_its_days(endpoint_for, receiver, settings):
    settings.WEBHOOKS_LOG_DAYS = 30
    endpoint_for(events=[EventKind.COMMENTED])
    _comment()
    dispatch.process(_only_delivery().pk)

    outbox.prune(now=timezone.now() + timedelta(days=29))
    assert WebhookDelivery.objects.exists()
    outbox.prune(now=timezone.now() + timedelta(days=31))
    assert not WebhookDelivery.objects.exists()


def test_a_join_request_says_who_and_which_role_but_not_what_they_wrote(endpoint_for, receiver):
    endpoint_for(events=[EventKind.JOIN_REQUESTED])
    proposal = make_proposal(status="team_forming")
    applicant = UserFactory(
        display_name="たろう",
        email="taro@example.org",
        bio="ひみつの自己紹介",
        profile_visibility=ProfileVisibility.TEAM,
    )
    proposal_services.membership_request(
        proposal=proposal,
        user=applicant,
        role="designer",
        availability="土日",
        message="電話番号は090-0000-0000です",
    )

    dispatch.process(_only_delivery().pk)

    [request] = receiver.requests
    assert request.json["data"] == {"member": "たろう", "role": "designer"}
    assert request.json["actor"] == {"name": "たろう"}
    text = request.body.decode()
    for private in ("090-0000-0000", "土日", "taro@example.org", "ひみつの自己紹介"):
        assert private not in text


def test_cheers_go_out_as_one_batch_when_its_window_closes(endpoint_for, receiver, settings):
    settings.WORKERS_CHEER_WINDOW_SECONDS = 600
    endpoint_for(events=[EventKind.CHEERED])
    proposal = make_proposal()
    for _cheerer in range(2):
        proposal_services.cheer_set(proposal=proposal, user=UserFactory(), cheered=True)

    delivery = _only_delivery()
    assert dispatch.process(delivery.pk).result == "busy", "the batch is still open"
    with time_machine.travel(delivery.not_before + timedelta(seconds=1), tick=True):
        assert dispatch.process(delivery.pk).result == "sent"

    [request] = receiver.requests
    assert request.json["data"] == {"cheers": 2}
    assert request.json["actor"] is None


def test_a_test_event_is_signed_and_logged_like_any_other(endpoint_for, receiver, moderator):
    endpoint = endpoint_for(events=[EventKind.COMMENTED])

    delivery = services.endpoint_ping(endpoint=endpoint, by=moderator)
    assert dispatch.process(delivery.pk).result == "sent"

    [request] = receiver.requests
    assert request.verified
    assert request.headers["X-Incubator-Event"] == "ping"
    assert request.json["kind"] == "ping" and request.json["proposal"] is None
    assert request.json["actor"] == {"name": "森 さくら"}
    assert _reload(delivery).status == "sent"
