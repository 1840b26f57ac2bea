"""Slack direct messages: a meetup's reminders and news, and any kind a member asked for, to members
who have linked Slack, through the real outbox and dispatch against the loopback fake Slack. Each
goes once, in the reader's language and time zone, escaped, within the workspace's pace that every
channel's sender shares; Slack's Retry-After, passing failures and refusals each handled."""

import threading
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from meetups import services as meetups
from meetups.tests.factories import make_meetup
from members.tests.factories import UserFactory
from proposals import services as proposals
from proposals.tests.factories import make_proposal
from workers import dispatch, outbox, relay
from workers import services as notify
from workers.events import Channel, EventKind, MeetupEventKind
from workers.models import Delivery, DeliveryStatus, SlackDirectChannel

from .fake_slack import Fault

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")
STARTS = datetime(2031, 3, 20, 19, 0, tzinfo=TOKYO)
SECRET_LINK = "https://meet.example/room-SECRET"
HOSTILE = "<!channel> & <http://x|y> <@U123>"


def _most_in_any_window(times: list[float], seconds: float) -> int:
    times = sorted(times)
    return max((sum(start <= at < start + seconds for at in times) for start in times), default=0)


def _dms(kind: str | None = None):
    deliveries = Delivery.objects.filter(channel=Channel.SLACK_DM).order_by("pk")
    return deliveries.filter(event__kind=kind) if kind else deliveries


def _send_all() -> None:
    """What the workers do with every pending direct message (each run twice: a redelivered task
    must find it done)."""
    for delivery in list(_dms().filter(status=DeliveryStatus.PENDING)):
        dispatch.process(delivery.pk)
        dispatch.process(delivery.pk)


def _text(message: dict) -> str:
    """Everything Slack shows of a message: its fallback and every text of its blocks."""
    parts = [message["text"]]
    for block in message["blocks"]:
        if "text" in block:
            parts.append(block["text"]["text"])
        parts += [element.get("text", "") for element in block.get("elements", [])]
    return "\n".join(str(part) for part in parts)


@pytest.fixture
def reminder_for_each_answer(fake_slack):
    """A meetup a day away with its online link for people going only; a host and one member going,
    both linked to Slack, one linked member who can't come, and one going without Slack."""
    with time_machine.travel(STARTS - timedelta(days=5), tick=False):
        host = UserFactory(slack_user_id="U0HOST", preferred_language="en")
        meetup = make_meetup(
            by=host,
            starts_at=STARTS,
            reminder_minutes=[24 * 60],
            online_url=SECRET_LINK,
            link_for_going_only=True,
        )
        going = UserFactory(
            slack_user_id="U0AIKO", preferred_language="ja", time_zone="Europe/Berlin"
        )
        cant = UserFactory(slack_user_id="U0CANT", preferred_language="en")
        unlinked = UserFactory(preferred_language="en")
        for person, answer in ((going, "going"), (cant, "cant"), (unlinked, "going")):
            meetups.meetup_answer(meetup=meetup, user=person, answer=answer)
    return meetup, host, going, cant, unlinked


def test_a_going_member_gets_the_reminder_by_dm_once_in_their_words_with_the_link(
    fake_slack, reminder_for_each_answer
):
    meetup, host, going, cant, unlinked = reminder_for_each_answer
    with time_machine.travel(STARTS - timedelta(hours=24), tick=False):
        assert meetups.meetup_reminders_send() == 3
        assert meetups.meetup_reminders_send() == 0  # beat ran twice
    with time_machine.travel(STARTS - timedelta(hours=24) + timedelta(seconds=5)):
        _send_all()
        _send_all()

    [dm] = fake_slack.direct_messages("U0AIKO")
    text = _text(dm)
    # In Japanese and in Berlin's time (19:00 in Tokyo is 11:00 there in March).
    assert "リマインダー：「オンライン交流会」は2031年3月20日 11:00に始まります。" in text
    assert f"http://testserver{meetup.get_absolute_url()}" in text
    # Going, so the online link comes with it.
    assert SECRET_LINK in text
    assert dm["metadata"]["event_type"] == "incubator_dm"
    assert dm["unfurl_links"] is False
    # The host is going too; nobody who can't come hears, and no DM without Slack.
    assert len(fake_slack.direct_messages("U0HOST")) == 1
    assert fake_slack.direct_messages("U0CANT") == []
    assert not _dms().filter(recipient=cant).exists()
    assert {d.recipient_id for d in _dms(MeetupEventKind.REMINDER)} == {host.pk, going.pk}
    assert set(_dms().values_list("status", flat=True)) == {DeliveryStatus.SENT}
    # ... but the member without Slack still has it in the app.
    assert Delivery.objects.filter(
        channel=Channel.INAPP, recipient=unlinked, event__kind=MeetupEventKind.REMINDER
    ).exists()
    # One conversation opened per member, one post each: nothing twice.
    assert len(fake_slack.calls_to("conversations.open")) == 2
    posts = [c.body["channel"] for c in fake_slack.calls_to("chat.postMessage")]
    assert sorted(channel for channel in posts if channel.startswith("D")) == ["DU0AIKO", "DU0HOST"]
    assert SlackDirectChannel.objects.get(user=going).channel_id == "DU0AIKO"


