"""Slack deliveries start to end through their channel's sender (workers.relay, run in-process)
against the loopback fake: card, replies, escaping, limits, errors, idempotency, order, pace."""

import re
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from members.tests.factories import UserFactory
from proposals import services
from proposals.models import Proposal
from proposals.tests.factories import make_proposal
from slack_app import blocks
from workers import outbox, publish, relay
from workers import services as notify
from workers.channels import slack as slack_channel
from workers.events import Channel, EventKind
from workers.models import ChannelState, Delivery, DeliveryStatus, Event, SlackThread

from .fake_slack import Fault

pytestmark = pytest.mark.django_db


def _slack(kind: str | None = None):
    deliveries = Delivery.objects.filter(channel=Channel.SLACK).order_by("pk")
    if kind:
        deliveries = deliveries.filter(event__kind=kind)
    return deliveries


def _due_now(delivery: Delivery) -> None:
    Delivery.objects.filter(pk=delivery.pk).update(not_before=timezone.now())


def _relay(lane: str = "C0MAIN") -> str:
    """One run of the channel's sender, here and now (what the relay_channel task does)."""
    return relay.run(lane)


def _status(delivery: Delivery) -> str:
    return Delivery.objects.get(pk=delivery.pk).status


def _card_fields(message: dict) -> str:
    return " ".join(item["text"] for block in message["blocks"] for item in block.get("fields", []))


def test_a_proposal_gets_one_root_card_and_each_event_a_threaded_reply(fake_slack):
    proposal = make_proposal(title="防災マップを作りたい")
    _relay()
    assert _status(_slack(EventKind.SUBMITTED).get()) == DeliveryStatus.SENT
    [root] = fake_slack.roots("C0MAIN")
    assert root["metadata"]["event_type"] == "incubator_card"
    assert root["unfurl_links"] is False and root["unfurl_media"] is False
    assert root["blocks"][0]["text"]["text"] == "防災マップを作りたい"

    services.comment_create(proposal=proposal, author=UserFactory(), body="手伝えます")
    delivery = _slack(EventKind.COMMENTED).get()
    _relay()
    assert _status(delivery) == DeliveryStatus.SENT

    [reply] = fake_slack.replies(root["ts"])
    assert reply["metadata"]["event_payload"]["delivery_id"] == delivery.pk
    assert "手伝えます" in str(reply["blocks"])
    assert len(fake_slack.calls_to("chat.update")) == 1
    card_text = str(fake_slack.roots()[0]["blocks"])
    assert "1 comment" in card_text
    assert "1 comments" not in card_text
    delivery.refresh_from_db()
    assert (delivery.status, delivery.external_id) == (DeliveryStatus.SENT, reply["ts"])
    assert SlackThread.objects.get(proposal=proposal).root_ts == root["ts"]


def test_user_text_is_escaped_and_long_text_fits_block_kit_limits(fake_slack):
    proposal = make_proposal()
    evil = "<!channel> & <https://evil.example|Bank> "
    Proposal.objects.filter(pk=proposal.pk).update(
        title=(evil + "長" * 200)[:120], summary=(evil + "x" * 500)[:280]
    )
    _relay()
    assert _status(_slack(EventKind.SUBMITTED).get()) == DeliveryStatus.SENT
    author = UserFactory(display_name="<!here> Mallory")
    services.comment_create(proposal=proposal, author=author, body="<!channel> " + "y" * 9000)
    _relay()
    assert _status(_slack(EventKind.COMMENTED).get()) == DeliveryStatus.SENT

    [root] = fake_slack.roots()
    section = root["blocks"][1]
    assert section["text"]["text"].startswith(
        "&lt;!channel&gt; &amp; &lt;https://evil.example|Bank&gt;"
    )
    [reply] = fake_slack.replies(root["ts"])
    text = str(reply["blocks"])
    assert "<!channel>" not in text and "<!here>" not in text
    assert "&lt;!here&gt; Mallory" in text

    # Whatever the stored lengths, the card stays within Block Kit's limits.
    proposal = Proposal.objects.get(pk=proposal.pk)
    proposal.title, proposal.summary = "長" * 400, "<" * 50_000
    card = blocks.card(slack_channel.card_data(proposal), version=2).blocks
    assert len(card[0]["text"]["text"]) <= 150
    assert len(card[1]["text"]["text"]) <= 3000
    assert all(len(field["text"]) <= 2000 for field in card[1]["fields"])


