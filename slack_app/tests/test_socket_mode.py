"""Socket Mode, through a fake Socket Mode server on 127.0.0.1 (handed out by the fake Slack's
apps.connections.open) and slack_sdk's real SocketModeClient: every envelope is acknowledged with
its envelope_id within Slack's three seconds and does what the same signed HTTP request does; a
dropped connection is opened again; a redelivered envelope, or one given to two runners, does
nothing twice."""

import json
import threading
from urllib.parse import urlencode

import pytest
from django.core.management import CommandError, call_command

from proposals.models import Cheer, Comment, Proposal
from proposals.tests.factories import make_proposal
from slack_app import handlers, socket
from slack_app.events import SlackEvent
from slack_app.models import SlackEventReceipt
from workers import publish, tasks
from workers.models import SlackThread
from workers.tests.fake_slack import Fault

from .signed import APP, TEAM, event_callback, post, post_json

# The runner handles envelopes in its own threads, on their own database connections: the tests
# that run one see committed rows (transactional_db); the HTTP variants need not.
socket_db = pytest.mark.django_db(transaction=True)

ACK_WITHIN = 3.0  # seconds: Slack sends an envelope again when it hears nothing back in time


@pytest.fixture
def worker(monkeypatch) -> list[tuple[str, tuple]]:
    """What a worker does with what is published (in the thread that published it, so the test
    can read the fake Slack afterwards); returns what was published."""
    run = {
        publish.SLACK_RESPOND: tasks.slack_respond,
        publish.SLACK_OPEN_VIEW: tasks.slack_open_view,
        publish.SLACK_HANDLE_EVENT: tasks.slack_handle_event,
    }
    seen: list[tuple[str, tuple]] = []

    def send_task(name, args=(), kwargs=None, eta=None, **options):
        seen.append((name, tuple(args)))
        if name in run:
            run[name].apply(args=args)

    monkeypatch.setattr(publish.app, "send_task", send_task)
    return seen


class Http:
    """The signed HTTP requests Slack sends without Socket Mode."""

    def __init__(self, client, on_commit):
        self.client, self.on_commit = client, on_commit

    def _post(self, send, path: str, body: bytes) -> dict | None:
        with self.on_commit(execute=True):  # what is published after the request's commit
            response = send(self.client, path, body)
        assert response.status_code == 200
        return response.json() if response.content else None

    def command(self, fields: dict) -> dict | None:
        return self._post(post, "/slack/commands", urlencode(fields).encode())

    def interaction(self, payload: dict) -> dict | None:
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return self._post(post, "/slack/interactions", body)

    def event(self, body: dict) -> dict | None:
        return self._post(post_json, "/slack/events", json.dumps(body).encode())


class Socket:
    """The same, as envelopes over the fake Socket Mode server to a running runner."""

    def __init__(self, server):
        self.server = server

    def _send(self, kind: str, payload: dict) -> dict | None:
        envelope_id = self.server.send(kind, payload, accepts_response_payload=True)
        ack = self.server.ack(envelope_id)
        assert ack.envelope_id == envelope_id
        assert ack.after < ACK_WITHIN
        return ack.payload

    def command(self, fields: dict) -> dict | None:
        return self._send("slash_commands", fields)

    def interaction(self, payload: dict) -> dict | None:
        return self._send("interactive", payload)

    def event(self, body: dict) -> dict | None:
        return self._send("events_api", body)


@pytest.fixture(
    params=[
        pytest.param("http", marks=pytest.mark.django_db),
        pytest.param("socket", marks=socket_db),
    ]
)
def slack(request, client):
    if request.param == "http":
        return Http(client, request.getfixturevalue("django_capture_on_commit_callbacks"))
    server = request.getfixturevalue("socket_mode")
    request.getfixturevalue("start_runner")()
    return Socket(server)


def _command(text: str, *, trigger_id: str = "13345.1") -> dict:
    return {
        "team_id": TEAM,
        "api_app_id": APP,
        "user_id": "U0AIKO",
        "command": "/yattemitai",
        "text": text,
        "trigger_id": trigger_id,
        "response_url": "http://127.0.0.1:9/hooks/x",
    }


