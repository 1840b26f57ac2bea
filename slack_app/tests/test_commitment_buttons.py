"""The commitment question in Slack (issue 13): the direct message's blocks, and its buttons as
signed interactions through the real endpoint and services: N more months, finish with thanks;
a second press, someone else's press or a stale button gets a kind private answer, never a 500."""

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation

from members.tests.factories import UserFactory
from proposals import services
from proposals.choices import MembershipStatus
from proposals.models import Membership, Proposal
from proposals.tests.factories import make_proposal
from slack_app import blocks
from workers import dispatch, publish, tasks
from workers.events import CommitmentEventKind
from workers.models import Delivery, Event

from .signed import interaction_body, post, sign

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")
UNTIL = date(2031, 4, 30)
ASKED = datetime(2031, 4, 23, 9, 40, tzinfo=TOKYO)
HOSTILE = "<!channel> & <@U123> <https://x.example|y>"
PAGE = "http://testserver/commitments/1/"


@pytest.fixture(autouse=True)
def _on_the_day_of_the_question():
    with time_machine.travel(ASKED, tick=False):
        yield


@pytest.fixture
def membership(slack_member):
    proposal = make_proposal(title="子ども食堂", status="team_forming")
    request = services.membership_request(
        proposal=proposal, user=slack_member, role="designer", until=UNTIL
    )
    membership = services.membership_accept(membership=request, by=proposal.proposer)
    tasks.ask_about_commitments()
    return membership


def question(membership) -> blocks.Message:
    """The direct message the Slack channel sends for the question (in English)."""
    event = Event.objects.get(kind=CommitmentEventKind.ENDING, payload__membership_id=membership.pk)
    with translation.override("en"):
        return blocks.commitment_question(payload=event.payload, page_url=PAGE)


def button(message: blocks.Message, action_id: str) -> dict:
    actions = next(block for block in message.blocks if block["type"] == "actions")
    [found] = [element for element in actions["elements"] if element["action_id"] == action_id]
    return {"action_id": found["action_id"], "value": found["value"]}


@pytest.fixture
def answers(published):
    """The private answers, as published to the worker that posts them to the response_url."""

    def texts() -> list[str]:
        return [item.args[1] for item in published if item.name == publish.SLACK_RESPOND]

    return texts


@pytest.fixture
def replaced(published):
    """The question's message as it reads after an answer (through the response_url): its text
    and blocks."""

    def messages() -> list[tuple[str, list[dict]]]:
        return [
            (item.args[1], item.args[2])
            for item in published
            if item.name == publish.SLACK_REPLACE_MESSAGE
        ]

    return messages


def outcome(blocks_: list[dict]) -> str:
    """What an answered question says instead of its buttons."""
    assert not [block for block in blocks_ if block["type"] == "actions"]
    return blocks_[1]["text"]["text"]


def press(client, captured, user_id: str, action: dict, *, headers=None):
    body = interaction_body(
        user_id,
        {"type": "block_actions", "actions": [action], "response_url": "http://127.0.0.1:9/r"},
    )
    with captured(execute=True):
        response = post(client, "/slack/interactions", body, headers or sign(body))
    assert response.status_code == 200
    return body


# --- the message ---------------------------------------------------------------------------------


def test_the_question_offers_more_months_finishing_and_the_page():
    with translation.override("en"):
        message = blocks.commitment_question(
            payload={"membership_id": 7, "title": HOSTILE, "until": "2031-04-30"},
            page_url=PAGE,
        )
    assert message.text.startswith(
        "Your time with “&lt;!channel&gt; &amp; &lt;@U123&gt; &lt;https://x.example|y&gt;” is "
        "planned until Apr 30, 2031."
    )
    everything = json.dumps([message.text, message.blocks], ensure_ascii=False)
    assert "<!channel>" not in everything and "<@U123>" not in everything
    [actions] = [block for block in message.blocks if block["type"] == "actions"]
    assert [
        (e["text"]["text"], e["action_id"], e.get("value"), e.get("url"))
        for e in actions["elements"]
    ] == [
        ("1 more month", "commitment_continue_1", "7:2031-04-30", None),
        ("3 more months", "commitment_continue_3", "7:2031-04-30", None),
        ("6 more months", "commitment_continue_6", "7:2031-04-30", None),
        ("Finish with thanks", "commitment_finish", "7:2031-04-30", None),
        ("Other choices…", "commitment_open", None, PAGE),
    ]


def test_the_reminder_says_so():
    with translation.override("en"):
        message = blocks.commitment_question(
            payload={"membership_id": 7, "title": "x", "until": "2031-04-30", "reminder": True},
            page_url=PAGE,
        )
    assert message.text.startswith("Just once more, gently:")


# --- the buttons ---------------------------------------------------------------------------------


