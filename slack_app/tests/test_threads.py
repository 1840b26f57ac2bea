"""Two-way threads: a reply in a proposal's Slack thread becomes a comment, through the real
services, outbox and relay against the loopback fake Slack. Events are shaped as Slack sends them
(https://docs.slack.dev/reference/events/message and its subtypes)."""

import itertools
import threading

import pytest
from django.db import connection
from django.urls import reverse

from members.tests.factories import UserFactory
from proposals import services
from proposals.choices import Status
from proposals.errors import ActionNotPermitted
from proposals.models import Comment, Proposal
from proposals.tests.factories import make_proposal
from slack_app import handlers
from slack_app.events import SlackEvent
from workers import publish, relay, tasks
from workers.events import EventKind
from workers.models import Delivery, DeliveryStatus, Event, SlackThread

pytestmark = pytest.mark.django_db

CHANNEL = "C0MAIN"
TEAM = "T0COMMUNITY"
_ids = itertools.count(1)


@pytest.fixture(autouse=True)
def _quick_coalescing(settings):
    settings.WORKERS_SLACK_CARD_COALESCE_SECONDS = 0.01


@pytest.fixture
def proposal(fake_slack, django_capture_on_commit_callbacks):
    """A proposal whose card (its thread's root) is in the community channel."""
    with django_capture_on_commit_callbacks(execute=True):
        made = make_proposal(proposer=UserFactory(slack_user_id="U0PROPOSER"))
    relay.run(CHANNEL)
    assert SlackThread.objects.get(proposal=made).root_ts
    return made


def _root(proposal) -> str:
    return SlackThread.objects.get(proposal=proposal).root_ts


def _ts() -> str:
    return f"1700000000.{next(_ids):06d}"


def _rich(text: str) -> list[dict]:
    return [
        {
            "type": "rich_text",
            "block_id": "b1",
            "elements": [
                {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}
            ],
        }
    ]


def _event(inner: dict, *, event_id: str | None = None) -> SlackEvent:
    return SlackEvent(
        event_id=event_id or f"Ev{next(_ids):08d}", team_id=TEAM, type="message", event=inner
    )


def _reply(proposal, *, user="U0AIKO", text="いいですね、手伝います！", ts=None, **extra) -> dict:
    """A person's reply in the proposal's thread, as Slack's Events API delivers it."""
    ts = ts or _ts()
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return {
        "client_msg_id": f"m-{ts}",
        "type": "message",
        "text": escaped,
        "user": user,
        "ts": ts,
        "blocks": _rich(text),
        "team": TEAM,
        "thread_ts": _root(proposal),
        "parent_user_id": "U0BOT",
        "channel": CHANNEL,
        "event_ts": ts,
        "channel_type": "channel",
        **extra,
    }


def _edited(original: dict, text: str) -> dict:
    edit_ts = _ts()
    message = {
        **{key: original[key] for key in ("client_msg_id", "type", "user", "team", "ts")},
        "thread_ts": original["thread_ts"],
        "text": text,
        "blocks": _rich(text),
        "edited": {"user": original["user"], "ts": edit_ts},
    }
    return {
        "type": "message",
        "subtype": "message_changed",
        "message": message,
        "previous_message": original,
        "channel": CHANNEL,
        "hidden": True,
        "ts": edit_ts,
        "event_ts": edit_ts,
        "channel_type": "channel",
    }


def _deleted(original: dict) -> dict:
    ts = _ts()
    return {
        "type": "message",
        "subtype": "message_deleted",
        "previous_message": original,
        "channel": CHANNEL,
        "hidden": True,
        "deleted_ts": original["ts"],
        "ts": ts,
        "event_ts": ts,
        "channel_type": "channel",
    }


def _handle(inner: dict, capture, **kwargs) -> None:
    with capture(execute=True):
        handlers.event(_event(inner, **kwargs))


def _ephemerals(published) -> list[tuple]:
    return [job.args for job in published if job.name == publish.SLACK_POST_EPHEMERAL]


def test_a_linked_members_reply_becomes_one_comment(
    proposal, slack_member, django_capture_on_commit_callbacks
):
    _handle(_reply(proposal, text="配膳なら*毎月*行けます"), django_capture_on_commit_callbacks)

    comment = Comment.objects.get()
    assert (comment.proposal, comment.author) == (proposal, slack_member)
    assert comment.body == r"配膳なら\*毎月\*行けます"  # rich_text's plain text stays plain
    assert (comment.slack_channel, comment.slack_ts) != ("", "")
    assert Proposal.objects.get(pk=proposal.pk).comment_count == 1
    # The usual notifications: the proposer hears of it in the app.
    event = Event.objects.get(kind=EventKind.COMMENTED)
    assert event.deliveries.filter(recipient=proposal.proposer, channel="inapp").exists()