def _interaction(fake_slack, **fields) -> dict:
    return {
        "team": {"id": TEAM},
        "user": {"id": "U0AIKO"},
        "api_app_id": APP,
        "trigger_id": "trigger-1",
        "response_url": fake_slack.url + "hooks/T0COMMUNITY/1/abc",
        **fields,
    }


def _web_api_calls(fake_slack) -> list[tuple[str, dict]]:
    """What reached the fake Slack, but for the runner opening its connection."""
    return [(c.method, c.body) for c in fake_slack.calls if c.method != "apps.connections.open"]


# --- the same effect as the signed HTTP request ---------------------------------------------------


def test_a_slash_command_posts_the_idea_and_answers_privately(
    slack, slack_member, fake_slack, worker
):
    answer = slack.command(_command("読書会 | 月1で"))

    proposal = Proposal.objects.get()
    assert (proposal.title, proposal.summary, proposal.proposer) == (
        "読書会",
        "月1で",
        slack_member,
    )
    assert answer["response_type"] == "ephemeral"
    assert f"/proposals/{proposal.pk}/" in answer["text"]
    assert [name for name, _args in worker] == [publish.RELAY_CHANNEL]  # its card, by the relay


def test_the_command_alone_opens_the_idea_form(slack, slack_member, fake_slack, worker):
    assert slack.command(_command("")) is None  # nothing to say: the modal opens instead

    [(method, body)] = _web_api_calls(fake_slack)
    assert method == "views.open" and body["trigger_id"] == "13345.1"
    assert body["view"]["callback_id"] == "idea_submit"
    assert not Proposal.objects.exists()


def test_a_modal_submitted_with_errors_is_answered_with_them(slack, slack_member, worker):
    view = {
        "id": "V0IDEA",
        "callback_id": "idea_submit",
        "state": {
            "values": {"title": {"value": {"value": ""}}, "summary": {"value": {"value": ""}}}
        },
    }
    answer = slack.interaction(
        {"type": "view_submission", "team": {"id": TEAM}, "user": {"id": "U0AIKO"},
         "api_app_id": APP, "view": view}
    )  # fmt: skip

    assert answer["response_action"] == "errors" and answer["errors"]["title"]
    assert not Proposal.objects.exists()


def test_a_cheer_from_a_channel_card_cheers_and_says_so_privately(
    slack, slack_member, fake_slack, worker
):
    proposal = make_proposal(title="読書会")
    action = {"action_id": "proposal_cheer", "value": str(proposal.pk), "type": "button"}

    assert (
        slack.interaction(_interaction(fake_slack, type="block_actions", actions=[action])) is None
    )

    assert Cheer.objects.filter(proposal=proposal, user=slack_member).count() == 1
    [(_method, body)] = [call for call in _web_api_calls(fake_slack) if call[0] == "abc"]
    assert body["response_type"] == "ephemeral" and "読書会" in body["text"]


def test_a_shortcut_opens_the_same_prefilled_form(slack, slack_member, fake_slack, worker):
    """A message shortcut (message_action) is handed to the same code as over HTTP: "Make it a
    proposal" opens the form prefilled from the message; one nobody registered, or one from
    another workspace, is answered privately and changes nothing."""
    message = {"type": "message", "user": "U0BEN", "ts": "1700000000.000100",
               "text": "読書会をやってみたい\n月に一度、好きな本を持ち寄る"}  # fmt: skip
    shortcut = _interaction(
        fake_slack, type="message_action", callback_id="make_proposal", message=message,
        channel={"id": "C0MAIN"},
    )  # fmt: skip
    assert slack.interaction(shortcut) is None
    [opened] = fake_slack.calls_to("views.open")
    view = opened.body["view"]
    if isinstance(view, str):
        view = json.loads(view)
    inputs = {
        block["block_id"]: block["element"].get("initial_value", "")
        for block in view["blocks"]
        if block["type"] == "input" and block["element"]["type"] == "plain_text_input"
    }
    assert inputs["title"] == "読書会をやってみたい"
    assert inputs["summary"] == "月に一度、好きな本を持ち寄る"

    for other in (
        {**shortcut, "callback_id": "no_such_shortcut"},
        {**shortcut, "team": {"id": "T0OTHER"}},
    ):
        fake_slack.reset()
        assert slack.interaction(other) is None
        [(method, body)] = _web_api_calls(fake_slack)
        assert method == "abc" and body["response_type"] == "ephemeral"
    assert not Proposal.objects.exists()


