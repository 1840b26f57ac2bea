"""RSVP from a meetup's Slack card: signed interactions, the real services, the relay and the
loopback fake Slack (the private answer goes through the response_url, the card through chat.update).
"""

import json

import pytest

from meetups import services as meetups
from meetups.choices import Answer, RsvpStatus
from meetups.models import Rsvp
from meetups.tests.factories import make_meetup
from members.tests.factories import UserFactory
from workers import publish, relay, tasks

from .signed import interaction_body, post, sign

pytestmark = pytest.mark.django_db

SECRET_LINK = "https://meet.example/room-SECRET"
HOSTILE = "<!channel> & <@U123> <https://x.example|y>"


@pytest.fixture(autouse=True)
def _quick_coalescing(settings):
    settings.WORKERS_SLACK_CARD_COALESCE_SECONDS = 0.05


@pytest.fixture
def tasks_run_now(monkeypatch):
    """The private answers run in this thread (what the worker does), so the test reads what Slack
    received; the relay is run by the test itself."""

    def send_task(name, args=(), kwargs=None, eta=None, **options):
        if name == publish.SLACK_RESPOND:
            tasks.slack_respond.apply(args=args)

    monkeypatch.setattr(publish.app, "send_task", send_task)


def _card(fake_slack) -> dict:
    [card] = [
        m
        for m in fake_slack.roots("C0MAIN")
        if (m.get("metadata") or {}).get("event_type") == "incubator_meetup_card"
    ]
    return card


def _button(card: dict, action_id: str) -> dict:
    actions = next(block for block in card["blocks"] if block["type"] == "actions")
    [button] = [e for e in actions["elements"] if e["action_id"] == action_id]
    return {"action_id": button["action_id"], "value": button["value"]}


def _press(fake_slack, user_id: str, action: dict, hook: str = "abc") -> bytes:
    return interaction_body(
        user_id,
        {
            "type": "block_actions",
            "actions": [action],
            "response_url": fake_slack.url + f"hooks/T0COMMUNITY/1/{hook}",
        },
    )


def _answers(fake_slack, hook: str = "abc") -> list[str]:
    calls = fake_slack.calls_to(hook)
    assert all(call.body["response_type"] == "ephemeral" for call in calls)
    return [call.body["text"] for call in calls]


def _updates(fake_slack, card: dict) -> list[dict]:
    return [
        call.body for call in fake_slack.calls_to("chat.update") if call.body["ts"] == card["ts"]
    ]


def _counts(message: dict) -> str:
    return " ".join(
        element["text"]
        for block in message["blocks"]
        if block["type"] == "context"
        for element in block["elements"]
    )


def _card_calls(fake_slack) -> str:
    return json.dumps(
        [call.body for call in fake_slack.calls if call.method.startswith("chat.")],
        ensure_ascii=False,
    )


def test_going_from_the_card_updates_the_rows_and_the_card_s_counts(
    client, slack_member, fake_slack, tasks_run_now, django_capture_on_commit_callbacks
):
    meetup = make_meetup(
        title="オンライン勉強会", place="", online_url=SECRET_LINK, link_for_going_only=True
    )
    relay.run("C0MAIN")
    card = _card(fake_slack)
    assert _counts(card) == "1 going"

    body = _press(fake_slack, "U0AIKO", _button(card, "meetup_going"))
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, "/slack/interactions", body).status_code == 200

    rsvp = Rsvp.objects.get(meetup=meetup, user=slack_member)
    assert rsvp.status == RsvpStatus.GOING
    [answer] = _answers(fake_slack)
    assert answer.startswith("You're going to <http://testserver/meetups/")
    assert f"The online link: {SECRET_LINK}" in answer  # privately, to someone now going
    relay.run("C0MAIN")
    [update] = _updates(fake_slack, card)
    assert _counts(update) == "2 going"
    assert "room-SECRET" not in _card_calls(fake_slack)


def test_the_same_interaction_twice_changes_nothing_the_second_time(
    client, slack_member, fake_slack, tasks_run_now, django_capture_on_commit_callbacks
):
    meetup = make_meetup()
    relay.run("C0MAIN")
    card = _card(fake_slack)
    body = _press(fake_slack, "U0AIKO", _button(card, "meetup_maybe"))
    headers = sign(body)
    with django_capture_on_commit_callbacks(execute=True):
        post(client, "/slack/interactions", body, headers)
    relay.run("C0MAIN")
    first = Rsvp.objects.get(meetup=meetup, user=slack_member)
    calls = len(fake_slack.calls_to("chat.update"))

    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, "/slack/interactions", body, headers).status_code == 200
    relay.run("C0MAIN")

    again = Rsvp.objects.get(meetup=meetup, user=slack_member)
    assert (again.pk, again.status, again.answered_at) == (
        first.pk,
        RsvpStatus.MAYBE,
        first.answered_at,
    )
    assert Rsvp.objects.filter(meetup=meetup).count() == 2  # the host and Aiko
    assert len(fake_slack.calls_to("chat.update")) == calls == 1
    assert _counts(_updates(fake_slack, card)[-1]) == "1 going · 1 maybe"
    assert len(_answers(fake_slack)) == 2  # each press is answered


