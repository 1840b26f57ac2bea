"""Acting from Slack: each command, button and form, delegated to the services, answered privately."""

import json
import socket

import pytest

from members import services as member_services
from members.tests.factories import UserFactory
from proposals import services
from proposals.choices import MembershipStatus, Status
from proposals.models import Cheer, Membership, Proposal
from proposals.tests.factories import make_proposal
from workers import publish, relay, tasks

from .signed import command_body, interaction_body, post, sign

pytestmark = pytest.mark.django_db


def test_a_command_posts_an_idea_and_answers_privately(client, slack_member):
    response = post(
        client, "/slack/commands", command_body("U0AIKO", "子ども食堂 | 月1回の配膳を手伝いたい")
    )
    assert response.status_code == 200
    answer = response.json()
    assert answer["response_type"] == "ephemeral"
    proposal = Proposal.objects.get()
    assert (proposal.title, proposal.summary, proposal.proposer) == (
        "子ども食堂",
        "月1回の配膳を手伝いたい",
        slack_member,
    )
    assert proposal.status == Status.IDEA
    assert f"http://testserver/proposals/{proposal.pk}/" in answer["text"]


def test_one_line_is_a_whole_idea(client, slack_member):
    post(client, "/slack/commands", command_body("U0AIKO", "読書会をひらきたい"))
    proposal = Proposal.objects.get()
    assert proposal.title == proposal.summary == "読書会をひらきたい"


def test_a_too_long_title_gets_a_clear_answer_and_nothing_is_saved(client, slack_member):
    response = post(client, "/slack/commands", command_body("U0AIKO", "x" * 200 + " | ok"))
    assert response.status_code == 200
    assert "120" in response.json()["text"]
    assert not Proposal.objects.exists()


def _link_token(text: str) -> str:
    prefix = "http://testserver/members/slack/connect/"
    assert prefix in text
    return text.split(prefix, 1)[1].split("/", 1)[0]


def test_an_unlinked_slack_user_is_sent_a_link_that_connects_that_slack_account(client):
    response = post(client, "/slack/commands", command_body("U0STRANGER", "読書会 | 月1で"))
    answer = response.json()
    assert answer["response_type"] == "ephemeral"
    token = _link_token(answer["text"])
    assert member_services.slack_link_identity(token=token) == "U0STRANGER"
    assert not Proposal.objects.exists()


@pytest.mark.parametrize("slack_user_id", ["U0AIKO", "U0STRANGER"])
def test_the_link_command_sends_a_link_for_this_slack_account(client, slack_member, slack_user_id):
    answer = post(client, "/slack/commands", command_body(slack_user_id, "link")).json()
    assert answer["response_type"] == "ephemeral"
    assert member_services.slack_link_identity(token=_link_token(answer["text"])) == slack_user_id
    assert not Proposal.objects.exists()


def test_help_and_list(client, slack_member):
    looking = make_proposal(title="防災マップづくり", status=Status.TEAM_FORMING)
    # "Looking for people" means open roles in any stage where people can join, as on the board.
    early = make_proposal(title="まだアイデア", status=Status.IDEA)
    make_proposal(title="役割なし", status=Status.DISCUSSION, roles=())
    make_proposal(title="おしまい", status=Status.DONE)
    help_text = post(client, "/slack/commands", command_body("U0AIKO", "help")).json()["text"]
    assert "/yattemitai" in help_text
    listing = post(client, "/slack/commands", command_body("U0AIKO", "list")).json()["text"]
    assert looking.title in listing and early.title in listing
    assert "designer ×2" in listing
    assert "役割なし" not in listing and "おしまい" not in listing


def test_the_command_is_rate_limited_kindly(client, slack_member, settings):
    settings.SLACK_COMMAND_RATE_PER_MINUTE = 3
    for n in range(3):
        post(client, "/slack/commands", command_body("U0AIKO", f"idea {n}", trigger=f"t{n}"))
    response = post(client, "/slack/commands", command_body("U0AIKO", "one more", trigger="t9"))
    assert "minute" in response.json()["text"]
    assert Proposal.objects.count() == 3