def test_one_more_month_from_slack_moves_the_day_and_it_is_asked_about_in_its_turn(
    client, membership, answers, replaced, django_capture_on_commit_callbacks
):
    message = question(membership)
    press(
        client,
        django_capture_on_commit_callbacks,
        "U0AIKO",
        button(message, "commitment_continue_1"),
    )

    membership.refresh_from_db()
    assert (membership.status, membership.until) == (MembershipStatus.ACCEPTED, date(2031, 5, 30))
    # The question now says the answer instead of its buttons; nothing else is sent.
    assert answers() == []
    [(text, blocks_)] = replaced()
    assert text.startswith("Your time with “子ども食堂” is planned until Apr 30, 2031.")
    assert outcome(blocks_) == (
        f"Thank you! You're with <http://testserver/proposals/{membership.proposal_id}/|子ども食堂> "
        "until May 30, 2031. 🌱"
    )
    # No reminder on the old day; the question again a week before the new one.
    for day in (UNTIL, date(2031, 5, 23)):
        with time_machine.travel(datetime(day.year, day.month, day.day, 10, tzinfo=TOKYO)):
            tasks.ask_about_commitments()
    asked = Delivery.objects.filter(
        recipient=membership.user, channel="inapp", event__kind=CommitmentEventKind.ENDING
    ).order_by("pk")
    assert [(d.event.payload["until"], d.event.payload["reminder"]) for d in asked] == [
        ("2031-04-30", False),
        ("2031-05-30", False),
    ]


def test_finish_from_slack_thanks_and_tells_the_proposer_kindly(
    client, membership, replaced, django_capture_on_commit_callbacks
):
    press(
        client,
        django_capture_on_commit_callbacks,
        "U0AIKO",
        button(question(membership), "commitment_finish"),
    )

    membership.refresh_from_db()
    assert membership.status == MembershipStatus.FINISHED
    assert Proposal.objects.get(pk=membership.proposal_id).member_count == 1
    [(_text, blocks_)] = replaced()
    assert outcome(blocks_).startswith(
        "Thank you so much for your time with <http://testserver/proposals/"
    )
    [told] = Delivery.objects.filter(event__kind=CommitmentEventKind.FINISHED, channel="inapp")
    assert told.recipient_id == membership.proposal.proposer_id


def test_the_same_press_twice_or_after_answering_changes_nothing_and_says_so(
    client, membership, answers, django_capture_on_commit_callbacks
):
    message = question(membership)
    body = press(
        client,
        django_capture_on_commit_callbacks,
        "U0AIKO",
        button(message, "commitment_continue_3"),
    )
    # Slack retries a request it got no answer to: the very same signed body.
    headers = sign(body)
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, "/slack/interactions", body, headers).status_code == 200
    press(
        client,
        django_capture_on_commit_callbacks,
        "U0AIKO",
        button(message, "commitment_continue_1"),
    )
    membership.refresh_from_db()
    assert membership.until == date(2031, 7, 30)
    assert answers() == ["You have already answered this one. Thank you!"] * 2

    # The old question's "finish" answered about the end that has since moved: nothing changes.
    press(
        client, django_capture_on_commit_callbacks, "U0AIKO", button(message, "commitment_finish")
    )
    assert answers()[-1] == "Your time on this team has changed since this question; see its page."
    assert Membership.objects.get(pk=membership.pk).status == MembershipStatus.ACCEPTED

    # Asked again about the new end, finishing works once, and a second press says so.
    membership.refresh_from_db()
    with translation.override("en"):
        again = blocks.commitment_question(
            payload={
                "membership_id": membership.pk,
                "title": membership.proposal.title,
                "until": membership.until.isoformat(),
            },
            page_url=PAGE,
        )
    for _twice in range(2):
        press(
            client, django_capture_on_commit_callbacks, "U0AIKO", button(again, "commitment_finish")
        )
    assert answers()[-1] == "You have already finished your time here. Thank you for it!"
    assert Membership.objects.get(pk=membership.pk).status == MembershipStatus.FINISHED


def test_someone_else_pressing_the_buttons_changes_nothing(
    client, membership, answers, django_capture_on_commit_callbacks
):
    UserFactory(slack_user_id="U0BEN", preferred_language="en")
    message = question(membership)
    for action_id in ("commitment_continue_1", "commitment_finish"):
        press(client, django_capture_on_commit_callbacks, "U0BEN", button(message, action_id))
    assert answers() == ["This question is for someone else."] * 2
    membership.refresh_from_db()
    assert (membership.status, membership.until) == (MembershipStatus.ACCEPTED, UNTIL)


@pytest.mark.parametrize(
    ("action", "words"),
    [
        ({"action_id": "commitment_finish", "value": "987654"}, "no longer exists"),
        ({"action_id": "commitment_finish", "value": "abc"}, "no longer exists"),
        ({"action_id": "commitment_continue_1", "value": "987654:2031-04-30"}, "no longer exists"),
        ({"action_id": "commitment_continue_1", "value": "MEMBERSHIP"}, "question's page"),
        ({"action_id": "commitment_continue_1", "value": "MEMBERSHIP:30/04"}, "question's page"),
        (
            {"action_id": "commitment_continue_6", "value": "MEMBERSHIP:2031-03-01"},
            "already answered",
        ),
    ],
)
def test_a_stale_or_odd_button_is_answered_kindly(
    client, membership, answers, django_capture_on_commit_callbacks, action, words
):
    action = {**action, "value": action["value"].replace("MEMBERSHIP", str(membership.pk))}
    press(client, django_capture_on_commit_callbacks, "U0AIKO", action)
    [answer] = answers()
    assert words in answer
    membership.refresh_from_db()
    assert (membership.status, membership.until) == (MembershipStatus.ACCEPTED, UNTIL)