def test_the_same_event_retried_is_still_one_comment(
    proposal, slack_member, django_capture_on_commit_callbacks
):
    reply = _reply(proposal)
    _handle(reply, django_capture_on_commit_callbacks, event_id="Ev0SAME")
    _handle(reply, django_capture_on_commit_callbacks, event_id="Ev0SAME")
    # Slack's retry of an event it thinks was lost can even come with a new envelope.
    _handle(reply, django_capture_on_commit_callbacks)
    assert Comment.objects.count() == 1
    assert Event.objects.filter(kind=EventKind.COMMENTED).count() == 1
    assert Proposal.objects.get(pk=proposal.pk).comment_count == 1


def test_an_imported_comment_is_not_posted_back_to_the_thread(
    proposal, slack_member, fake_slack, django_capture_on_commit_callbacks
):
    replies_before = len(fake_slack.replies(_root(proposal)))
    _handle(_reply(proposal), django_capture_on_commit_callbacks)
    relay.run(CHANNEL)
    assert len(fake_slack.replies(_root(proposal))) == replies_before
    delivery = Delivery.objects.get(event__kind=EventKind.COMMENTED, channel="slack")
    assert delivery.status == DeliveryStatus.SKIPPED
    # The card still shows the new count.
    [*_, update] = [
        c.body for c in fake_slack.calls_to("chat.update") if c.body["ts"] == _root(proposal)
    ]
    assert "1 comment" in str(update["blocks"])


@pytest.mark.parametrize(
    "bot",
    [
        # What chat.postMessage with the app's bot token comes back as.
        {"bot_id": "B0INCUBATOR", "app_id": "A0INCUBATOR", "bot_profile": {"id": "B0INCUBATOR"}},
        {"subtype": "bot_message", "bot_id": "B0OTHER", "username": "someone's bot"},
    ],
)
def test_the_bots_own_messages_are_never_imported(
    proposal, slack_member, published, django_capture_on_commit_callbacks, bot
):
    _handle(_reply(proposal, **bot), django_capture_on_commit_callbacks)
    assert not Comment.objects.exists()
    assert _ephemerals(published) == []


def test_a_web_comment_goes_out_as_one_thread_reply_and_is_not_imported_back(
    proposal, slack_member, fake_slack, django_capture_on_commit_callbacks
):
    replies_before = len(fake_slack.replies(_root(proposal)))
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_create(proposal=proposal, author=slack_member, body="ウェブから")
    relay.run(CHANNEL)
    replies = fake_slack.replies(_root(proposal))
    assert len(replies) == replies_before + 1
    posted = replies[-1]
    # Slack sends the app's own post back as a message event in the thread.
    echo = _reply(
        proposal,
        user="U0BOTUSER",
        ts=posted["ts"],
        text=posted["text"],
        bot_id="B0INCUBATOR",
        app_id="A0INCUBATOR",
    )
    echo["blocks"] = posted["blocks"]
    _handle(echo, django_capture_on_commit_callbacks)
    assert list(Comment.objects.values_list("body", flat=True)) == ["ウェブから"]
    relay.run(CHANNEL)
    assert len(fake_slack.replies(_root(proposal))) == replies_before + 1


def test_an_edit_in_slack_edits_the_comment(
    proposal, slack_member, django_capture_on_commit_callbacks
):
    reply = _reply(proposal, text="土曜なら行けます")
    _handle(reply, django_capture_on_commit_callbacks)
    _handle(_edited(reply, "日曜なら行けます"), django_capture_on_commit_callbacks)
    comment = Comment.objects.get()
    assert comment.body == "日曜なら行けます"
    assert "日曜なら行けます" in comment.body_html
    assert comment.edited_at is not None


def test_a_message_changed_that_changes_no_words_leaves_the_comment_unedited(
    proposal, slack_member, django_capture_on_commit_callbacks
):
    reply = _reply(proposal, text="同じ言葉")
    _handle(reply, django_capture_on_commit_callbacks)
    _handle(_edited(reply, "同じ言葉"), django_capture_on_commit_callbacks)
    assert Comment.objects.get().edited_at is None


def test_someone_elses_edit_event_cannot_rewrite_a_comment(
    proposal, slack_member, django_capture_on_commit_callbacks
):
    UserFactory(slack_user_id="U0OTHER")
    reply = _reply(proposal, text="わたしの言葉")
    _handle(reply, django_capture_on_commit_callbacks)
    forged = _edited(reply, "書き換え")
    forged["message"]["user"] = "U0OTHER"
    _handle(forged, django_capture_on_commit_callbacks)
    assert Comment.objects.get().body == "わたしの言葉"


