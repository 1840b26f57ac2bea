"""The HTTP endpoints Slack calls: every request verified, every shape checked, replays harmless,
and the answer given before anything calls Slack back."""

import json
import time
from urllib.parse import urlencode

import pytest

from proposals.models import Cheer, Membership, Proposal
from proposals.tests.factories import make_proposal
from workers import publish
from workers.events import Channel
from workers.models import Delivery, DeliveryStatus

from .signed import APP, TEAM, command_body, interaction_body, post, sign

pytestmark = pytest.mark.django_db


def _mutations():
    body = command_body("U0AIKO", "読書会 | 月1で")
    now = int(time.time())
    return {
        "wrong secret": (body, sign(body, secret="not-the-secret")),
        "tampered body": (body.replace(b"%E8%AA%AD", b"%E6%9B%B8"), sign(body)),
        "301 seconds old": (body, sign(body, timestamp=str(now - 301))),
        "from the future": (body, sign(body, timestamp=str(now + 301))),
        "non-numeric timestamp": (body, sign(body, timestamp="abc")),
        "fractional timestamp": (body, sign(body, timestamp=f"{now}.5")),
        "non-ascii digits": (body, sign(body, timestamp="１２３")),
        "missing headers": (body, {}),
        "missing signature": (body, {"HTTP_X_SLACK_REQUEST_TIMESTAMP": str(now)}),
        "garbage signature": (
            body,
            {"HTTP_X_SLACK_REQUEST_TIMESTAMP": str(now), "HTTP_X_SLACK_SIGNATURE": "v0=zz"},
        ),
        "not UTF-8": (b"\xff\xfe" + body, sign(b"\xff\xfe" + body, secret="other")),
    }


@pytest.mark.parametrize("case", list(_mutations()))
@pytest.mark.parametrize("path", ["/slack/commands", "/slack/interactions"])
def test_bad_signatures_are_refused_and_nothing_is_written(client, slack_member, case, path):
    body, headers = _mutations()[case]
    response = post(client, path, body, headers)
    assert response.status_code == 401
    assert response.json() == {"error": "invalid_signature"}
    assert not Proposal.objects.exists()


def test_without_a_signing_secret_nothing_is_accepted(client, slack_member, settings):
    body = command_body("U0AIKO", "読書会 | 月1で")
    headers = sign(body)
    settings.SLACK_SIGNING_SECRET = ""
    assert post(client, "/slack/commands", body, headers).status_code == 401
    assert not Proposal.objects.exists()


def test_a_replayed_command_creates_one_proposal(client, slack_member):
    body = command_body("U0AIKO", "読書会 | 月1で")
    headers = sign(body)
    first = post(client, "/slack/commands", body, headers)
    second = post(client, "/slack/commands", body, headers)
    assert first.status_code == second.status_code == 200
    assert Proposal.objects.count() == 1


def test_a_replayed_command_without_a_trigger_id_creates_one_proposal(client, slack_member):
    body = command_body("U0AIKO", "読書会 | 月1で", trigger=None)
    headers = sign(body)
    answers = [post(client, "/slack/commands", body, headers).json() for _ in range(3)]
    [proposal] = Proposal.objects.all()
    assert all(f"/proposals/{proposal.pk}/" in answer["text"] for answer in answers)


def test_the_same_words_sent_again_later_are_a_new_idea(client, slack_member):
    body = command_body("U0AIKO", "読書会 | 月1で", trigger=None)
    now = int(time.time())
    post(client, "/slack/commands", body, sign(body, timestamp=str(now - 60)))
    post(client, "/slack/commands", body, sign(body, timestamp=str(now)))
    assert Proposal.objects.count() == 2


def test_another_workspace_is_refused(client, slack_member):
    response = post(
        client, "/slack/commands", command_body("U0AIKO", "読書会 | 月1で", team="T0OTHER")
    )
    assert response.json()["response_type"] == "ephemeral"
    assert "workspace" in response.json()["text"]
    assert not Proposal.objects.exists()


def test_another_app_is_refused(client, slack_member):
    body = command_body("U0AIKO", "読書会 | 月1で").replace(APP.encode(), b"A0SOMEONEELSE")
    response = post(client, "/slack/commands", body)
    assert response.json()["response_type"] == "ephemeral"
    assert not Proposal.objects.exists()


def test_a_button_from_another_workspace_is_refused(
    client, slack_member, published, django_capture_on_commit_callbacks
):
    proposal = make_proposal()
    action = {"action_id": "proposal_cheer", "value": str(proposal.pk)}
    body = interaction_body(
        "U0AIKO",
        {"type": "block_actions", "actions": [action], "response_url": "https://hooks.example/1"},
        team="T0OTHER",
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, "/slack/interactions", body).status_code == 200
    assert not Cheer.objects.exists()
    [answer] = [job for job in published if job.name == publish.SLACK_RESPOND]
    assert "workspace" in answer.args[1]


# --- signed, but not shaped as Slack sends it: a 400 that says what is wrong, never a 500 ----------


def _interaction(**fields) -> str:
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM},
        "user": {"id": "U0AIKO"},
        "api_app_id": APP,
    }
    payload.update(fields)
    return json.dumps({key: value for key, value in payload.items() if value is not ...})