def test_members_with_a_slack_id_are_mentioned(fake_slack):
    proposer = UserFactory(slack_user_id="U0PROPOSER")
    proposal = make_proposal(proposer=proposer)
    _relay()
    services.comment_create(
        proposal=proposal, author=UserFactory(slack_user_id="U0COMMENTER"), body="hi"
    )
    _relay()

    [root] = fake_slack.roots()
    assert "<@U0PROPOSER>" in _card_fields(root)
    [reply] = fake_slack.replies(root["ts"])
    assert reply["text"].startswith("<@U0COMMENTER>")


def test_a_rate_limit_pauses_the_channel_for_retry_after_and_counts_no_attempt(
    fake_slack, published, settings
):
    settings.SLACK_RETRY_AFTER_MARGIN_SECONDS = 1
    make_proposal()
    delivery = _slack(EventKind.SUBMITTED).get()
    fake_slack.fail("chat.postMessage", Fault(status=429, retry_after=7))

    _relay()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 0)
    lane = ChannelState.objects.get(key="C0MAIN")
    assert lane.paused_until >= timezone.now() + timedelta(seconds=7)
    # The sender re-armed itself for the end of the pause (plus the margin), and nobody polls.
    [wake] = [job for job in published if job.name == publish.RELAY_CHANNEL]
    assert wake.args == ("C0MAIN",) and wake.eta >= lane.paused_until - timedelta(seconds=0.1)
    _relay()
    assert len(fake_slack.calls_to("chat.postMessage")) == 1  # still paused

    ChannelState.objects.filter(key="C0MAIN").update(paused_until=timezone.now())
    _relay()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 0)
    assert len(fake_slack.calls_to("chat.postMessage")) == 2
    assert len(fake_slack.messages) == 1


def test_a_rate_limit_never_makes_a_message_fail(fake_slack, settings):
    settings.WORKERS_MAX_ATTEMPTS = 2
    settings.SLACK_RETRY_AFTER_MARGIN_SECONDS = 0.01
    make_proposal()
    fake_slack.fail("chat.postMessage", *[Fault(status=429, retry_after=0)] * 5)

    _relay()
    delivery = _slack(EventKind.SUBMITTED).get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 0)
    assert fake_slack.rate_limited() == 5 and len(fake_slack.messages) == 1


def test_another_channel_goes_on_while_one_is_paused(fake_slack, settings, published):
    settings.SLACK_THEME_CHANNELS = {"防災": "C0BOSAI"}
    make_proposal(tags=["防災"])
    ChannelState.objects.create(key="C0BOSAI", paused_until=timezone.now() + timedelta(hours=1))
    make_proposal(title="main")
    _relay("C0BOSAI")
    _relay("C0MAIN")
    assert [m["channel"] for m in fake_slack.roots()] == ["C0MAIN"]


@pytest.mark.parametrize("error", ["channel_not_found", "invalid_auth", "token_revoked"])
def test_a_permanent_error_fails_once_without_retrying(fake_slack, error):
    make_proposal()
    delivery = _slack(EventKind.SUBMITTED).get()
    fake_slack.fail("chat.postMessage", Fault(error=error))

    _relay()
    _relay()
    assert len(fake_slack.calls) == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert error in delivery.last_error


def test_failures_are_told_to_the_moderators_once_per_outage_of_the_channel(fake_slack, client):
    moderator, member = UserFactory(moderator=True), UserFactory()
    make_proposal(title="森の図書館")
    make_proposal(title="川の掃除")
    fake_slack.fail("chat.postMessage", *[Fault(error="channel_not_found")] * 2)

    _relay()
    assert [d.status for d in _slack()] == [DeliveryStatus.FAILED] * 2
    assert Event.objects.filter(kind=EventKind.DELIVERY_FAILED).count() == 1

    client.force_login(moderator)
    page = client.get(reverse("workers:list")).content.decode()
    expected = "A message about “森の図書館” could not be delivered by Slack: Slack refused"
    assert page.count(expected) == 1
    client.force_login(member)
    assert "could not be delivered" not in client.get(reverse("workers:list")).content.decode()

    # The channel works again, then fails again: a new outage, told again.
    make_proposal(title="works")
    _relay()
    fake_slack.fail("chat.postMessage", Fault(error="channel_not_found"))
    make_proposal(title="fails again")
    _relay()
    assert Event.objects.filter(kind=EventKind.DELIVERY_FAILED).count() == 2