def test_a_deletion_in_slack_removes_the_comment_and_the_count_follows(
    proposal, slack_member, django_capture_on_commit_callbacks
):
    reply = _reply(proposal)
    _handle(reply, django_capture_on_commit_callbacks)
    assert Proposal.objects.get(pk=proposal.pk).comment_count == 1
    _handle(_deleted(reply), django_capture_on_commit_callbacks)
    _handle(_deleted(reply), django_capture_on_commit_callbacks)  # retried: nothing more to do
    assert not Comment.objects.exists()
    assert Proposal.objects.get(pk=proposal.pk).comment_count == 0


def test_an_unlinked_author_is_asked_privately_to_connect_and_no_comment_is_made(
    proposal, fake_slack, published, django_capture_on_commit_callbacks
):
    reply = _reply(proposal, user="U0STRANGER")
    _handle(reply, django_capture_on_commit_callbacks)
    _handle(_reply(proposal, user="U0STRANGER"), django_capture_on_commit_callbacks)

    assert not Comment.objects.exists()
    [args] = _ephemerals(published)  # asked once, not at every reply
    tasks.slack_post_ephemeral.apply(args=args)
    [note] = fake_slack.calls_to("chat.postEphemeral")
    assert note.body["channel"] == CHANNEL
    assert note.body["user"] == "U0STRANGER"
    assert note.body["thread_ts"] == _root(proposal)
    assert "http://testserver/members/slack/connect/" in note.body["text"]
    assert "Slack" in note.body["text"]


def test_when_the_proposer_switches_it_off_replies_are_not_imported_and_told_once(
    proposal, slack_member, fake_slack, published, django_capture_on_commit_callbacks
):
    services.proposal_set_slack_replies(proposal=proposal, by=proposal.proposer, enabled=False)
    _handle(_reply(proposal), django_capture_on_commit_callbacks)
    _handle(_reply(proposal), django_capture_on_commit_callbacks)

    assert not Comment.objects.exists()
    [args] = _ephemerals(published)
    tasks.slack_post_ephemeral.apply(args=args)
    [note] = fake_slack.calls_to("chat.postEphemeral")
    assert note.body["user"] == "U0AIKO"
    assert f"http://testserver/proposals/{proposal.pk}/" in note.body["text"]


def test_only_the_proposer_or_a_moderator_switches_it(proposal, slack_member):
    with pytest.raises(ActionNotPermitted):
        services.proposal_set_slack_replies(proposal=proposal, by=slack_member, enabled=False)
    moderator = UserFactory(moderator=True)
    services.proposal_set_slack_replies(proposal=proposal, by=moderator, enabled=False)
    assert Proposal.objects.get(pk=proposal.pk).slack_replies_import is False


def test_a_paused_proposals_thread_still_takes_comments_as_its_page_does(
    proposal, slack_member, django_capture_on_commit_callbacks
):
    Proposal.objects.filter(pk=proposal.pk).update(status=Status.ARCHIVED)
    _handle(_reply(proposal), django_capture_on_commit_callbacks)
    assert Comment.objects.get().proposal_id == proposal.pk


def test_messages_outside_a_proposals_thread_are_not_comments(
    proposal, slack_member, django_capture_on_commit_callbacks
):
    root_post = _reply(proposal)
    root_post.pop("thread_ts")  # a message in the channel itself
    other_thread = _reply(proposal, thread_ts="1600000000.000001")
    elsewhere = _reply(proposal, channel="C0ELSEWHERE")
    joined = {**_reply(proposal), "subtype": "channel_join"}
    for inner in (root_post, other_thread, elsewhere, joined):
        _handle(inner, django_capture_on_commit_callbacks)
    assert not Comment.objects.exists()


def test_another_workspaces_event_is_ignored(proposal, slack_member):
    handlers.event(
        SlackEvent(event_id="Ev0X", team_id="T0OTHER", type="message", event=_reply(proposal))
    )
    assert not Comment.objects.exists()


def test_a_reply_too_long_for_a_comment_is_refused_kindly_and_privately(
    proposal, slack_member, published, django_capture_on_commit_callbacks
):
    _handle(_reply(proposal, text="あ" * 10_001), django_capture_on_commit_callbacks)
    assert not Comment.objects.exists()
    [(channel, user, text, thread_ts)] = _ephemerals(published)
    assert (channel, user, thread_ts) == (CHANNEL, "U0AIKO", _root(proposal))
    assert "10000" in text


def test_a_script_from_slack_shows_as_text_on_the_page(
    client, proposal, slack_member, django_capture_on_commit_callbacks
):
    _handle(
        _reply(proposal, text='<script>alert("x")</script> <img src=x onerror=alert(1)>'),
        django_capture_on_commit_callbacks,
    )
    client.force_login(slack_member)
    page = client.get(reverse("proposals:detail", args=[proposal.pk])).content.decode()
    assert "&lt;script&gt;alert" in page
    assert "via Slack" in page
    assert '<script>alert("x")' not in page
    assert "<img src=x" not in page