def test_an_unlinked_slack_user_is_asked_to_connect_and_nothing_changes(
    client, membership, answers, django_capture_on_commit_callbacks
):
    press(
        client,
        django_capture_on_commit_callbacks,
        "U0STRANGER",
        button(question(membership), "commitment_finish"),
    )
    [answer] = answers()
    assert "http://testserver/members/slack/connect/" in answer
    assert Membership.objects.get(pk=membership.pk).status == MembershipStatus.ACCEPTED


def test_the_page_button_is_a_link_and_answers_nothing(
    client, membership, answers, django_capture_on_commit_callbacks
):
    press(client, django_capture_on_commit_callbacks, "U0AIKO", {"action_id": "commitment_open"})
    assert answers() == []
    assert Membership.objects.get(pk=membership.pk).until == UNTIL


# --- joining from Slack --------------------------------------------------------------------------


def _join_view(proposal, until: str) -> dict:
    return {
        "id": "V1",
        "callback_id": "join_request",
        "private_metadata": str(proposal.pk),
        "state": {
            "values": {
                "role": {"value": {"value": "designer"}},
                "until": {"value": {"value": until}},
            }
        },
    }


@pytest.mark.parametrize(
    ("until", "kept", "error"),
    [
        ("", None, ""),
        ("2031-06-01", date(2031, 6, 1), ""),
        ("June", None, "Please give a date, e.g. 2030-04-30."),
        ("2031-04-01", None, "Please choose a day after today."),
        ("2040-01-01", None, "within the next two years"),
    ],
)
def test_the_join_form_in_slack_takes_an_end_too(client, slack_member, until, kept, error):
    proposal = make_proposal(status="team_forming")
    body = interaction_body(
        "U0AIKO", {"type": "view_submission", "view": _join_view(proposal, until)}
    )
    response = post(client, "/slack/interactions", body)
    assert response.status_code == 200
    found = Membership.objects.filter(proposal=proposal, user=slack_member).first()
    if error:
        assert response.json()["response_action"] == "errors"
        assert error in response.json()["errors"]["until"]
        assert found is None
    else:
        assert found.until == kept


# --- the direct message itself (the Slack DM channel, workers.channels.slack_dm) -----------------


def _asked_with_slack_on(slack_member) -> Membership:
    proposal = make_proposal(title="子ども食堂", status="team_forming")
    request = services.membership_request(
        proposal=proposal, user=slack_member, role="designer", until=UNTIL
    )
    membership = services.membership_accept(membership=request, by=proposal.proposer)
    tasks.ask_about_commitments()
    return membership


def _send_dms() -> None:
    for delivery in Delivery.objects.filter(channel="slack_dm", status="pending"):
        dispatch.process(delivery.pk)


def test_the_question_goes_by_dm_with_its_buttons_and_is_answered_from_there(
    client, fake_slack, slack_member, published, replaced, django_capture_on_commit_callbacks
):
    membership = _asked_with_slack_on(slack_member)
    _send_dms()
    [dm] = fake_slack.direct_messages("U0AIKO")
    assert dm["text"].startswith("Your time with “子ども食堂” is planned until Apr 30, 2031.")
    page = f"http://testserver/commitments/{membership.pk}/"
    [actions] = [block for block in dm["blocks"] if block["type"] == "actions"]
    assert page in [element.get("url") for element in actions["elements"]]

    press(client, django_capture_on_commit_callbacks, "U0AIKO", button_of(dm, "commitment_finish"))
    assert Membership.objects.get(pk=membership.pk).status == MembershipStatus.FINISHED
    [(_text, blocks_)] = replaced()
    assert outcome(blocks_).startswith("Thank you so much for your time with")


def test_a_question_answered_on_the_web_before_its_dm_left_is_not_sent(
    fake_slack, slack_member, published
):
    membership = _asked_with_slack_on(slack_member)
    services.commitment_continue(
        membership=membership, by=slack_member, until=date(2031, 9, 1), seen_until=UNTIL
    )
    _send_dms()
    assert fake_slack.direct_messages("U0AIKO") == []
    assert Delivery.objects.get(channel="slack_dm").status == "skipped"


def button_of(message: dict, action_id: str) -> dict:
    actions = next(block for block in message["blocks"] if block["type"] == "actions")
    [found] = [element for element in actions["elements"] if element["action_id"] == action_id]
    return {"action_id": found["action_id"], "value": found["value"]}