def test_an_event_is_handed_to_its_handler_once(slack, monkeypatch, worker):
    seen: list[SlackEvent] = []
    monkeypatch.setitem(handlers.EVENT_HANDLERS, "reaction_added", seen.append)
    reaction = {"type": "reaction_added", "user": "U0AIKO", "reaction": "bulb",
                "item": {"type": "message", "channel": "C0MAIN", "ts": "1700000000.000100"}}  # fmt: skip

    assert slack.event(event_callback(reaction, event_id="Ev0SOCKET")) is None

    assert seen == [
        SlackEvent(event_id="Ev0SOCKET", team_id=TEAM, type="reaction_added", event=reaction)
    ]
    assert SlackEventReceipt.objects.get().handled_at is not None


def test_a_reply_in_a_proposals_thread_becomes_one_comment(slack, slack_member, worker):
    """A real event and its real handler (two-way threads), over either transport: the reply is
    one comment, and the same event delivered again (Slack retries) is still one."""
    proposal = make_proposal()
    SlackThread.objects.update_or_create(
        proposal=proposal, defaults={"channel_id": "C0MAIN", "root_ts": "1700000000.000001"}
    )
    reply = {"type": "message", "user": "U0AIKO", "text": "手伝います！",
             "ts": "1700000000.000200", "thread_ts": "1700000000.000001",
             "channel": "C0MAIN", "channel_type": "channel"}  # fmt: skip

    for _ in range(2):
        assert slack.event(event_callback(reply, event_id="Ev0REPLY")) is None

    [comment] = Comment.objects.filter(proposal=proposal)
    assert comment.author == slack_member and comment.body == "手伝います！"
    assert SlackEventReceipt.objects.get(event_id="Ev0REPLY").handled_at is not None


@socket_db
def test_a_payload_of_the_wrong_shape_is_acknowledged_and_changes_nothing(
    socket_mode, start_runner, slack_member, worker
):
    """Over HTTP a 400; over Socket Mode the envelope is acknowledged (sending it again cannot
    help) with nothing, and nothing is written."""
    start_runner()
    for kind, payload in (
        ("slash_commands", {**_command("読書会"), "user_id": "U0AIKO\x00"}),
        ("interactive", {"type": "block_actions", "user": "U0AIKO"}),
        ("events_api", {**event_callback({"type": "reaction_added"}), "event_id": 7}),
        ("events_api", ["not", "an", "object"]),
    ):
        ack = socket_mode.ack(socket_mode.send(kind, payload))
        assert ack.payload is None and ack.after < ACK_WITHIN
    assert not Proposal.objects.exists() and not SlackEventReceipt.objects.exists()
    assert worker == []


# --- the connection -------------------------------------------------------------------------------


@socket_db
@pytest.mark.parametrize(
    "drop",
    [
        pytest.param(lambda server: server.drop(frame=True), id="closed by Slack"),
        pytest.param(lambda server: server.drop(frame=False), id="connection lost"),
        pytest.param(lambda server: server.disconnect(), id="disconnect envelope"),
    ],
)
def test_a_dropped_connection_is_opened_again(
    socket_mode, start_runner, fake_slack, slack_member, worker, drop
):
    start_runner()
    assert len(fake_slack.calls_to("apps.connections.open")) == 1
    drop(socket_mode)

    socket_mode.wait_connected(2)
    assert len(fake_slack.calls_to("apps.connections.open")) == 2
    # Envelopes arrive on the new connection and are answered as before.
    ack = socket_mode.ack(socket_mode.send("slash_commands", _command("読書会 | 月1で")))
    assert ack.after < ACK_WITHIN and ack.payload["response_type"] == "ephemeral"
    assert Proposal.objects.count() == 1