def test_the_text_fallback_and_files_are_converted_too(
    proposal, slack_member, django_capture_on_commit_callbacks
):
    UserFactory(slack_user_id="U0HANA", display_name="花子")
    reply = _reply(proposal, subtype="file_share")
    reply.pop("blocks")
    reply["text"] = "*大事* &lt;b&gt; <@U0HANA> と <@U0NOBODY> へ <https://example.org/a|資料>"
    reply["files"] = [
        {
            "id": "F0001",
            "name": "plan.pdf",
            "title": "計画書",
            "permalink": "https://x.slack.com/files/U0AIKO/F0001/plan.pdf",
        }
    ]
    _handle(reply, django_capture_on_commit_callbacks)
    body = Comment.objects.get().body
    assert body == (
        "**大事** <b> @花子 と @U0NOBODY へ [資料](https://example.org/a)\n\n"
        "- [計画書](https://x.slack.com/files/U0AIKO/F0001/plan.pdf)"
    )


def test_the_proposer_switches_it_off_and_on_from_the_proposal_page(client, proposal):
    page_url = reverse("proposals:detail", args=[proposal.pk])
    switch = reverse("proposals:slack_replies", args=[proposal.pk])
    client.force_login(proposal.proposer)
    page = client.get(page_url).content.decode()
    assert 'id="slack-thread"' in page and "Keep Slack replies in Slack" in page

    response = client.post(switch, {"enabled": "0"})
    assert response.status_code == 302
    assert Proposal.objects.get(pk=proposal.pk).slack_replies_import is False
    assert "Bring Slack replies here" in client.get(page_url).content.decode()
    client.post(switch, {"enabled": "1"})
    assert Proposal.objects.get(pk=proposal.pk).slack_replies_import is True


def test_someone_else_neither_sees_nor_uses_the_switch(client, proposal, slack_member):
    client.force_login(slack_member)
    page = client.get(reverse("proposals:detail", args=[proposal.pk])).content.decode()
    assert 'id="slack-thread"' not in page
    response = client.post(reverse("proposals:slack_replies", args=[proposal.pk]), {"enabled": "0"})
    assert response.status_code == 403
    assert Proposal.objects.get(pk=proposal.pk).slack_replies_import is True


def test_without_slack_there_is_no_switch(client, settings):
    settings.SLACK_BOT_TOKEN = ""
    proposal = make_proposal()
    client.force_login(proposal.proposer)
    page = client.get(reverse("proposals:detail", args=[proposal.pk])).content.decode()
    assert 'id="slack-thread"' not in page


@pytest.mark.django_db(transaction=True)
def test_the_same_reply_handled_by_two_workers_at_once_is_one_comment(proposal, slack_member):
    reply = _reply(proposal, text="同時に届いた返信")
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def work(event_id: str) -> None:
        try:
            barrier.wait(timeout=10)
            handlers.event(_event(reply, event_id=event_id))
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            connection.close()

    workers = [threading.Thread(target=work, args=(f"Ev0RACE{n}",)) for n in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    assert errors == []
    assert Comment.objects.count() == 1
    assert Proposal.objects.get(pk=proposal.pk).comment_count == 1


@pytest.mark.parametrize(
    "odd",
    [
        {"ts": "1700000000." + "1" * 30},  # longer than Slack's: the comment could not keep it
        {"user": "U" * 40},
        {"user": None},
        {"thread_ts": 1700000000.1},
        {"blocks": "not a list", "text": ["not", "text"]},
        {"blocks": [{"type": "rich_text", "elements": "odd"}, "odd", {"type": 7}]},
    ],
)
def test_a_reply_of_an_odd_shape_makes_no_comment_and_does_not_fail(
    proposal, slack_member, django_capture_on_commit_callbacks, odd
):
    _handle({**_reply(proposal), **odd}, django_capture_on_commit_callbacks)
    assert Comment.objects.count() <= 1
    assert all(len(comment.slack_ts) <= 32 for comment in Comment.objects.all())


@pytest.mark.parametrize(
    "message", ["a string", None, {}, {"ts": 7, "user": ["U0AIKO"]}, {"ts": "x" * 40}]
)
def test_an_edit_of_an_odd_shape_changes_nothing_and_does_not_fail(
    proposal, slack_member, django_capture_on_commit_callbacks, message
):
    reply = _reply(proposal, text="わたしの言葉")
    _handle(reply, django_capture_on_commit_callbacks)
    edited = {**_edited(reply, "x"), "message": message}
    _handle(edited, django_capture_on_commit_callbacks)
    _handle(
        {**_deleted(reply), "deleted_ts": {"ts": reply["ts"]}}, django_capture_on_commit_callbacks
    )
    assert Comment.objects.get().body == "わたしの言葉"