def test_no_text_opens_the_idea_form_after_the_answer(
    client, slack_member, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = post(client, "/slack/commands", command_body("U0AIKO", ""))
    assert response.status_code == 200
    assert response.content == b""
    assert published == []  # views.open runs in a worker, never inside the request
    for callback in callbacks:
        callback()
    [opened] = published
    assert (opened.name, opened.args[0]) == (publish.SLACK_OPEN_VIEW, "13345.1")
    assert opened.args[1]["callback_id"] == "idea_submit"
    assert not Proposal.objects.exists()


def test_no_text_and_no_trigger_answers_with_the_help(client, slack_member, published):
    response = post(client, "/slack/commands", command_body("U0AIKO", "", trigger=None))
    assert "/yattemitai" in response.json()["text"]
    assert published == []


def test_the_idea_form_creates_a_proposal_with_roles_and_themes(client, slack_member):
    view = {
        "id": "V1",
        "callback_id": "idea_submit",
        "state": {
            "values": {
                "title": {"value": {"value": "防災マップ"}},
                "summary": {"value": {"value": "地域の防災マップを作りたい"}},
                "themes": {"value": {"value": "防災, 地域づくり"}},
                "roles": {"value": {"value": "デザイナー\n調査係"}},
            }
        },
    }
    body = interaction_body("U0AIKO", {"type": "view_submission", "view": view})
    assert post(client, "/slack/interactions", body).status_code == 200
    proposal = Proposal.objects.get()
    assert sorted(proposal.tags.values_list("name", flat=True)) == ["地域づくり", "防災"]
    assert list(proposal.roles_wanted.values_list("name", flat=True)) == ["デザイナー", "調査係"]


def test_the_idea_form_reports_field_errors(client, slack_member):
    view = {
        "id": "V2",
        "callback_id": "idea_submit",
        "state": {"values": {"title": {"value": {"value": ""}}}},
    }
    body = interaction_body("U0AIKO", {"type": "view_submission", "view": view})
    answer = post(client, "/slack/interactions", body).json()
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) >= {"title", "summary"}
    assert not Proposal.objects.exists()


def test_a_theme_the_service_refuses_is_reported_under_the_themes_block(client, slack_member):
    values = {
        "title": {"value": {"value": "読書会"}},
        "summary": {"value": {"value": "月1で"}},
        "themes": {"value": {"value": "あ" * 41}},
    }
    view = {"id": "V3", "callback_id": "idea_submit", "state": {"values": values}}
    body = interaction_body("U0AIKO", {"type": "view_submission", "view": view})
    answer = post(client, "/slack/interactions", body).json()
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"themes"}  # a block the modal has, so Slack can show it
    assert not Proposal.objects.exists()


def _join_view(proposal, role="designer"):
    return {
        "id": "V9",
        "callback_id": "join_request",
        "private_metadata": str(proposal.pk),
        "state": {
            "values": {
                "role": {"value": {"value": role}},
                "availability": {"value": {"value": "週末2h"}},
                "message": {"value": {"value": "デザインならお手伝いできます"}},
            }
        },
    }


def test_join_from_slack_then_replayed_is_still_one_request(client, slack_member):
    proposal = make_proposal(status=Status.TEAM_FORMING)
    body = interaction_body("U0AIKO", {"type": "view_submission", "view": _join_view(proposal)})
    headers = sign(body)
    assert post(client, "/slack/interactions", body, headers).status_code == 200
    replay = post(client, "/slack/interactions", body, headers)
    assert replay.json()["response_action"] == "errors"
    request = Membership.objects.get(proposal=proposal, user=slack_member)
    assert (request.status, request.availability) == (MembershipStatus.REQUESTED, "週末2h")
    assert Membership.objects.filter(proposal=proposal).count() == 2  # proposer + request


def test_the_join_button_opens_a_form(
    client, slack_member, published, django_capture_on_commit_callbacks
):
    proposal = make_proposal(status=Status.TEAM_FORMING)
    published.clear()
    action = {"action_id": "proposal_join", "value": str(proposal.pk)}
    body = interaction_body("U0AIKO", {"type": "block_actions", "actions": [action]})
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, "/slack/interactions", body).status_code == 200
    [opened] = published
    assert opened.name == publish.SLACK_OPEN_VIEW
    assert not Membership.objects.filter(user=slack_member).exists()


def test_accept_from_slack_adds_the_member(client):
    proposer = UserFactory(slack_user_id="U0PROPOSER")
    proposal = make_proposal(proposer=proposer, status=Status.TEAM_FORMING)
    applicant = UserFactory()
    request = services.membership_request(proposal=proposal, user=applicant, role="designer")
    action = {"action_id": "membership_accept", "value": str(request.pk)}
    body = interaction_body("U0PROPOSER", {"type": "block_actions", "actions": [action]})
    assert post(client, "/slack/interactions", body).status_code == 200
    assert Membership.objects.get(pk=request.pk).status == MembershipStatus.ACCEPTED
    assert Proposal.objects.get(pk=proposal.pk).member_count == 2


def test_someone_else_cannot_accept_from_slack(client, slack_member):
    proposal = make_proposal(status=Status.TEAM_FORMING)
    request = services.membership_request(proposal=proposal, user=UserFactory(), role="designer")
    action = {"action_id": "membership_accept", "value": str(request.pk)}
    body = interaction_body("U0AIKO", {"type": "block_actions", "actions": [action]})
    assert post(client, "/slack/interactions", body).status_code == 200
    assert Membership.objects.get(pk=request.pk).status == MembershipStatus.REQUESTED


