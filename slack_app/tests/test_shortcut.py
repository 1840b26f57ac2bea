"""「やってみたいにする」 / "Make it a proposal" (issue 12), end to end through the signed interaction
endpoint, the real tasks and outbox, and the loopback fake Slack: the shortcut opens the prefilled
form, submitting makes a proposal with its origin, its card is posted in the message's thread and
follows the proposal's stage, the author is asked in a DM and confirming makes them the proposer;
bad or foreign payloads are refused in words and leave no rows."""

import json

import pytest
from django.core import signing

from members.services import api_token_create
from members.tests.factories import UserFactory
from proposals import services
from proposals.choices import Status
from proposals.models import AuthorAnswer, Membership, Proposal, SlackOrigin
from slack_app import handlers
from slack_app.events import SlackEvent
from workers import dispatch, publish, relay, tasks
from workers.events import Channel, EventKind
from workers.models import Delivery, SlackThread

from .signed import TEAM, interaction_body, post

pytestmark = pytest.mark.django_db

TALK = "C0TALK"  # the 企画相談 channel, not the proposals' own channel (C0MAIN)
MESSAGE_TS = "1764500000.000100"
HOSTILE = "<!channel> & <http://x|y>"
HOOK = "http://127.0.0.1:9/hooks/x"


@pytest.fixture(autouse=True)
def _quick_coalescing(settings):
    settings.WORKERS_SLACK_CARD_COALESCE_SECONDS = 0.05


@pytest.fixture
def author():
    return UserFactory(slack_user_id="U0HARU", display_name="はる", preferred_language="en")


def _message(text: str, *, user: str = "U0HARU", ts: str = MESSAGE_TS, **extra) -> dict:
    return {"type": "message", "user": user, "ts": ts, "text": text, **extra}


MESSAGE = _message(
    "子ども食堂の広報 &amp; 受付をやってみたい <@U0AIKO>\n"
    "月1回、<https://example.org/kodomo|地域の食堂>で配膳と教育の相談も。"
)


def _shortcut(client, user_id: str, message, *, team: str = TEAM, channel: str = TALK):
    body = interaction_body(
        user_id,
        {
            "type": "message_action",
            "callback_id": "make_proposal",
            "channel": {"id": channel, "name": "kikaku-soudan"},
            "message": message,
            "response_url": HOOK,
        },
        team=team,
    )
    return post(client, "/slack/interactions", body)


def _submit(client, user_id: str, view: dict, *, who: str | None = None, **values):
    state = {
        block["block_id"]: {
            "value": {
                "type": "plain_text_input",
                "value": values.get(block["block_id"], block["element"].get("initial_value")),
            }
        }
        for block in view["blocks"]
        if block["type"] == "input" and block["element"]["type"] == "plain_text_input"
    }
    if who is not None:
        state["who"] = {"value": {"type": "radio_buttons", "selected_option": {"value": who}}}
    body = interaction_body(
        user_id,
        {
            "type": "view_submission",
            "view": {
                "id": "V0FORM1",
                "callback_id": view["callback_id"],
                "private_metadata": view["private_metadata"],
                "state": {"values": state},
            },
        },
    )
    return post(client, "/slack/interactions", body)


def _run(published, name: str):
    """Run the published tasks of this name as the worker does."""
    task = {
        publish.SLACK_OPEN_VIEW: tasks.slack_open_view,
        publish.SLACK_ORIGIN_PERMALINK: tasks.slack_origin_permalink,
        publish.SLACK_REACTION_PROMPT: tasks.slack_reaction_prompt,
        publish.SLACK_OPEN_MESSAGE_MODAL: tasks.slack_open_message_modal,
    }[name]
    return [task.apply(args=job.args).get() for job in published if job.name == name]


def _opened_view(fake_slack, published) -> dict:
    _run(published, publish.SLACK_OPEN_VIEW)
    [call] = fake_slack.calls_to("views.open")
    assert call.body["trigger_id"] == "trigger-1"
    return call.body["view"]


def _said(published) -> list[str]:
    """The private answers sent back through the response_url."""
    return [job.args[1] for job in published if job.name == publish.SLACK_RESPOND]


