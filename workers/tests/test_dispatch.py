"""One delivery start to end, through the Slack channel against the loopback fake: card, replies,
escaping, limits, errors, idempotency, pacing."""

import re
import threading
import time
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
from workers import dispatch, outbox
from workers import services as notify
from workers.channels import slack as slack_channel
from workers.events import Channel, EventKind
from workers.models import Delivery, DeliveryStatus, SlackThread

from .fake_slack import Fault

pytestmark = pytest.mark.django_db


def _slack(kind: str | None = None):
    deliveries = Delivery.objects.filter(channel=Channel.SLACK).order_by("pk")
    if kind:
        deliveries = deliveries.filter(event__kind=kind)
    return deliveries


def _due_now(delivery: Delivery) -> None:
    Delivery.objects.filter(pk=delivery.pk).update(not_before=timezone.now())


def _wait_until(condition, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def _card_fields(message: dict) -> str:
    return " ".join(item["text"] for block in message["blocks"] for item in block.get("fields", []))


def test_a_proposal_gets_one_root_card_and_each_event_a_threaded_reply(fake_slack):
    proposal = make_proposal(title="防災マップを作りたい")
    assert dispatch.process(_slack(EventKind.SUBMITTED).get().pk).result == "sent"
    [root] = fake_slack.roots("C0MAIN")
    assert root["metadata"]["event_type"] == "incubator_card"
    assert root["unfurl_links"] is False and root["unfurl_media"] is False
    assert root["blocks"][0]["text"]["text"] == "防災マップを作りたい"

    services.comment_create(proposal=proposal, author=UserFactory(), body="手伝えます")
    delivery = _slack(EventKind.COMMENTED).get()
    assert dispatch.process(delivery.pk).result == "sent"

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
    assert dispatch.process(_slack(EventKind.SUBMITTED).get().pk).result == "sent"
    author = UserFactory(display_name="<!here> Mallory")
    services.comment_create(proposal=proposal, author=author, body="<!channel> " + "y" * 9000)
    assert dispatch.process(_slack(EventKind.COMMENTED).get().pk).result == "sent"

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
    dispatch.process(_slack(EventKind.SUBMITTED).get().pk)
    services.comment_create(
        proposal=proposal, author=UserFactory(slack_user_id="U0COMMENTER"), body="hi"
    )
    dispatch.process(_slack(EventKind.COMMENTED).get().pk)

    [root] = fake_slack.roots()
    assert "<@U0PROPOSER>" in _card_fields(root)
    [reply] = fake_slack.replies(root["ts"])
    assert reply["text"].startswith("<@U0COMMENTER>")


def test_rate_limited_asks_to_come_back_after_retry_after(fake_slack):
    make_proposal()
    delivery = _slack(EventKind.SUBMITTED).get()
    fake_slack.fail("chat.postMessage", Fault(status=429, retry_after=7))

    outcome = dispatch.process(delivery.pk)
    assert outcome.result == "retry" and 7 <= outcome.retry_in <= 8
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.not_before >= timezone.now() + timedelta(seconds=6)
    assert dispatch.process(delivery.pk).result == "busy"  # its retry is already scheduled
    assert len(fake_slack.calls_to("chat.postMessage")) == 1

    _due_now(delivery)
    assert dispatch.process(delivery.pk).result == "sent"
    assert len(fake_slack.calls_to("chat.postMessage")) == 2
    assert len(fake_slack.messages) == 1


@pytest.mark.parametrize("error", ["channel_not_found", "invalid_auth", "token_revoked"])
def test_a_permanent_error_fails_once_without_retrying(fake_slack, error):
    make_proposal()
    delivery = _slack(EventKind.SUBMITTED).get()
    fake_slack.fail("chat.postMessage", Fault(error=error))

    assert dispatch.process(delivery.pk).result == "failed"
    assert dispatch.process(delivery.pk).result == "failed"
    assert len(fake_slack.calls) == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert error in delivery.last_error


def test_a_delivery_that_fails_for_good_is_told_to_the_moderators_once(fake_slack, client):
    moderator, member = UserFactory(moderator=True), UserFactory()
    make_proposal(title="森の図書館")
    delivery = _slack(EventKind.SUBMITTED).get()
    fake_slack.fail("chat.postMessage", Fault(error="channel_not_found"))

    dispatch.process(delivery.pk)
    dispatch.process(delivery.pk)

    client.force_login(moderator)
    page = client.get(reverse("workers:list")).content.decode()
    expected = "A message about “森の図書館” could not be delivered by Slack: Slack refused"
    assert page.count(expected) == 1
    client.force_login(member)
    assert "could not be delivered" not in client.get(reverse("workers:list")).content.decode()


def test_server_errors_back_off_with_jitter_then_fail(fake_slack, settings):
    settings.WORKERS_MAX_ATTEMPTS = 3
    make_proposal()
    delivery = _slack(EventKind.SUBMITTED).get()
    fake_slack.fail("chat.postMessage", *[Fault(status=503)] * 3)

    waits = []
    for _attempt in range(2):
        outcome = dispatch.process(delivery.pk)
        assert outcome.result == "retry"
        waits.append(outcome.retry_in)
        _due_now(delivery)
    assert dispatch.process(delivery.pk).result == "failed"
    assert 1 <= waits[0] <= 2 and 2 <= waits[1] <= 4
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED and "503" in delivery.last_error
    assert fake_slack.messages == []


def test_a_post_slack_accepted_but_never_answered_is_found_not_repeated(fake_slack, settings):
    settings.SLACK_TIMEOUT_SECONDS = 1
    proposal = make_proposal()
    dispatch.process(_slack(EventKind.SUBMITTED).get().pk)
    services.comment_create(proposal=proposal, author=UserFactory(), body="hi")
    delivery = _slack(EventKind.COMMENTED).get()
    fake_slack.fail("chat.postMessage", Fault(accept=True, delay=2))

    assert dispatch.process(delivery.pk).result == "retry"
    _due_now(delivery)
    assert dispatch.process(delivery.pk).result == "sent"

    [root] = fake_slack.roots()
    [reply] = fake_slack.replies(root["ts"])
    delivery.refresh_from_db()
    assert delivery.external_id == reply["ts"]
    assert len(fake_slack.calls_to("conversations.replies")) == 1


@pytest.mark.django_db(transaction=True)
def test_the_same_delivery_run_twice_in_parallel_posts_once(fake_slack):
    make_proposal()
    delivery = _slack(EventKind.SUBMITTED).get()
    fake_slack.fail("chat.postMessage", Fault(accept=True, delay=0.5))
    results = []

    def run():
        try:
            results.append(dispatch.process(delivery.pk).result)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == ["busy", "sent"]
    assert len(fake_slack.calls_to("chat.postMessage")) == 1


def test_without_a_token_the_slack_channel_is_off(fake_slack, settings):
    make_proposal()
    delivery = _slack(EventKind.SUBMITTED).get()
    settings.SLACK_BOT_TOKEN = ""
    assert dispatch.process(delivery.pk).result == "skipped"
    assert fake_slack.calls == []


def test_a_theme_can_route_its_proposals_to_its_own_channel(fake_slack, settings):
    settings.SLACK_THEME_CHANNELS = {"防災": "C0BOSAI"}
    make_proposal(tags=["防災"])
    dispatch.process(_slack(EventKind.SUBMITTED).get().pk)
    assert [m["channel"] for m in fake_slack.roots()] == ["C0BOSAI"]


def test_replies_keep_their_order_within_a_thread(fake_slack):
    proposal = make_proposal()
    dispatch.process(_slack(EventKind.SUBMITTED).get().pk)
    author = UserFactory()
    services.comment_create(proposal=proposal, author=author, body="first")
    services.comment_create(proposal=proposal, author=author, body="second")
    first, second = _slack(EventKind.COMMENTED)

    assert dispatch.process(second.pk).result == "retry"  # waits for the earlier one
    assert dispatch.process(first.pk).result == "sent"
    assert outbox.next_in_thread(first.pk) == second.pk  # the task starts it at once
    assert dispatch.process(second.pk).result == "sent"
    assert outbox.next_in_thread(second.pk) is None
    root = fake_slack.roots()[0]
    assert ["first" in str(m["blocks"]) for m in fake_slack.replies(root["ts"])] == [True, False]


def test_two_events_of_a_proposal_without_a_root_make_one_card_and_two_replies(
    fake_slack, settings
):
    settings.SLACK_BOT_TOKEN = ""
    proposal = make_proposal()  # submitted while Slack was off
    settings.SLACK_BOT_TOKEN = "xoxb-test"
    services.proposal_transition(proposal=proposal, to="discussion", by=proposal.proposer)
    services.comment_create(proposal=proposal, author=UserFactory(), body="hello")
    for delivery in _slack().exclude(status=DeliveryStatus.SKIPPED):
        assert dispatch.process(delivery.pk).result == "sent"

    [root] = fake_slack.roots()
    assert len(fake_slack.replies(root["ts"])) == 2
    assert "Discussion" in _card_fields(root)
    card_text = str(root["blocks"])
    assert "1 comment" in card_text
    assert "1 comments" not in card_text


def test_a_paced_delivery_comes_back_for_its_reserved_slot(fake_slack, settings):
    settings.SLACK_MESSAGES_PER_SECOND = 1
    proposal = make_proposal()
    assert dispatch.process(_slack(EventKind.SUBMITTED).get().pk).result == "sent"
    services.comment_create(proposal=proposal, author=UserFactory(), body="hi")
    delivery = _slack(EventKind.COMMENTED).get()

    outcome = dispatch.process(delivery.pk)
    assert outcome.result == "retry" and 0.5 < outcome.retry_in <= 1.0
    assert len(fake_slack.calls_to("chat.postMessage")) == 1
    assert _wait_until(lambda: time.time() >= outcome.slot_at)
    _due_now(delivery)
    assert dispatch.process(delivery.pk, slot_at=outcome.slot_at).result == "sent"
    assert len(fake_slack.calls_to("chat.postMessage")) == 2


def test_the_weekly_digest_is_one_top_level_message(fake_slack):
    proposal = make_proposal(title="新しいアイデア")
    Delivery.objects.all().delete()
    assert notify.weekly_digest_record() == 1
    assert notify.weekly_digest_record() == 0
    delivery = _slack(EventKind.WEEKLY_DIGEST).get()
    assert dispatch.process(delivery.pk).result == "sent", Delivery.objects.get(
        pk=delivery.pk
    ).last_error
    [message] = fake_slack.roots()
    assert "新しいアイデア" in str(message["blocks"])
    assert proposal.get_absolute_url() in str(message["blocks"])


def test_a_nudge_offers_still_going_or_pause(fake_slack, settings):
    proposal = make_proposal()
    dispatch.process(_slack(EventKind.SUBMITTED).get().pk)
    Proposal.objects.filter(pk=proposal.pk).update(
        last_activity_at=timezone.now() - timedelta(days=31)
    )
    assert notify.quiet_proposals_nudge() == 1
    assert notify.quiet_proposals_nudge() == 0
    assert dispatch.process(_slack(EventKind.NUDGE).get().pk).result == "sent"
    [reply] = fake_slack.replies(fake_slack.roots()[0]["ts"])
    actions = next(b for b in reply["blocks"] if b["type"] == "actions")
    assert [e["action_id"] for e in actions["elements"]] == ["nudge_still_going", "nudge_pause"]


def test_an_edit_refreshes_the_card_in_place(fake_slack, django_capture_on_commit_callbacks):
    proposal = make_proposal(title="Before")
    dispatch.process(_slack(EventKind.SUBMITTED).get().pk)
    with django_capture_on_commit_callbacks() as callbacks:
        services.proposal_update(proposal=proposal, by=proposal.proposer, title="After")
    assert len(callbacks) == 1  # enqueued after commit, not before
    assert dispatch.refresh_card(proposal.pk) is True
    [root] = fake_slack.roots()
    assert root["blocks"][0]["text"]["text"] == "After"
    assert len(fake_slack.calls_to("chat.postMessage")) == 1


def test_card_and_join_request_buttons_use_the_inbound_handlers_action_ids(fake_slack):
    proposal = make_proposal()
    dispatch.process(_slack(EventKind.SUBMITTED).get().pk)
    membership = services.membership_request(proposal=proposal, user=UserFactory(), role="x")
    dispatch.process(_slack(EventKind.JOIN_REQUESTED).get().pk)

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
    for delivery in _slack().exclude(status=DeliveryStatus.SKIPPED):
        assert dispatch.process(delivery.pk).result == "sent", delivery.event.kind
    assert dispatch.refresh_card(proposal.pk)

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
    assert dispatch.process(_slack(EventKind.SUBMITTED).get().pk).result == "sent"
    fields = _card_fields(fake_slack.roots()[0])
    for label in ("*段階*", "*提案者*", "*チームの人数*", "*募集する役割*"):
        assert label in fields
    assert "Proposer" not in fields and "Open roles" not in fields