def test_cheer_from_slack_is_idempotent(client, slack_member):
    proposal = make_proposal()
    action = {"action_id": "proposal_cheer", "value": str(proposal.pk)}
    body = interaction_body("U0AIKO", {"type": "block_actions", "actions": [action]})
    headers = sign(body)
    post(client, "/slack/interactions", body, headers)
    post(client, "/slack/interactions", body, headers)
    assert Cheer.objects.filter(proposal=proposal, user=slack_member).count() == 1
    assert Proposal.objects.get(pk=proposal.pk).cheer_count == 1


# --- what reaches Slack afterwards (the loopback fake Slack from conftest) -------------------------


@pytest.fixture
def tasks_run_now(monkeypatch):
    """Run the published follow-up tasks in this thread so the test can read what Slack received."""
    run = {
        publish.SLACK_RESPOND: tasks.slack_respond,
        publish.SLACK_OPEN_VIEW: tasks.slack_open_view,
    }

    def send_task(name, args=(), kwargs=None, eta=None, **options):
        if name in run:
            run[name].apply(args=args)

    monkeypatch.setattr(publish.app, "send_task", send_task)


def test_a_refused_button_press_is_answered_privately(
    client, slack_member, fake_slack, tasks_run_now, django_capture_on_commit_callbacks
):
    proposal = make_proposal(status=Status.TEAM_FORMING)
    request = services.membership_request(proposal=proposal, user=UserFactory(), role="designer")
    action = {"action_id": "membership_accept", "value": str(request.pk)}
    body = interaction_body(
        "U0AIKO",
        {
            "type": "block_actions",
            "actions": [action],
            "response_url": fake_slack.url + "hooks/T0COMMUNITY/1/abc",
        },
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, "/slack/interactions", body).status_code == 200
    [answer] = fake_slack.calls_to("abc")
    assert answer.body["response_type"] == "ephemeral"
    assert "proposer" in answer.body["text"]
    assert Membership.objects.get(pk=request.pk).status == MembershipStatus.REQUESTED


def test_the_join_button_opens_the_join_form_in_slack(
    client, slack_member, fake_slack, tasks_run_now, django_capture_on_commit_callbacks
):
    proposal = make_proposal(status=Status.TEAM_FORMING)
    action = {"action_id": "proposal_join", "value": str(proposal.pk)}
    body = interaction_body("U0AIKO", {"type": "block_actions", "actions": [action]})
    with django_capture_on_commit_callbacks(execute=True):
        post(client, "/slack/interactions", body)
    [opened] = fake_slack.calls_to("views.open")
    assert opened.body["trigger_id"] == "trigger-1"
    assert opened.body["view"]["callback_id"] == "join_request"
    assert opened.body["view"]["private_metadata"] == str(proposal.pk)


def test_accept_from_slack_updates_the_card(client, fake_slack, django_capture_on_commit_callbacks):
    proposer = UserFactory(slack_user_id="U0PROPOSER")
    with django_capture_on_commit_callbacks(execute=True):
        proposal = make_proposal(proposer=proposer, status=Status.TEAM_FORMING)
        request = services.membership_request(
            proposal=proposal, user=UserFactory(), role="designer"
        )
    relay.run("C0MAIN")
    [card] = fake_slack.roots()
    action = {"action_id": "membership_accept", "value": str(request.pk)}
    body = interaction_body("U0PROPOSER", {"type": "block_actions", "actions": [action]})
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, "/slack/interactions", body).status_code == 200
    assert Membership.objects.get(pk=request.pk).status == MembershipStatus.ACCEPTED
    relay.run("C0MAIN")
    updates = [
        call.body for call in fake_slack.calls_to("chat.update") if call.body["ts"] == card["ts"]
    ]
    assert updates, "the card was not edited after the accept"
    card_text = json.dumps(updates[-1]["blocks"], ensure_ascii=False)
    assert "*Team size*\\n2" in card_text
    assert "designer ×1" in card_text  # one of the two designer places is filled


@pytest.mark.parametrize("answer", ["nudge_still_going", "nudge_pause"])
def test_a_nudge_is_answered_from_slack(client, answer):
    proposer = UserFactory(slack_user_id="U0PROPOSER")
    proposal = make_proposal(proposer=proposer, status=Status.DISCUSSION)
    action = {"action_id": answer, "value": str(proposal.pk)}
    body = interaction_body("U0PROPOSER", {"type": "block_actions", "actions": [action]})
    assert post(client, "/slack/interactions", body).status_code == 200
    proposal.refresh_from_db()
    expected = Status.DISCUSSION if answer == "nudge_still_going" else Status.ARCHIVED
    assert proposal.status == expected
    if answer == "nudge_pause":
        assert proposal.archive_reason


def test_with_the_cache_down_a_command_still_posts_the_idea(client, slack_member, settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed}/0",
        }
    }
    response = post(client, "/slack/commands", command_body("U0AIKO", "読書会 | 月1で"))
    assert response.json()["response_type"] == "ephemeral"
    assert Proposal.objects.get().title == "読書会"