def _inputs(view: dict) -> dict[str, str]:
    return {
        block["block_id"]: block["element"].get("initial_value", "")
        for block in view["blocks"]
        if block["type"] == "input" and block["element"]["type"] == "plain_text_input"
    }


def _texts(message: dict) -> str:
    found = [message["text"]]

    def walk(value):
        if isinstance(value, dict):
            for key, item in value.items():
                if key == "text" and isinstance(item, str):
                    found.append(item)
                else:
                    walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(message["blocks"])
    return "\n".join(found)


def _buttons(message: dict) -> dict[str, dict]:
    return {
        element["action_id"]: element
        for block in message["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    }


def _form(client, fake_slack, published, django_capture_on_commit_callbacks, user="U0AIKO"):
    with django_capture_on_commit_callbacks(execute=True):
        assert _shortcut(client, user, MESSAGE).status_code == 200
    return _opened_view(fake_slack, published)


def _proposal_from_form(client, view, django_capture_on_commit_callbacks, **kwargs) -> Proposal:
    with django_capture_on_commit_callbacks(execute=True):
        response = _submit(client, "U0AIKO", view, **kwargs)
    assert response.status_code == 200, response.content
    assert response.content == b""  # no field errors: the modal closes
    return Proposal.objects.get()


# --- the shortcut opens the form -----------------------------------------------------------------


def test_the_shortcut_opens_the_form_prefilled_from_the_message(
    client, fake_slack, published, slack_member, author, django_capture_on_commit_callbacks
):
    view = _form(client, fake_slack, published, django_capture_on_commit_callbacks)

    assert view["callback_id"] == "make_proposal_submit"
    # Mentions by the member's name, links by their label and address, entities as characters.
    assert _inputs(view) == {
        "title": "子ども食堂の広報 & 受付をやってみたい @" + slack_member.public_name,
        "summary": "月1回、地域の食堂 (https://example.org/kodomo)で配膳と教育の相談も。",
        # 「教育」 finds the suggested theme 「子ども・教育」, 「広報」 「広報・デザイン」.
        "themes": "子ども・教育、広報・デザイン",
    }
    who = next(block for block in view["blocks"] if block.get("block_id") == "who")
    assert [option["value"] for option in who["element"]["options"]] == ["me", "author"]
    assert "はる" in who["element"]["options"][1]["text"]["text"]
    assert who["element"]["initial_option"]["value"] == "me"
    # Where the message is, signed for the person who opened the form.
    data = signing.loads(view["private_metadata"], salt="slack_app.shortcuts.message")
    assert (data["c"], data["ts"], data["a"], data["u"]) == (TALK, MESSAGE_TS, "U0HARU", "U0AIKO")
    assert not Proposal.objects.exists()


def test_an_author_with_a_long_name_still_gets_a_form_slack_accepts(
    client, fake_slack, published, slack_member, author, django_capture_on_commit_callbacks
):
    """Slack refuses a whole modal (views.open: invalid_blocks) whose radio option text is over
    75 characters; the author's name is shortened there, escaped, never cut in an entity."""
    author.display_name = ("はる & <!channel> " * 8)[:80]
    author.save()
    view = _form(client, fake_slack, published, django_capture_on_commit_callbacks)
    who = next(block for block in view["blocks"] if block.get("block_id") == "who")
    texts = [option["text"]["text"] for option in who["element"]["options"]]
    assert all(len(text) <= 75 for text in texts), texts
    assert texts[1].startswith("It's はる &amp; &lt;!channel&gt;")
    assert "<!channel>" not in texts[1]
    assert who["element"]["initial_option"] == who["element"]["options"][0]


def test_an_unlinked_author_is_not_offered_as_proposer(
    client, fake_slack, published, slack_member, django_capture_on_commit_callbacks
):
    view = _form(client, fake_slack, published, django_capture_on_commit_callbacks)
    assert "who" not in {block.get("block_id") for block in view["blocks"]}

    # Even a forged "the author proposes it": the submitter does, the author is named as text.
    proposal = _proposal_from_form(client, view, django_capture_on_commit_callbacks, who="author")
    assert proposal.proposer == slack_member
    origin = SlackOrigin.objects.get()
    assert (origin.author, origin.author_answer) == (None, AuthorAnswer.NONE)
    assert not Delivery.objects.filter(event__kind=EventKind.AUTHOR_ASKED).exists()
    client.force_login(slack_member)
    page = client.get(proposal.get_absolute_url()).content.decode()
    assert "Written in a message by Slack user U0HARU." in page


# --- submitted: a proposal with its origin, its card in the message's thread ---------------------


def test_submitting_makes_a_proposal_with_its_origin_and_a_card_in_the_thread(
    client, fake_slack, published, slack_member, author, django_capture_on_commit_callbacks
):
    view = _form(client, fake_slack, published, django_capture_on_commit_callbacks)
    proposal = _proposal_from_form(
        client, view, django_capture_on_commit_callbacks, title=f"子ども食堂 {HOSTILE}", who="me"
    )

    assert proposal.proposer == slack_member
    assert [tag.name for tag in proposal.tags.all()] == ["子ども・教育", "広報・デザイン"]
    origin = SlackOrigin.objects.get(proposal=proposal)
    assert (origin.channel_id, origin.message_ts, origin.author_slack_user_id) == (
        TALK,
        MESSAGE_TS,
        "U0HARU",
    )
    assert (origin.author, origin.author_answer) == (author, AuthorAnswer.NONE)
    # The permalink, asked of Slack by a worker after the commit.
    assert _run(published, publish.SLACK_ORIGIN_PERMALINK) == ["kept"]
    origin.refresh_from_db()
    assert origin.permalink == f"https://community.slack.com/archives/{TALK}/p1764500000000100"
    [permalink_call] = fake_slack.calls_to("chat.getPermalink")
    assert permalink_call.body == {"channel": TALK, "message_ts": MESSAGE_TS}

    # The card, a reply under the message, posted by the channel's sender.
    assert any(job.name == publish.RELAY_CHANNEL and job.args == (TALK,) for job in published)
    relay.run(TALK)
    [card] = fake_slack.replies(MESSAGE_TS)
    assert card["channel"] == TALK
    assert card["metadata"]["event_payload"] == {"proposal_id": proposal.pk}
    shown = _texts(card)
    assert "Idea" in shown
    assert "子ども食堂 &lt;!channel&gt; &amp; &lt;http://x|y&gt;" in shown
    assert HOSTILE not in json.dumps(card)
    assert SlackThread.objects.get(source_of=proposal).root_ts == card["ts"]

    # A move later: the same reply is edited to show the new stage.
    services.proposal_transition(proposal=proposal, to=Status.DISCUSSION, by=slack_member)
    relay.run(TALK)
    [card] = fake_slack.replies(MESSAGE_TS)
    assert "Discussion" in _texts(card)
    updates = [call for call in fake_slack.calls_to("chat.update") if call.body["channel"] == TALK]
    assert [call.body["ts"] for call in updates] == [card["ts"]]


def test_the_proposal_page_says_it_came_from_a_slack_message(
    client, fake_slack, published, slack_member, author, django_capture_on_commit_callbacks
):
    view = _form(client, fake_slack, published, django_capture_on_commit_callbacks)
    proposal = _proposal_from_form(client, view, django_capture_on_commit_callbacks, who="me")
    _run(published, publish.SLACK_ORIGIN_PERMALINK)

    client.force_login(slack_member)
    page = client.get(proposal.get_absolute_url()).content.decode()
    assert "From a Slack message" in page
    assert f'href="https://community.slack.com/archives/{TALK}/p1764500000000100"' in page
    assert "Written in a message by はる." in page


def test_the_same_submission_again_makes_one_proposal_and_another_is_refused(
    client, fake_slack, published, slack_member, author, django_capture_on_commit_callbacks
):
    view = _form(client, fake_slack, published, django_capture_on_commit_callbacks)
    _proposal_from_form(client, view, django_capture_on_commit_callbacks, who="me")
    _proposal_from_form(client, view, django_capture_on_commit_callbacks, who="me")
    assert SlackOrigin.objects.count() == 1

    published.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _shortcut(client, "U0AIKO", MESSAGE)
    assert [job.name for job in published] == [publish.SLACK_RESPOND]
    assert _said(published)[0].startswith("This message is already a proposal: <http://testserver")


# --- the author's confirmation ---------------------------------------------------------------


def test_the_author_is_asked_in_a_dm_and_confirming_makes_them_the_proposer(
    client, fake_slack, published, slack_member, author, django_capture_on_commit_callbacks
):
    slack_member.display_name = f"あいこ {HOSTILE}"
    slack_member.save(update_fields=["display_name"])
    view = _form(client, fake_slack, published, django_capture_on_commit_callbacks)
    proposal = _proposal_from_form(client, view, django_capture_on_commit_callbacks, who="author")

    # Until the author answers, the submitter looks after it.
    origin = SlackOrigin.objects.get(proposal=proposal)
    assert (proposal.proposer, origin.author, origin.author_answer) == (
        slack_member,
        author,
        AuthorAnswer.PENDING,
    )
    client.force_login(author)
    page = client.get(proposal.get_absolute_url()).content.decode()
    assert "An idea from" in page and "waiting for them to confirm" in page
    assert 'name="answer" value="confirm"' in page and "Confirm, it's mine" in page
    board = client.get("/").content.decode()
    assert "An idea from はる, waiting for them to confirm" in board
    # The API says the same.
    _token, raw = api_token_create(user=author, name="tests")
    api = client.get(
        f"/api/v1/proposals/{proposal.pk}", headers={"Authorization": f"Bearer {raw}"}
    ).json()
    assert api["origin"]["author_answer"] == "pending"
    assert api["origin"]["author"]["display_name"] == "はる"
    assert api["proposer"]["id"] == slack_member.pk
    # So do the channel's card and the one in the message's thread (the author's name escaped).
    relay.run(TALK)
    [source_card] = fake_slack.replies(MESSAGE_TS)
    assert "An idea from はる, waiting for them to confirm" in _texts(source_card)

    delivery = Delivery.objects.get(channel=Channel.SLACK_DM, event__kind=EventKind.AUTHOR_ASKED)
    assert delivery.recipient == author
    assert dispatch.process(delivery.pk).result == "sent"
    [dm] = fake_slack.direct_messages("U0HARU")
    assert set(_buttons(dm)) == {"author_confirm", "author_decline"}
    assert HOSTILE not in json.dumps(dm)
    assert dm["text"].startswith("あいこ &lt;!channel&gt; &amp; &lt;http://x|y&gt; made your Slack")

    published.clear()
    press = interaction_body(
        "U0HARU",
        {
            "type": "block_actions",
            "actions": [
                {"action_id": "author_confirm", "value": _buttons(dm)["author_confirm"]["value"]}
            ],
            "response_url": fake_slack.url + "hooks/T0COMMUNITY/1/dm",
        },
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, "/slack/interactions", press).status_code == 200

    proposal.refresh_from_db()
    assert proposal.proposer == author
    assert Membership.objects.get(proposal=proposal, role="proposer").user == author
    assert SlackOrigin.objects.get(pk=origin.pk).author_answer == AuthorAnswer.CONFIRMED
    # The DM now says so, without its buttons.
    [replaced] = [job for job in published if job.name == publish.SLACK_REPLACE_MESSAGE]
    assert "You confirmed it: you are its proposer now." in json.dumps(replaced.args[2])
    assert "author_confirm" not in json.dumps(replaced.args[2])
    assert "An idea from はる" not in client.get("/").content.decode()
    # The card in the message's thread names the new proposer.
    relay.run(TALK)
    [card] = fake_slack.replies(MESSAGE_TS)
    assert "<@U0HARU>" in _texts(card) and "<@U0AIKO>" not in _texts(card)
    assert "An idea from" not in _texts(card)
    # The author now steers it; the submitter no longer does.
    services.proposal_transition(proposal=proposal, to=Status.DISCUSSION, by=author)


def test_not_me_on_the_web_leaves_it_with_the_submitter(
    client, fake_slack, published, slack_member, author, django_capture_on_commit_callbacks
):
    view = _form(client, fake_slack, published, django_capture_on_commit_callbacks)
    proposal = _proposal_from_form(client, view, django_capture_on_commit_callbacks, who="author")

    # Someone else cannot answer for the author.
    client.force_login(slack_member)
    url = f"/proposals/{proposal.pk}/origin/answer/"
    assert client.post(url, {"answer": "confirm"}).status_code == 403

    client.force_login(author)
    assert client.post(url, {"answer": "decline"}).status_code == 302
    proposal.refresh_from_db()
    assert proposal.proposer == slack_member
    assert SlackOrigin.objects.get().author_answer == AuthorAnswer.DECLINED
    # A DM that had not left yet is not sent with buttons that can only refuse.
    delivery = Delivery.objects.get(channel=Channel.SLACK_DM, event__kind=EventKind.AUTHOR_ASKED)
    assert dispatch.process(delivery.pk).result == "skipped"


# --- refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        (None, "I couldn't read that message."),
        ("just a string", "I couldn't read that message."),
        ({"text": "no ts", "user": "U0HARU"}, "I couldn't read that message."),
        (_message(["not", "text"]), "I couldn't read that message."),
        (_message("from the bot", bot_id="B0INCUBATOR"), "Messages from apps and bots"),
        (_message("from a bot", subtype="bot_message"), "Messages from apps and bots"),
        (_message("  "), "That message has no text"),
        # Longer than the origin keeps: refused here, not a 500 when the form is submitted.
        (_message("idea", ts="1764500000." + "1" * 30), "I couldn't read that message."),
        (_message("idea", user="U" * 40), "I couldn't read that message."),
        (_message("idea", thread_ts="1764500000." + "1" * 30), "I couldn't read that message."),
    ],
)
def test_a_message_that_cannot_be_a_proposal_is_refused_in_words(
    client, fake_slack, published, slack_member, message, reason, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert _shortcut(client, "U0AIKO", message).status_code == 200
    [said] = _said(published)
    assert said.startswith(reason)
    assert not any(job.name == publish.SLACK_OPEN_VIEW for job in published)
    assert not Proposal.objects.exists()


def test_a_channel_id_longer_than_slack_s_is_refused_in_words(
    client, fake_slack, published, slack_member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert _shortcut(client, "U0AIKO", MESSAGE, channel="C" * 40).status_code == 200
    [said] = _said(published)
    assert said.startswith("I couldn't read that message.")
    assert not any(job.name == publish.SLACK_OPEN_VIEW for job in published)


def test_a_foreign_workspace_is_refused_in_words(
    client, fake_slack, published, slack_member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert _shortcut(client, "U0AIKO", MESSAGE, team="T0OTHER").status_code == 200
    assert _said(published) == ["This app only works in the community's own workspace."]
    assert not any(job.name == publish.SLACK_OPEN_VIEW for job in published)


def test_a_nul_in_the_message_is_refused_and_nothing_is_made(
    client, fake_slack, published, slack_member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _shortcut(client, "U0AIKO", _message("idea\x00"))
    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]
    assert published == [] and not Proposal.objects.exists()


def test_an_unlinked_member_is_asked_to_connect_their_account(
    client, fake_slack, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _shortcut(client, "U0STRANGER", MESSAGE)
    [said] = _said(published)
    assert said.startswith("Your Slack account isn't connected to incubator yet.")
    assert not any(job.name == publish.SLACK_OPEN_VIEW for job in published)


def test_a_forged_or_someone_else_s_form_makes_nothing(
    client, fake_slack, published, slack_member, author, django_capture_on_commit_callbacks
):
    view = _form(client, fake_slack, published, django_capture_on_commit_callbacks)
    forged = {
        **view,
        "private_metadata": signing.dumps(
            {"c": TALK, "ts": MESSAGE_TS, "th": "", "a": "U0HARU", "u": "U0AIKO"}, salt="other"
        ),
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = _submit(client, "U0AIKO", forged)
    assert response.json()["response_action"] == "errors"
    assert "start again from the message" in response.json()["errors"]["title"]
    # The real form, submitted by someone else than the person who opened it.
    with django_capture_on_commit_callbacks(execute=True):
        response = _submit(client, "U0HARU", view)
    assert response.json()["response_action"] == "errors"
    assert not Proposal.objects.exists() and not SlackOrigin.objects.exists()


def test_a_title_too_long_is_shown_under_its_field_and_makes_nothing(
    client, fake_slack, published, slack_member, django_capture_on_commit_callbacks
):
    view = _form(client, fake_slack, published, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        response = _submit(client, "U0AIKO", view, title="x" * 121)
    assert set(response.json()["errors"]) == {"title"}
    assert not Proposal.objects.exists() and not SlackThread.objects.exists()


# --- the reaction prompt ---------------------------------------------------------------------


def _reaction(*, reaction="bulb", user="U0AIKO", team=TEAM, ts=MESSAGE_TS) -> SlackEvent:
    return SlackEvent(
        event_id="Ev0001",
        team_id=team,
        type="reaction_added",
        event={
            "type": "reaction_added",
            "user": user,
            "reaction": reaction,
            "item_user": "U0HARU",
            "item": {"type": "message", "channel": TALK, "ts": ts},
        },
    )


def _in_slack(fake_slack, message: dict) -> None:
    """The message the reaction is on, as Slack keeps it."""
    with fake_slack.lock:
        fake_slack.messages.append({"channel": TALK, "blocks": [], **message})


def test_the_proposal_emoji_offers_the_form_privately(
    client, fake_slack, published, slack_member, author, django_capture_on_commit_callbacks
):
    _in_slack(fake_slack, MESSAGE)
    with django_capture_on_commit_callbacks(execute=True):
        handlers.event(_reaction())
    assert _run(published, publish.SLACK_REACTION_PROMPT) == ["sent"]
    [prompt] = fake_slack.calls_to("chat.postEphemeral")
    assert (prompt.body["channel"], prompt.body["user"]) == (TALK, "U0AIKO")
    [button] = [
        element
        for block in prompt.body["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"] == "make_proposal_open"
    ]

    published.clear()
    press = interaction_body(
        "U0AIKO",
        {
            "type": "block_actions",
            "actions": [{"action_id": button["action_id"], "value": button["value"]}],
            "response_url": HOOK,
        },
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, "/slack/interactions", press).status_code == 200
    assert _run(published, publish.SLACK_OPEN_MESSAGE_MODAL) == ["opened"]
    [opened] = fake_slack.calls_to("views.open")
    assert opened.body["trigger_id"] == "trigger-1"
    assert _inputs(opened.body["view"])["themes"] == "子ども・教育、広報・デザイン"
    assert _inputs(opened.body["view"])["title"].startswith("子ども食堂の広報 & 受付")


def test_not_now_on_the_prompt_leaves_it_without_buttons(
    client, fake_slack, published, slack_member, django_capture_on_commit_callbacks
):
    press = interaction_body(
        "U0AIKO",
        {
            "type": "block_actions",
            "actions": [{"action_id": "make_proposal_dismiss", "value": ""}],
            "response_url": HOOK,
        },
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, "/slack/interactions", press).status_code == 200
    [replaced] = [job for job in published if job.name == publish.SLACK_REPLACE_MESSAGE]
    assert replaced.args[1].startswith("No problem. You can make it a proposal later")
    assert [block["type"] for block in replaced.args[2]] == ["section"]


@pytest.mark.parametrize(
    "event",
    [
        _reaction(reaction="tada"),
        _reaction(team="T0OTHER"),
        _reaction(user="U0STRANGER"),
    ],
    ids=["another emoji", "a foreign team", "an unlinked member"],
)
def test_other_reactions_offer_nothing(
    fake_slack, published, slack_member, event, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        handlers.event(event)
    assert published == []


def test_a_reaction_on_the_bot_s_own_message_offers_nothing(
    fake_slack, published, slack_member, django_capture_on_commit_callbacks
):
    _in_slack(fake_slack, _message("our card", user="U0BOT", bot_id="B0INCUBATOR"))
    with django_capture_on_commit_callbacks(execute=True):
        handlers.event(_reaction())
    assert _run(published, publish.SLACK_REACTION_PROMPT) == ["skipped"]
    assert fake_slack.calls_to("chat.postEphemeral") == []


def test_the_emoji_is_a_setting(
    fake_slack, published, slack_member, settings, django_capture_on_commit_callbacks
):
    settings.SLACK_PROPOSAL_EMOJI = "seedling"
    with django_capture_on_commit_callbacks(execute=True):
        handlers.event(_reaction(reaction="bulb"))
        handlers.event(_reaction(reaction="seedling"))
    assert [job.args for job in published] == [(TALK, MESSAGE_TS, "U0AIKO")]