def test_the_online_link_is_not_in_a_dm_to_someone_who_may_not_see_it(fake_slack):
    meetup = make_meetup(
        starts_at=timezone.now() + timedelta(days=3),
        online_url=SECRET_LINK,
        link_for_going_only=True,
    )
    maybe = UserFactory(slack_user_id="U0MAYBE", preferred_language="en")
    meetups.meetup_answer(meetup=meetup, user=maybe, answer="maybe")
    meetups.meetup_update(
        meetup=meetup,
        by=meetup.created_by,
        starts_at=meetup.starts_at + timedelta(hours=1),
        ends_at=meetup.ends_at + timedelta(hours=1),
    )
    _send_all()
    [dm] = fake_slack.direct_messages("U0MAYBE")
    text = _text(dm)
    assert "has moved" in text
    assert "room-SECRET" not in str(dm)


def test_preferences_are_honoured_both_ways(fake_slack):
    proposal = make_proposal(title="防災マップ")
    quiet = UserFactory(slack_user_id="U0QUIET", preferred_language="en")
    keen = UserFactory(slack_user_id="U0KEEN", preferred_language="en")
    for member in (quiet, keen):
        proposals.follow_set(proposal=proposal, user=member, following=True)
    # A comment is no DM by default; Keen asked for them. A reminder is one by default; Quiet
    # turned it off.
    notify.slack_dm_preferences_set(user=keen, choices={EventKind.COMMENTED: True})
    notify.slack_dm_preferences_set(user=quiet, choices={EventKind.MEETUP_REMINDER: False})
    proposals.comment_create(proposal=proposal, author=UserFactory(), body="手伝えます")
    meetup = make_meetup(starts_at=timezone.now() + timedelta(hours=23, minutes=59))
    for member in (quiet, keen):
        meetups.meetup_answer(meetup=meetup, user=member, answer="going")
    meetups.meetup_reminders_send()

    assert {d.recipient_id for d in _dms(EventKind.COMMENTED)} == {keen.pk}
    assert {d.recipient_id for d in _dms(MeetupEventKind.REMINDER)} == {keen.pk}
    _send_all()
    [comment, reminder] = fake_slack.direct_messages("U0KEEN")
    assert "commented on “防災マップ”" in _text(comment) and "> 手伝えます" in _text(comment)
    assert "Reminder:" in _text(reminder)
    assert fake_slack.direct_messages("U0QUIET") == []


def test_without_a_slack_token_there_are_no_direct_messages(fake_slack, settings):
    settings.SLACK_BOT_TOKEN = ""
    meetup = make_meetup(starts_at=timezone.now() + timedelta(hours=23, minutes=59))
    meetups.meetup_answer(meetup=meetup, user=UserFactory(slack_user_id="U0AIKO"), answer="going")
    assert meetups.meetup_reminders_send() == 2
    assert not _dms().exists()


def test_member_text_in_a_dm_arrives_escaped(fake_slack):
    meetup = make_meetup(
        title=HOSTILE, place="<!here> 渋谷 & <https://evil.example|ここ>", capacity=1
    )
    waiting = UserFactory(slack_user_id="U0WAIT", preferred_language="en")
    meetups.meetup_answer(meetup=meetup, user=waiting, answer="going")  # on the waiting list
    meetups.meetup_answer(meetup=meetup, user=meetup.created_by, answer="cant")  # a place opens
    _send_all()

    [dm] = fake_slack.direct_messages("U0WAIT")
    everything = str(dm)
    for raw in ("<!channel>", "<http://x|y>", "<@U123>", "<!here>", "<https://evil.example"):
        assert raw not in everything
    escaped = "&lt;!channel&gt; &amp; &lt;http://x|y&gt; &lt;@U123&gt;"
    assert f"A place opened up: you are going to “{escaped}”" in dm["text"]
    assert escaped in _text(dm)
    assert "&lt;!here&gt; 渋谷 &amp; &lt;https://evil.example|ここ&gt;" in _text(dm)