def test_server_errors_count_as_attempts_back_off_then_fail(fake_slack, settings):
    settings.WORKERS_MAX_ATTEMPTS = 3
    settings.WORKERS_BACKOFF_BASE_SECONDS = 0.01
    make_proposal()
    delivery = _slack(EventKind.SUBMITTED).get()
    fake_slack.fail("chat.postMessage", *[Fault(status=503)] * 3)

    _relay()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 3)
    assert "503" in delivery.last_error
    assert len(fake_slack.calls_to("chat.postMessage")) == 3
    assert fake_slack.messages == []
    # The admin's (and the moderators' page's) "retry now" takes it back.
    assert outbox.retry_now([delivery.pk]) == 1
    _relay()
    assert _status(delivery) == DeliveryStatus.SENT


def test_backoff_grows_exponentially_with_jitter(settings):
    settings.WORKERS_BACKOFF_BASE_SECONDS = 2
    assert all(1 <= outbox.backoff(1) <= 2 for _ in range(20))
    assert all(2 <= outbox.backoff(2) <= 4 for _ in range(20))
    settings.WORKERS_BACKOFF_MAX_SECONDS = 10
    assert all(5 <= outbox.backoff(9) <= 10 for _ in range(20))


def test_a_post_slack_accepted_but_never_answered_is_found_not_repeated(fake_slack, settings):
    settings.SLACK_TIMEOUT_SECONDS = 1
    settings.WORKERS_BACKOFF_BASE_SECONDS = 0.01
    proposal = make_proposal()
    _relay()
    services.comment_create(proposal=proposal, author=UserFactory(), body="hi")
    delivery = _slack(EventKind.COMMENTED).get()
    fake_slack.fail("chat.postMessage", Fault(accept=True, delay=2))

    _relay()

    [root] = fake_slack.roots()
    [reply] = fake_slack.replies(root["ts"])
    delivery.refresh_from_db()
    assert (delivery.status, delivery.external_id) == (DeliveryStatus.SENT, reply["ts"])
    assert delivery.attempts == 1  # the timeout was a real failure
    assert len(fake_slack.calls_to("conversations.replies")) == 1
    assert len(fake_slack.calls_to("chat.postMessage")) == 2


@pytest.mark.django_db(transaction=True)
def test_two_senders_of_one_channel_at_once_post_once(fake_slack):
    make_proposal()
    fake_slack.fail("chat.postMessage", Fault(accept=True, delay=0.5))
    results = []

    def run():
        try:
            results.append(_relay())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert "sent 1" in results
    assert len(fake_slack.calls_to("chat.postMessage")) == 1
    assert _status(_slack(EventKind.SUBMITTED).get()) == DeliveryStatus.SENT


def test_without_a_token_the_slack_channel_is_off(fake_slack, settings):
    make_proposal()
    delivery = _slack(EventKind.SUBMITTED).get()
    settings.SLACK_BOT_TOKEN = ""
    _relay()
    assert _status(delivery) == DeliveryStatus.SKIPPED
    assert fake_slack.calls == []


def test_a_theme_can_route_its_proposals_to_its_own_channel(fake_slack, settings):
    settings.SLACK_THEME_CHANNELS = {"防災": "C0BOSAI"}
    make_proposal(tags=["防災"])
    assert _slack(EventKind.SUBMITTED).get().lane == "C0BOSAI"
    _relay("C0BOSAI")
    assert [m["channel"] for m in fake_slack.roots()] == ["C0BOSAI"]


def test_replies_keep_their_order_within_a_thread(fake_slack):
    proposal = make_proposal()
    author = UserFactory()
    for body in ("first", "second", "third"):
        services.comment_create(proposal=proposal, author=author, body=body)

    _relay()
    root = fake_slack.roots()[0]
    texts = [str(m["blocks"]) for m in fake_slack.replies(root["ts"])]
    assert [next(w for w in ("first", "second", "third") if w in t) for t in texts] == [
        "first",
        "second",
        "third",
    ]


def test_a_thread_waiting_for_its_backoff_holds_up_only_itself(fake_slack, settings):
    settings.WORKERS_BACKOFF_BASE_SECONDS = 600  # the failed one waits far longer than this run
    waiting, other = make_proposal(title="waiting"), make_proposal(title="other")
    _relay()
    author = UserFactory()
    services.comment_create(proposal=waiting, author=author, body="w1")
    services.comment_create(proposal=waiting, author=author, body="w2")
    services.comment_create(proposal=other, author=author, body="o1")
    w1, w2, o1 = _slack(EventKind.COMMENTED)
    fake_slack.fail("chat.postMessage", Fault(status=503))

    _relay()
    assert [_status(d) for d in (w1, w2, o1)] == [
        DeliveryStatus.PENDING,
        DeliveryStatus.PENDING,
        DeliveryStatus.SENT,
    ]
    assert Delivery.objects.get(pk=w1.pk).attempts == 1

    _due_now(w1)
    _relay()
    assert [_status(d) for d in (w1, w2)] == [DeliveryStatus.SENT] * 2
    root = SlackThread.objects.get(proposal=waiting).root_ts
    assert ["w1" in str(m["blocks"]) for m in fake_slack.replies(root)] == [True, False]


