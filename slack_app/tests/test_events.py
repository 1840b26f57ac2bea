"""The Events API over HTTP: verified like every Slack request, answered at once, and each event
handed to its handler once however often Slack sends it."""

import json
import threading
from datetime import timedelta

import pytest
from django.db import OperationalError, close_old_connections, connections
from django.utils import timezone

from slack_app import handlers, receipts
from slack_app.events import SlackEvent
from slack_app.models import SlackEventReceipt
from workers import publish, tasks

from .signed import event_callback, post_json, sign

pytestmark = pytest.mark.django_db

REACTION = {
    "type": "reaction_added",
    "user": "U0AIKO",
    "reaction": "bulb",
    "item": {"type": "message", "channel": "C0MAIN", "ts": "1700000000.000100"},
}


@pytest.fixture
def handled(monkeypatch) -> list[SlackEvent]:
    """A handler for reaction_added (the shortcut's own lands at merge): what it was given."""
    seen: list[SlackEvent] = []
    monkeypatch.setitem(handlers.EVENT_HANDLERS, "reaction_added", seen.append)
    return seen


def _body(**fields) -> bytes:
    return json.dumps({**event_callback(REACTION), **fields}).encode()


def _run(jobs):
    """What a worker does with the published jobs."""
    for job in list(jobs):
        if job.name == publish.SLACK_HANDLE_EVENT:
            tasks.slack_handle_event.apply(args=job.args)


def test_url_verification_is_answered_with_the_challenge(client, published):
    body = json.dumps(
        {"token": "x", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
         "type": "url_verification"}
    ).encode()  # fmt: skip
    response = post_json(client, "/slack/events", body)
    assert response.status_code == 200
    assert response.json() == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}
    assert not SlackEventReceipt.objects.exists() and published == []


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param(lambda body: sign(body, secret="not-the-secret"), id="wrong secret"),
        pytest.param(lambda body: sign(body, timestamp="1"), id="stale"),
        pytest.param(lambda body: {}, id="unsigned"),
    ],
)
def test_a_bad_signature_is_refused_and_nothing_is_recorded(client, published, handled, headers):
    body = _body()
    response = post_json(client, "/slack/events", body, headers(body))
    assert response.status_code == 401
    assert response.json() == {"error": "invalid_signature"}
    assert not SlackEventReceipt.objects.exists() and published == []