def test_a_cancelled_meetup_tells_by_dm_with_the_note_and_a_late_reminder_is_not_sent(fake_slack):
    meetup = make_meetup(title="勉強会", starts_at=timezone.now() + timedelta(hours=23, minutes=59))
    person = UserFactory(slack_user_id="U0AIKO", preferred_language="en")
    meetups.meetup_answer(meetup=meetup, user=person, answer="going")
    meetups.meetup_reminders_send()
    meetups.meetup_cancel(meetup=meetup, by=meetup.created_by, note="講師が <!channel> 体調不良")
    _send_all()

    [dm] = fake_slack.direct_messages("U0AIKO")
    assert "is cancelled" in dm["text"]
    assert "> 講師が &lt;!channel&gt; 体調不良" in _text(dm)
    reminder = _dms(MeetupEventKind.REMINDER).get(recipient=person)
    assert reminder.status == DeliveryStatus.SKIPPED


# --- Slack's answers -----------------------------------------------------------------------------


@pytest.fixture
def one_dm(fake_slack):
    """A direct message waiting for its first attempt (a place opened up for Aiko)."""
    meetup = make_meetup(capacity=1)
    aiko = UserFactory(slack_user_id="U0AIKO2", preferred_language="en")
    meetups.meetup_answer(meetup=meetup, user=aiko, answer="going")
    meetups.meetup_answer(meetup=meetup, user=meetup.created_by, answer="cant")
    return _dms().get()


def _fresh(delivery: Delivery) -> Delivery:
    return Delivery.objects.get(pk=delivery.pk)


def _due_now(delivery: Delivery) -> None:
    Delivery.objects.filter(pk=delivery.pk).update(not_before=timezone.now())


def test_a_429_waits_for_retry_after_without_counting_an_attempt(fake_slack, one_dm, settings):
    settings.SLACK_RETRY_AFTER_MARGIN_SECONDS = 1
    fake_slack.fail("chat.postMessage", Fault(status=429, retry_after=30))
    before = timezone.now()

    outcome = dispatch.process(one_dm.pk)

    assert outcome.result == "retry" and outcome.retry_in >= 31
    waiting = _fresh(one_dm)
    assert (waiting.status, waiting.attempts) == (DeliveryStatus.PENDING, 0)
    assert waiting.not_before >= before + timedelta(seconds=31)
    assert dispatch.process(one_dm.pk).result == "busy"  # not before its time
    _due_now(one_dm)
    assert dispatch.process(one_dm.pk).result == "sent"
    assert len(fake_slack.direct_messages("U0AIKO2")) == 1


def test_a_passing_failure_backs_off_and_counts_then_goes(fake_slack, one_dm):
    fake_slack.fail("chat.postMessage", Fault(status=503))
    outcome = dispatch.process(one_dm.pk)
    assert outcome.result == "retry" and outcome.retry_in > 0
    assert _fresh(one_dm).attempts == 1
    _due_now(one_dm)
    assert dispatch.process(one_dm.pk).result == "sent"
    assert len(fake_slack.direct_messages("U0AIKO2")) == 1


@pytest.mark.parametrize(
    ("method", "error"),
    [("conversations.open", "user_not_found"), ("chat.postMessage", "cannot_dm_bot")],
)
def test_a_refusal_fails_the_dm_for_good_without_retrying(fake_slack, one_dm, method, error):
    UserFactory(moderator=True)
    fake_slack.fail(method, Fault(error=error))
    assert dispatch.process(one_dm.pk).result == "failed"
    failed = _fresh(one_dm)
    assert failed.status == DeliveryStatus.FAILED and error in failed.last_error
    calls = len(fake_slack.calls)
    _due_now(one_dm)
    assert dispatch.process(one_dm.pk).result == DeliveryStatus.FAILED
    assert len(fake_slack.calls) == calls  # no retry storm
    # The moderators hear of it in the app.
    assert Delivery.objects.filter(
        event__kind=EventKind.DELIVERY_FAILED, channel=Channel.INAPP
    ).exists()


def test_a_post_slack_kept_but_never_answered_is_found_not_posted_twice(
    fake_slack, one_dm, settings
):
    settings.SLACK_TIMEOUT_SECONDS = 1
    fake_slack.fail("chat.postMessage", Fault(accept=True, delay=2))
    assert dispatch.process(one_dm.pk).result == "retry"
    assert _fresh(one_dm).external_id == outbox.POSTING
    _due_now(one_dm)

    assert dispatch.process(one_dm.pk).result == "sent"

    [dm] = fake_slack.direct_messages("U0AIKO2")
    assert _fresh(one_dm).external_id == dm["ts"]
    assert len(fake_slack.calls_to("chat.postMessage")) == 1