def test_maybe_and_the_waiting_list_are_not_given_the_link(
    client, slack_member, fake_slack, tasks_run_now, django_capture_on_commit_callbacks
):
    meetup = make_meetup(
        place="", online_url=SECRET_LINK, link_for_going_only=True, capacity=1
    )  # the host has the one place
    relay.run("C0MAIN")
    card = _card(fake_slack)
    other = UserFactory(slack_user_id="U0BEN", preferred_language="en")
    with django_capture_on_commit_callbacks(execute=True):
        post(
            client,
            "/slack/interactions",
            _press(fake_slack, "U0AIKO", _button(card, "meetup_going")),
        )
        post(
            client,
            "/slack/interactions",
            _press(fake_slack, "U0BEN", _button(card, "meetup_maybe"), hook="ben"),
        )

    assert Rsvp.objects.get(meetup=meetup, user=slack_member).status == RsvpStatus.WAITLISTED
    assert Rsvp.objects.get(meetup=meetup, user=other).status == RsvpStatus.MAYBE
    [waiting] = _answers(fake_slack)
    assert "is full for now, so you're on the waiting list" in waiting
    [maybe] = _answers(fake_slack, "ben")
    assert maybe.startswith("Noted: maybe for")
    assert "room-SECRET" not in waiting + maybe
    relay.run("C0MAIN")
    assert (
        _counts(_updates(fake_slack, card)[-1])
        == "1 of 1 going · 1 waiting · 1 maybe · Full: waiting list"
    )


def test_can_t_from_the_card_lets_the_first_waiting_in_and_the_card_shows_it(
    client, slack_member, fake_slack, tasks_run_now, django_capture_on_commit_callbacks
):
    meetup = make_meetup(capacity=2)
    waiting = UserFactory()
    meetups.meetup_answer(meetup=meetup, user=slack_member, answer=Answer.GOING)
    meetups.meetup_answer(meetup=meetup, user=waiting, answer=Answer.GOING)
    relay.run("C0MAIN")
    card = _card(fake_slack)
    assert _counts(card) == "2 of 2 going · 1 waiting · Full: waiting list"

    with django_capture_on_commit_callbacks(execute=True):
        post(
            client,
            "/slack/interactions",
            _press(fake_slack, "U0AIKO", _button(card, "meetup_cant")),
        )
    relay.run("C0MAIN")

    assert Rsvp.objects.get(meetup=meetup, user=slack_member).status == RsvpStatus.CANT
    assert Rsvp.objects.get(meetup=meetup, user=waiting).status == RsvpStatus.GOING
    [answer] = _answers(fake_slack)
    assert answer.startswith("Thanks for letting us know you can't make")
    [update] = _updates(fake_slack, card)
    assert _counts(update) == "2 of 2 going · Full: waiting list"


def test_an_unlinked_slack_user_is_asked_to_connect_and_nothing_is_answered(
    client, fake_slack, tasks_run_now, django_capture_on_commit_callbacks
):
    meetup = make_meetup()
    relay.run("C0MAIN")
    card = _card(fake_slack)
    with django_capture_on_commit_callbacks(execute=True):
        post(
            client,
            "/slack/interactions",
            _press(fake_slack, "U0STRANGER", _button(card, "meetup_going")),
        )
    [answer] = _answers(fake_slack)
    assert "http://testserver/members/slack/connect/" in answer
    assert Rsvp.objects.filter(meetup=meetup).count() == 1  # the host only


def test_a_cancelled_or_missing_meetup_is_answered_kindly(
    client, slack_member, fake_slack, tasks_run_now, django_capture_on_commit_callbacks
):
    meetup = make_meetup()
    relay.run("C0MAIN")
    card = _card(fake_slack)
    meetups.meetup_cancel(meetup=meetup, by=meetup.created_by)
    with django_capture_on_commit_callbacks(execute=True):
        post(
            client,
            "/slack/interactions",
            _press(fake_slack, "U0AIKO", _button(card, "meetup_going")),
        )
        post(
            client,
            "/slack/interactions",
            _press(fake_slack, "U0AIKO", {"action_id": "meetup_going", "value": "987654"}),
        )
    assert _answers(fake_slack) == ["This meetup is cancelled.", "That meetup no longer exists."]
    assert not Rsvp.objects.filter(meetup=meetup, user=slack_member).exists()


def test_the_private_answer_escapes_the_title(
    client, slack_member, fake_slack, tasks_run_now, django_capture_on_commit_callbacks
):
    make_meetup(title=HOSTILE)
    relay.run("C0MAIN")
    card = _card(fake_slack)
    with django_capture_on_commit_callbacks(execute=True):
        post(
            client,
            "/slack/interactions",
            _press(fake_slack, "U0AIKO", _button(card, "meetup_going")),
        )
    [answer] = _answers(fake_slack)
    assert "<!channel>" not in answer and "<@U123>" not in answer
    assert "|&lt;!channel&gt; &amp; &lt;@U123&gt; &lt;https://x.example|y&gt;>" in answer


def test_maybe_from_the_card_keeps_the_reminders_asked_for_on_the_web(
    client, slack_member, fake_slack, tasks_run_now, django_capture_on_commit_callbacks
):
    meetup = make_meetup()
    meetups.meetup_answer(meetup=meetup, user=slack_member, answer="maybe", remind=True)
    relay.run("C0MAIN")
    card = _card(fake_slack)
    with django_capture_on_commit_callbacks(execute=True):
        post(
            client,
            "/slack/interactions",
            _press(fake_slack, "U0AIKO", _button(card, "meetup_maybe")),
        )
    rsvp = Rsvp.objects.get(meetup=meetup, user=slack_member)
    assert rsvp.status == RsvpStatus.MAYBE and rsvp.remind_if_maybe is True