CHEER = {"action_id": "proposal_cheer", "value": "1"}
MALFORMED_INTERACTIONS = {
    "not JSON": "not json",
    "a list": json.dumps(["a", "list"]),
    "a string": json.dumps("block_actions"),
    "team as a string": _interaction(team=TEAM, actions=[CHEER]),
    "user missing": _interaction(user=..., actions=[CHEER]),
    "user as a string": _interaction(user="U0AIKO", actions=[CHEER]),
    "nested too deep": '{"type": "block_actions", "x": ' + "[" * 100_000 + "]" * 100_000 + "}",
    "user id a number": _interaction(user={"id": 42}, actions=[CHEER]),
    "user id with NUL": _interaction(user={"id": "U0AIKO\x00"}, actions=[CHEER]),
    "type missing": _interaction(type=..., actions=[CHEER]),
    "type a list": _interaction(type=["block_actions"], actions=[CHEER]),
    "actions missing": _interaction(),
    "actions as a dict": _interaction(actions=CHEER),
    "actions empty": _interaction(actions=[]),
    "actions of strings": _interaction(actions=["proposal_cheer"]),
    "action_id a number": _interaction(actions=[{"action_id": 7, "value": "1"}]),
    "action value a dict": _interaction(actions=[{"action_id": "proposal_cheer", "value": {}}]),
    "NUL in a value": _interaction(actions=[{"action_id": "proposal_cheer", "value": "1\x00"}]),
    "response_url a number": _interaction(actions=[CHEER], response_url=5),
    "view missing": _interaction(type="view_submission"),
    "view a string": _interaction(type="view_submission", view="idea_submit"),
    "values a list": _interaction(
        type="view_submission", view={"callback_id": "idea_submit", "state": {"values": []}}
    ),
    "values of strings": _interaction(
        type="view_submission",
        view={"callback_id": "idea_submit", "state": {"values": {"title": "x"}}},
    ),
    "NUL in a form field": _interaction(
        type="view_submission",
        view={
            "callback_id": "idea_submit",
            "state": {
                "values": {
                    "title": {"value": {"value": "読書会\x00"}},
                    "summary": {"value": {"value": "月1で"}},
                }
            },
        },
    ),
}


@pytest.mark.parametrize("case", list(MALFORMED_INTERACTIONS))
def test_a_signed_interaction_of_the_wrong_shape_is_a_clear_400(
    client, slack_member, published, case
):
    proposal = make_proposal()
    published.clear()
    payload = MALFORMED_INTERACTIONS[case].replace('"value": "1"', f'"value": "{proposal.pk}"')
    response = post(client, "/slack/interactions", urlencode({"payload": payload}).encode())

    assert response.status_code == 400
    answer = response.json()
    assert answer["error"] == "invalid_payload" and answer["detail"]
    assert not Cheer.objects.exists()
    assert Proposal.objects.count() == 1
    assert published == []


@pytest.mark.parametrize(
    "payload",
    [
        _interaction(actions=[{"action_id": "proposal_cheer", "value": "99999999999999999999999"}]),
        _interaction(actions=[{"action_id": "proposal_cheer", "value": "-1"}]),
        _interaction(actions=[{"action_id": "proposal_cheer", "value": "１"}]),
        _interaction(actions=[{"action_id": "proposal_cheer"}]),
        _interaction(actions=[{"action_id": "no_such_button", "value": "1"}]),
        _interaction(type="view_closed"),
        _interaction(
            type="view_submission",
            view={"callback_id": "join_request", "private_metadata": "../1", "state": {}},
        ),
        _interaction(team=..., actions=[{"action_id": "proposal_cheer", "value": "x"}]),
        # More digits than Python turns into a number (a ValueError, so a 500, before).
        _interaction(actions=[{"action_id": "proposal_cheer", "value": "1" * 5000}]),
        _interaction(actions=[{"action_id": "author_confirm", "value": "1" * 5000}]),
        _interaction(
            type="view_submission",
            view={"callback_id": "join_request", "private_metadata": "1" * 5000, "state": {}},
        ),
    ],
)
def test_odd_but_well_formed_interactions_are_answered_calmly(client, slack_member, payload):
    response = post(client, "/slack/interactions", urlencode({"payload": payload}).encode())
    assert response.status_code == 200
    assert not Cheer.objects.exists()
    assert not Membership.objects.filter(user=slack_member).exists()


@pytest.mark.parametrize(
    "fields",
    [
        {"user_id": ""},
        {"user_id": "U0AIKO\x00"},
        {"team_id": "T0COMMUNITY\x00"},
        {"trigger_id": "1" * 300},
    ],
)
def test_a_signed_command_of_the_wrong_shape_is_a_clear_400(client, slack_member, fields):
    base = dict(
        team_id=TEAM, api_app_id=APP, user_id="U0AIKO", text="読書会 | 月1で", trigger_id="t1"
    )
    body = urlencode({**base, **fields}).encode()
    response = post(client, "/slack/commands", body)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_payload"
    assert not Proposal.objects.exists()


def test_a_command_with_no_fields_at_all_is_a_clear_400(client, slack_member):
    response = post(client, "/slack/commands", b"")
    assert response.status_code == 400
    assert "user_id" in response.json()["detail"]


def test_a_nul_in_a_commands_text_is_refused_with_a_clear_answer(client, slack_member):
    response = post(client, "/slack/commands", command_body("U0AIKO", "読書会\x00 | 月1で"))
    assert response.status_code == 200
    answer = response.json()
    assert answer["response_type"] == "ephemeral" and "NUL" in answer["text"]
    assert not Proposal.objects.exists()


# --- the answer comes first; Slack is called back later, by a worker ------------------------------


def test_the_answer_comes_before_anything_reaches_slack(
    client, slack_member, fake_slack, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, "/slack/commands", command_body("U0AIKO", "読書会 | 月1で"))
    assert response.json()["response_type"] == "ephemeral"
    assert fake_slack.calls == []  # nothing called Slack inside the request
    proposal = Proposal.objects.get()
    [queued] = Delivery.objects.filter(proposal=proposal, channel=Channel.SLACK)
    assert queued.status == DeliveryStatus.PENDING
    assert [(job.name, job.args) for job in published] == [(publish.RELAY_CHANNEL, (queued.lane,))]