@socket_db
def test_a_redelivered_envelope_does_nothing_twice(socket_mode, start_runner, slack_member, worker):
    start_runner()
    command = socket_mode.send("slash_commands", _command("読書会 | 月1で"))
    first = socket_mode.ack(command)
    socket_mode.send("slash_commands", _command("読書会 | 月1で"), envelope_id=command,
                     retry_attempt=1)  # fmt: skip
    socket_mode.wait_for(lambda: len(socket_mode.acks[command]) == 2)

    [proposal] = Proposal.objects.all()
    assert socket_mode.acks[command][1].payload == first.payload  # the same answer, same link
    assert f"/proposals/{proposal.pk}/" in first.payload["text"]
    # The same words in a new envelope are a new idea, as a new HTTP request is.
    socket_mode.ack(socket_mode.send("slash_commands", _command("読書会 | 月1で")))
    assert Proposal.objects.count() == 2


@socket_db
def test_two_runners_at_once_do_no_work_twice(
    socket_mode, start_runner, slack_member, monkeypatch, worker
):
    """Slack may give an envelope again to another of the app's connections: whichever runner
    gets it, the command makes one proposal and the event is handled once."""
    seen: list[str] = []
    monkeypatch.setitem(
        handlers.EVENT_HANDLERS, "reaction_added", lambda e: seen.append(e.event_id)
    )
    start_runner()
    start_runner()
    first, second = socket_mode.live()[-2:]

    event = event_callback({"type": "reaction_added", "user": "U0AIKO"}, event_id="Ev0TWICE")
    for kind, payload, envelope_id in (
        ("slash_commands", _command("読書会 | 月1で"), "env-command"),
        ("events_api", event, "env-event"),
    ):
        for connection in (first, second):
            socket_mode.send(kind, payload, envelope_id=envelope_id, on=connection)
        assert socket_mode.wait_for(lambda e=envelope_id: len(socket_mode.acks.get(e, [])) == 2)

    assert Proposal.objects.count() == 1
    assert seen == ["Ev0TWICE"]
    assert SlackEventReceipt.objects.get().deliveries == 2


# --- the runner's command -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("token", "said"),
    [("", "SLACK_APP_TOKEN is not set"), ("xoxb-the-bot-token", "starts with xapp-")],
)
def test_the_command_needs_an_app_level_token(settings, token, said):
    settings.SLACK_APP_TOKEN = token
    with pytest.raises(CommandError, match=said):
        call_command("slack_socket")


def test_a_token_slack_refuses_stops_the_command_with_a_clear_error(socket_mode, fake_slack):
    fake_slack.fail("apps.connections.open", Fault(error="invalid_auth"))
    with pytest.raises(CommandError, match=r"refused the app-level token: .*invalid_auth"):
        call_command("slack_socket")
    assert socket_mode.live() == []


@socket_db
def test_the_runner_keeps_a_heartbeat_while_connected_and_stops_when_asked(
    socket_mode, fake_slack, published, tmp_path
):
    """What the `slack` container's healthcheck reads; Slack unreachable at first is tried again."""
    fake_slack.fail("apps.connections.open", Fault(status=503))
    heartbeat = tmp_path / "slack-socket-alive"
    stop = threading.Event()
    thread = threading.Thread(target=socket.run, kwargs={"stop": stop, "heartbeat": heartbeat})
    thread.start()
    try:
        assert socket_mode.wait_for(heartbeat.exists)
        assert len(fake_slack.calls_to("apps.connections.open")) == 2  # the 503, then connected
        ack = socket_mode.ack(socket_mode.send("events_api", event_callback({"type": "x"})))
        assert ack.payload is None
    finally:
        stop.set()
        thread.join(timeout=15)
    assert not thread.is_alive()
    assert socket_mode.wait_for(lambda: socket_mode.live() == [])