MALFORMED = {
    "not JSON": b"event_callback",
    "a list": json.dumps([event_callback(REACTION)]).encode(),
    "type missing": json.dumps({**event_callback(REACTION), "type": None}).encode(),
    "event missing": _body(event=None),
    "event a string": _body(event="reaction_added"),
    "event without a type": _body(event={"user": "U0AIKO"}),
    "event type a number": _body(event={"type": 7}),
    "event_id missing": _body(event_id=None),
    "event_id a number": _body(event_id=42),
    "event_id too long": _body(event_id="E" * 300),
    "team_id an object": _body(team_id={"id": "T0COMMUNITY"}),
    "NUL in the event": _body(event={**REACTION, "reaction": "bulb\x00"}),
    "NUL in a key": _body(event={**REACTION, "x\x00": "y"}),
    "challenge missing": json.dumps({"type": "url_verification"}).encode(),
    # Longer than the receipt keeps (a 500 from the database before).
    "event type too long": _body(event={**REACTION, "type": "reaction_added" * 10}),
    # Deeper than Python's JSON decoder goes (a RecursionError, so a 500, before).
    "nested too deep": b'{"type": "event_callback", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_a_signed_body_of_the_wrong_shape_is_a_clear_400(client, published, handled, case):
    response = post_json(client, "/slack/events", MALFORMED[case])
    assert response.status_code == 400
    answer = response.json()
    assert answer["error"] == "invalid_payload" and answer["detail"]
    assert not SlackEventReceipt.objects.exists() and published == []


def test_an_event_is_answered_at_once_and_handled_by_a_worker(
    client, published, handled, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_json(client, "/slack/events", _body())
    assert response.status_code == 200
    assert handled == []  # answered before the work is done: the work is the published task
    assert [(job.name, job.args) for job in published] == [
        (publish.SLACK_HANDLE_EVENT, ("Ev0001",))
    ]

    _run(published)
    assert handled == [
        SlackEvent(event_id="Ev0001", team_id="T0COMMUNITY", type="reaction_added", event=REACTION)
    ]
    assert SlackEventReceipt.objects.get().handled_at is not None


@pytest.mark.parametrize("flag, shared", [(True, True), (False, False), ("yes", False)])
def test_the_handler_knows_an_event_from_a_channel_shared_with_another_organisation(
    client, published, handled, django_capture_on_commit_callbacks, flag, shared
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_json(client, "/slack/events", _body(is_ext_shared_channel=flag))
    assert response.status_code == 200
    _run(published)
    [event] = handled
    assert event.ext_shared is shared


def test_an_event_retried_by_slack_is_handled_once(
    client, published, handled, django_capture_on_commit_callbacks
):
    body = _body()
    with django_capture_on_commit_callbacks(execute=True):
        post_json(client, "/slack/events", body)
    _run(published)
    published.clear()
    for retry in ("1", "2"):
        with django_capture_on_commit_callbacks(execute=True):
            response = post_json(
                client, "/slack/events", body, HTTP_X_SLACK_RETRY_NUM=retry,
                HTTP_X_SLACK_RETRY_REASON="http_timeout",
            )  # fmt: skip
        assert response.status_code == 200
    _run(published)

    assert len(handled) == 1
    assert SlackEventReceipt.objects.get().deliveries == 3
    assert published == []  # handled already: nothing published again


def test_a_retry_before_the_worker_ran_is_still_handled_once(
    client, published, handled, django_capture_on_commit_callbacks
):
    """The first publish may have been lost: a retry publishes again, and the second task finds
    the event handled."""
    for retry in ({}, {"HTTP_X_SLACK_RETRY_NUM": "1"}):
        with django_capture_on_commit_callbacks(execute=True):
            post_json(client, "/slack/events", _body(), **retry)
    assert [job.name for job in published] == [publish.SLACK_HANDLE_EVENT] * 2
    _run(published)
    assert len(handled) == 1


def test_an_event_from_another_workspace_or_app_is_not_recorded(client, published, handled):
    for body in (_body(team_id="T0OTHER"), _body(api_app_id="A0SOMEONEELSE")):
        assert post_json(client, "/slack/events", body).status_code == 200
    assert not SlackEventReceipt.objects.exists() and published == []


def test_an_event_nobody_handles_is_recorded_and_done(
    client, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post_json(client, "/slack/events", _body(event={"type": "team_join", "user": {"id": "U1"}}))
    _run(published)
    assert SlackEventReceipt.objects.get().handled_at is not None


def test_a_passing_database_failure_rolls_back_and_tries_again(monkeypatch, published):
    calls: list[str] = []

    def flaky(event: SlackEvent) -> None:
        calls.append(event.event_id)
        SlackEventReceipt.objects.create(event_id="written-by-the-handler", type="x")
        if len(calls) == 1:
            raise OperationalError("the database went away")

    monkeypatch.setitem(handlers.EVENT_HANDLERS, "reaction_added", flaky)
    receipts.event_receipt_record(
        event_id="Ev0009", team_id="T0COMMUNITY", type="reaction_added", event=REACTION
    )
    tasks.slack_handle_event.apply(args=("Ev0009",))  # eager: the retry runs at once

    assert calls == ["Ev0009", "Ev0009"]
    assert SlackEventReceipt.objects.filter(event_id="written-by-the-handler").count() == 1
    assert SlackEventReceipt.objects.get(event_id="Ev0009").handled_at is not None


@pytest.mark.django_db(transaction=True)
def test_two_arrivals_at_once_record_one_receipt_and_do_the_work_once(monkeypatch, published):
    """Two runners (or a runner and the HTTP endpoint) receive the same event at the same moment,
    and both tasks run at once: one receipt, one handling."""
    seen: list[str] = []
    monkeypatch.setitem(
        handlers.EVENT_HANDLERS, "reaction_added", lambda e: seen.append(e.event_id)
    )
    barrier = threading.Barrier(2)
    firsts: list[bool] = []

    def at_once(work):
        def run():
            close_old_connections()
            try:
                barrier.wait(timeout=10)
                work()
            finally:
                connections.close_all()

        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

    at_once(
        lambda: firsts.append(
            receipts.event_receipt_record(
                event_id="Ev0002", team_id="T0COMMUNITY", type="reaction_added", event=REACTION
            )
        )
    )
    assert sorted(firsts) == [False, True]
    assert SlackEventReceipt.objects.get(event_id="Ev0002").deliveries == 2

    at_once(lambda: receipts.event_receipt_handle(event_id="Ev0002"))
    assert seen == ["Ev0002"]


def test_beat_publishes_a_lost_event_again_and_prunes_old_receipts(published, settings):
    settings.SLACK_EVENT_RECEIPT_DAYS = 7
    now = timezone.now()
    for event_id, age, handled in (
        ("Ev-new", timedelta(seconds=10), False),  # its task is on its way
        ("Ev-lost", timedelta(minutes=10), False),  # its task was lost
        ("Ev-done", timedelta(minutes=10), True),
        ("Ev-old", timedelta(days=8), True),
    ):
        receipt = SlackEventReceipt.objects.create(event_id=event_id, type="reaction_added")
        SlackEventReceipt.objects.filter(pk=receipt.pk).update(
            received_at=now - age, handled_at=now if handled else None
        )
    published.clear()

    assert tasks.sweep_slack_event_receipts.run() == 1
    assert [(job.name, job.args) for job in published] == [
        (publish.SLACK_HANDLE_EVENT, ("Ev-lost",))
    ]
    assert set(SlackEventReceipt.objects.values_list("event_id", flat=True)) == {
        "Ev-new", "Ev-lost", "Ev-done"
    }  # fmt: skip