def test_two_events_of_a_proposal_without_a_root_make_one_card_and_two_replies(
    fake_slack, settings
):
    settings.SLACK_BOT_TOKEN = ""
    proposal = make_proposal()  # submitted while Slack was off
    settings.SLACK_BOT_TOKEN = "xoxb-test"
    services.proposal_transition(proposal=proposal, to="discussion", by=proposal.proposer)
    services.comment_create(proposal=proposal, author=UserFactory(), body="hello")
    _relay()

    assert {_status(d) for d in _slack().exclude(status=DeliveryStatus.SKIPPED)} == {
        DeliveryStatus.SENT
    }
    [root] = fake_slack.roots()
    assert len(fake_slack.replies(root["ts"])) == 2
    assert "Discussion" in _card_fields(root)
    card_text = str(root["blocks"])
    assert "1 comment" in card_text
    assert "1 comments" not in card_text


@pytest.mark.paced
def test_at_slacks_pace_a_burst_in_one_channel_gets_no_429(fake_slack, settings):
    settings.SLACK_MESSAGES_PER_SECOND = 20
    fake_slack.enforce_pace(window=1 / 20)
    proposals = [make_proposal(title=f"p{i}") for i in range(3)]
    author = UserFactory()
    for index in range(12):
        services.comment_create(proposal=proposals[index % 3], author=author, body=f"b{index}")

    _relay()
    assert fake_slack.rate_limited() == 0
    assert len(fake_slack.roots()) == 3 and len(fake_slack.messages) == 15
    assert {d.attempts for d in _slack()} == {0}


def test_the_weekly_digest_is_one_top_level_message(fake_slack):
    proposal = make_proposal(title="新しいアイデア")
    Delivery.objects.all().delete()
    assert notify.weekly_digest_record() == 1
    assert notify.weekly_digest_record() == 0
    delivery = _slack(EventKind.WEEKLY_DIGEST).get()
    _relay()
    assert _status(delivery) == DeliveryStatus.SENT, Delivery.objects.get(pk=delivery.pk).last_error
    [message] = fake_slack.roots()
    assert "新しいアイデア" in str(message["blocks"])
    assert proposal.get_absolute_url() in str(message["blocks"])


def test_a_nudge_offers_still_going_or_pause(fake_slack, settings):
    proposal = make_proposal()
    _relay()
    Proposal.objects.filter(pk=proposal.pk).update(
        last_activity_at=timezone.now() - timedelta(days=31)
    )
    assert notify.quiet_proposals_nudge() == 1
    assert notify.quiet_proposals_nudge() == 0
    _relay()
    assert _status(_slack(EventKind.NUDGE).get()) == DeliveryStatus.SENT
    [reply] = fake_slack.replies(fake_slack.roots()[0]["ts"])
    actions = next(b for b in reply["blocks"] if b["type"] == "actions")
    assert [e["action_id"] for e in actions["elements"]] == ["nudge_still_going", "nudge_pause"]


def test_edits_within_the_coalescing_window_make_one_update_with_the_latest_state(
    fake_slack, settings, django_capture_on_commit_callbacks, published
):
    settings.WORKERS_SLACK_CARD_COALESCE_SECONDS = 0.2
    proposal = make_proposal(title="Before")
    _relay()
    with django_capture_on_commit_callbacks(execute=True):
        for title in ("One", "Two", "After"):
            proposal = services.proposal_update(
                proposal=proposal, by=proposal.proposer, title=title
            )
    # Each edit pokes the channel's sender after its commit, never before.
    assert [job.args for job in published if job.name == publish.RELAY_CHANNEL] == [("C0MAIN",)] * 3
    _relay()
    [update] = fake_slack.calls_to("chat.update")
    assert update.body["blocks"][0]["text"]["text"] == "After"
    [root] = fake_slack.roots()
    assert root["blocks"][0]["text"]["text"] == "After"
    assert len(fake_slack.calls_to("chat.postMessage")) == 1