def test_a_lost_conversation_is_opened_again(fake_slack, one_dm):
    member = one_dm.recipient
    SlackDirectChannel.objects.create(user=member, slack_user_id="U0AIKO2", channel_id="DGONE")
    fake_slack.fail("chat.postMessage", Fault(error="channel_not_found"))
    assert dispatch.process(one_dm.pk).result == "retry"
    assert not SlackDirectChannel.objects.filter(user=member).exists()
    _due_now(one_dm)
    assert dispatch.process(one_dm.pk).result == "sent"
    assert len(fake_slack.direct_messages("U0AIKO2")) == 1


def test_a_member_who_unlinked_slack_meanwhile_is_skipped(fake_slack, one_dm):
    one_dm.recipient.__class__.objects.filter(pk=one_dm.recipient_id).update(slack_user_id="")
    assert dispatch.process(one_dm.pk).result == "skipped"
    assert fake_slack.calls == []


# --- the workspace's pace ------------------------------------------------------------------------


@pytest.mark.paced
@pytest.mark.django_db(transaction=True)
def test_a_burst_of_dms_keeps_within_the_workspace_budget_shared_with_the_channels(
    fake_slack, settings, published
):
    """Eight members get a DM at once while the main channel's sender posts replies: the DMs are
    sent by four workers at a time, and every Slack write (conversations opened, DMs, the
    channel's posts and card updates) takes its slot from the one workspace budget. At 240 writes
    a minute, no 5 s hold more than 20 of them, as Slack received them."""
    settings.SLACK_WORKSPACE_CALLS_PER_MINUTE = 240
    settings.SLACK_PACE_MARGIN_SECONDS = 0.15
    proposal = make_proposal(title="Busy channel")
    relay.run("C0MAIN")
    fake_slack.calls.clear()
    author = UserFactory()
    for turn in range(6):
        proposals.comment_create(proposal=proposal, author=author, body=f"comment {turn}")
    members = [
        UserFactory(slack_user_id=f"U0M{index:02d}", preferred_language="en") for index in range(8)
    ]
    meetup = make_meetup(capacity=1)
    for member in members:
        meetups.meetup_answer(meetup=meetup, user=member, answer="going")  # waiting
    # One more place for each: everyone waiting moves up and is told at once.
    meetups.meetup_update(meetup=meetup, by=meetup.created_by, capacity=9)
    assert _dms().count() == 8

    deadline = time.monotonic() + 90

    def worker() -> None:
        try:
            while time.monotonic() < deadline:
                due = list(
                    _dms()
                    .filter(status=DeliveryStatus.PENDING, not_before__lte=timezone.now())
                    .values_list("pk", flat=True)[:3]
                )
                if not due and not _dms().filter(status__in=outbox.WAITING).exists():
                    return
                for pk in due:
                    dispatch.process(pk)
                time.sleep(0.02)
        finally:
            connection.close()

    def channel() -> None:
        try:
            while time.monotonic() < deadline:
                relay.run("C0MAIN")
                if not Delivery.objects.filter(
                    channel=Channel.SLACK, status__in=outbox.WAITING
                ).exists():
                    return
                time.sleep(0.02)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    threads.append(threading.Thread(target=channel))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert set(_dms().values_list("status", flat=True)) == {DeliveryStatus.SENT}
    for member in members:
        assert len(fake_slack.direct_messages(member.slack_user_id)) == 1
    writes = [
        call.at
        for call in fake_slack.calls
        if call.method in ("chat.postMessage", "chat.update", "conversations.open")
    ]
    dm_posts = [
        c for c in fake_slack.calls_to("chat.postMessage") if c.body["channel"].startswith("D")
    ]
    assert len(dm_posts) == 8 and len(fake_slack.calls_to("conversations.open")) == 8
    assert len(writes) >= 8 + 8 + 6
    assert _most_in_any_window(writes, 5) <= 20
    assert fake_slack.rate_limited() == 0
    # Both went on together: the channel did not wait for the DMs to finish, nor they for it.
    channel_posts = [
        c.at for c in fake_slack.calls_to("chat.postMessage") if c.body["channel"] == "C0MAIN"
    ]
    assert min(channel_posts) < max(c.at for c in dm_posts)