def test_a_card_deleted_in_slack_is_posted_again_and_the_thread_goes_on_under_it(fake_slack):
    proposal = make_proposal(title="消えたカード")
    services.comment_create(proposal=proposal, author=UserFactory(), body="before")
    _relay()
    [old] = fake_slack.roots()
    fake_slack.delete(old["ts"])

    services.comment_create(proposal=proposal, author=UserFactory(), body="after")
    services.comment_create(proposal=proposal, author=UserFactory(), body="later")
    _relay()

    [card] = fake_slack.roots()
    assert card["ts"] != old["ts"] and card["blocks"][0]["text"]["text"] == "消えたカード"
    assert "3 comments" in str(card["blocks"])
    replies = fake_slack.replies(card["ts"])
    assert ["after" in str(m["blocks"]) for m in replies] == [True, False]
    assert SlackThread.objects.get(proposal=proposal).root_ts == card["ts"]
    assert {d.status for d in _slack()} == {DeliveryStatus.SENT}


def test_card_and_join_request_buttons_use_the_inbound_handlers_action_ids(fake_slack):
    proposal = make_proposal()
    _relay()
    membership = services.membership_request(proposal=proposal, user=UserFactory(), role="x")
    _relay()

    [root] = fake_slack.roots()
    card_actions = next(b for b in root["blocks"] if b["type"] == "actions")["elements"]
    assert [(e["action_id"], e.get("value")) for e in card_actions] == [
        ("proposal_open", None),
        ("proposal_cheer", str(proposal.pk)),
        ("proposal_join", str(proposal.pk)),
    ]
    [reply] = fake_slack.replies(root["ts"])
    reply_actions = next(b for b in reply["blocks"] if b["type"] == "actions")["elements"]
    assert [(e["action_id"], e["value"]) for e in reply_actions] == [
        ("membership_accept", str(membership.pk)),
        ("membership_decline", str(membership.pk)),
    ]


EVIL = "<!channel> <!here> <@U123> <https://x|y> & 🎉 日本語 "
OURS = re.compile(r"<@U0[A-Z0-9]+>|<http://testserver/[^|<>\s]*(\|[^<>]*)?>|^> ", re.MULTILINE)


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def test_hostile_member_text_reaches_slack_escaped_in_every_field_of_every_call(
    fake_slack, settings
):
    settings.WORKERS_CHEER_WINDOW_SECONDS = 1
    proposer = UserFactory(display_name=(EVIL * 3)[:80], slack_user_id="U0PROPOSER")
    proposal = make_proposal(
        proposer=proposer, title=EVIL, summary=(EVIL * 20)[:280], roles=(EVIL[:60],)
    )
    outsider = UserFactory(display_name=EVIL[:80])
    services.comment_create(proposal=proposal, author=outsider, body=EVIL * 100)
    services.proposal_transition(proposal=proposal, to="discussion", by=proposer, note=EVIL * 10)
    services.membership_request(proposal=proposal, user=outsider, role=EVIL[:60], message=EVIL)
    services.cheer_set(proposal=proposal, user=outsider, cheered=True)
    services.proposal_update(proposal=proposal, by=proposer, title=("ä" + EVIL)[:120])
    notify.weekly_digest_record()
    Delivery.objects.filter(channel=Channel.SLACK).update(not_before=timezone.now())
    _relay()
    for delivery in _slack().exclude(status=DeliveryStatus.SKIPPED):
        assert delivery.status == DeliveryStatus.SENT, delivery.event.kind
    assert notify.slack_card_refresh(proposal_id=proposal.pk)
    _relay()

    methods = {call.method for call in fake_slack.calls}
    assert {"chat.postMessage", "chat.update"} <= methods
    assert len(fake_slack.roots()) == 2  # the card and the weekly digest
    for call in fake_slack.calls:
        if call.method in ("chat.postMessage", "chat.update"):
            assert call.body["text"]  # every message has its notification fallback
        for text in _strings(call.body):
            rest = OURS.sub("", text)
            assert "<" not in rest and ">" not in rest, (call.method, text[:200])
            assert "<!" not in text, (call.method, text[:200])


def test_a_japanese_community_sees_japanese_cards(fake_slack, settings):
    settings.LANGUAGE_CODE = "ja"
    make_proposal(title="防災マップ")
    _relay()
    assert _status(_slack(EventKind.SUBMITTED).get()) == DeliveryStatus.SENT
    fields = _card_fields(fake_slack.roots()[0])
    for label in ("*段階*", "*提案者*", "*チームの人数*", "*募集する役割*"):
        assert label in fields
    assert "Proposer" not in fields and "Open roles" not in fields
