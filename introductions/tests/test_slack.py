"""Introductions on Slack: one group DM per introduction through the loopback fake Slack, sent
once however often the round's task and the sender run; "did you get to talk?" a week later,
answered with signed button presses."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from introductions import services
from introductions import slack as sender
from introductions.choices import Answer, Channel, MessageKind, MessageStatus
from introductions.models import Introduction, IntroductionMember, IntroductionMessage
from slack_app.tests.signed import interaction_body, post
from workers import outbox, publish, tasks
from workers.events import Channel as DeliveryChannel
from workers.events import EventKind
from workers.models import Delivery, SlackDmPreference, SlackWorkspace
from workers.tests.fake_slack import Fault

from .factories import person, round_moment

pytestmark = pytest.mark.django_db

HOSTILE = "<!channel> & <@U0BOSS> <https://evil.example|here>"


@pytest.fixture(autouse=True)
def _quick_opens(settings):
    settings.SLACK_OPENS_PER_MINUTE = 60 * 1000


def send_everything() -> None:
    """What the sender's runs do until nothing is due (the test stands in for the worker)."""
    for _run in range(10):
        sender.run(holder="test")
        if not IntroductionMessage.objects.filter(
            status__in=sender.WAITING, not_before__lte=timezone.now()
        ).exists():
            return
    raise AssertionError("the sender did not finish")


def posts(fake_slack) -> list[dict]:
    return [call.body for call in fake_slack.calls_to("chat.postMessage")]


def four_on_slack():
    return [
        person("aiko", "防災", slack="U0AIKO"),
        person("ben", "防災", slack="U0BEN"),
        person("chika", "子ども・教育", slack="U0CHIKA"),
        person("dai", "子ども・教育", slack="U0DAI"),
    ]


def test_each_pair_gets_one_group_dm_even_when_the_round_task_runs_twice(fake_slack, published):
    four_on_slack()

    with time_machine.travel(round_moment(), tick=False):
        tasks.run_introductions()
        tasks.run_introductions()
    send_everything()
    with time_machine.travel(round_moment() + timedelta(hours=1), tick=False):
        tasks.run_introductions()
    send_everything()

    opened = sorted(call.body["users"] for call in fake_slack.calls_to("conversations.open"))
    assert opened == ["U0AIKO,U0BEN", "U0CHIKA,U0DAI"]
    sent = posts(fake_slack)
    assert len(sent) == 2
    assert {body["channel"] for body in sent} == set(fake_slack.conversations.values())
    assert set(Introduction.objects.values_list("channel", flat=True)) == {Channel.SLACK}
    assert set(IntroductionMessage.objects.values_list("status", flat=True)) == {MessageStatus.SENT}
    # On Slack, their group DM says it: nothing in the app, no email.
    assert not Delivery.objects.filter(event__kind=EventKind.INTRODUCED).exists()


def test_the_group_dm_says_what_they_share_and_a_first_question_all_escaped(fake_slack, published):
    person("aiko", HOSTILE, slack="U0AIKO", display_name=HOSTILE)
    person("ben", HOSTILE, slack="U0BEN")

    services.introductions_round_start(now=round_moment())
    send_everything()

    [body] = posts(fake_slack)
    text = json.dumps([body["text"], body["blocks"]], ensure_ascii=False)
    assert "<!channel>" not in text and "<@U0BOSS>" not in text and "<https://evil" not in text
    assert "&lt;!channel&gt; &amp; &lt;@U0BOSS&gt;" in body["text"]
    assert body["text"].startswith("Hello <@U0AIKO>, <@U0BEN>! 👋 You share an interest in ")
    assert "A first question to ask: " in body["text"]
    assert body["metadata"]["event_type"] == sender.METADATA
    assert "http://testserver/members/settings/#introductions" in text


@pytest.mark.parametrize(
    ("languages", "names"),
    [
        (("ja", "ja"), "<@U0AIKO>、<@U0BEN>"),  # theirs: both chose Japanese
        (("ja", "en"), "<@U0AIKO>, <@U0BEN>"),  # two languages: the community's (here English)
    ],
)
def test_they_read_it_in_their_language_when_they_share_one(
    fake_slack, published, languages, names
):
    person("aiko", "防災", slack="U0AIKO", preferred_language=languages[0])
    person("ben", "防災", slack="U0BEN", preferred_language=languages[1])

    services.introductions_round_start(now=round_moment())
    send_everything()

    [body] = posts(fake_slack)
    assert names in body["text"]


def test_someone_not_on_slack_makes_the_introduction_one_in_the_app(fake_slack, published):
    person("aiko", "防災", slack="U0AIKO")
    ben = person("ben", "防災")

    services.introductions_round_start(now=round_moment())
    send_everything()

    assert fake_slack.calls == []
    assert Introduction.objects.get().channel == Channel.WEB
    assert Delivery.objects.filter(event__kind=EventKind.INTRODUCED, recipient=ben).exists()


def test_a_post_whose_answer_was_lost_is_found_not_posted_again(fake_slack, published, settings):
    settings.SLACK_TIMEOUT_SECONDS = 1
    person("aiko", "防災", slack="U0AIKO")
    person("ben", "防災", slack="U0BEN")
    services.introductions_round_start(now=round_moment())
    fake_slack.fail("chat.postMessage", Fault(accept=True, delay=2))

    send_everything()
    message = IntroductionMessage.objects.get()
    assert (message.status, message.posting, message.attempts) == (MessageStatus.PENDING, True, 1)

    IntroductionMessage.objects.update(not_before=timezone.now())  # its backoff is over
    send_everything()

    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert len(fake_slack.messages) == 1
    assert message.ts == fake_slack.messages[0]["ts"]
    assert len(fake_slack.calls_to("conversations.open")) == 1


def test_slack_s_retry_after_pauses_the_sender_without_counting_an_attempt(fake_slack, published):
    person("aiko", "防災", slack="U0AIKO")
    person("ben", "防災", slack="U0BEN")
    services.introductions_round_start(now=round_moment())
    fake_slack.fail("conversations.open", Fault(status=429, retry_after=30))

    assert sender.run(holder="test") == "sent 0"

    message = IntroductionMessage.objects.get()
    assert (message.status, message.attempts) == (MessageStatus.PENDING, 0)
    # The sender wakes itself when Slack's pause is over (once, however often it runs now).
    assert sender.run(holder="test") == "sent 0"
    [wake] = [call for call in published if call.name == publish.SEND_INTRODUCTIONS]
    assert wake.eta >= timezone.now() + timedelta(seconds=29)
    assert len(fake_slack.calls_to("conversations.open")) == 1

    with time_machine.travel(wake.eta + timedelta(seconds=1)):
        send_everything()
    assert len(posts(fake_slack)) == 1


def test_slack_refusing_for_good_makes_the_introduction_in_the_app_instead(fake_slack, published):
    aiko = person("aiko", "防災", slack="U0AIKO")
    person("ben", "防災", slack="U0BEN")
    services.introductions_round_start(now=round_moment())
    fake_slack.fail("conversations.open", Fault(error="user_disabled"))

    send_everything()

    introduction = Introduction.objects.get()
    assert introduction.channel == Channel.WEB
    message = IntroductionMessage.objects.get()
    assert message.status == MessageStatus.FAILED
    assert "user_disabled" in message.last_error
    assert Delivery.objects.filter(event__kind=EventKind.INTRODUCED, recipient=aiko).exists()
    assert posts(fake_slack) == []


def _buttons(message: dict) -> dict[str, str]:
    actions = next(block for block in message["blocks"] if block["type"] == "actions")
    return {element["action_id"]: element["value"] for element in actions["elements"]}


def _press(fake_slack, user_id: str, action_id: str, value: str) -> bytes:
    return interaction_body(
        user_id,
        {
            "type": "block_actions",
            "actions": [{"action_id": action_id, "value": value}],
            "response_url": fake_slack.url + "hooks/T0COMMUNITY/1/intro",
        },
    )


def test_a_week_later_the_group_dm_asks_and_each_answers_from_slack(
    client, fake_slack, published, django_capture_on_commit_callbacks
):
    aiko = person("aiko", "防災", slack="U0AIKO")
    ben = person("ben", "防災", slack="U0BEN")
    services.introductions_round_start(now=round_moment())
    send_everything()
    assert services.introductions_follow_up(now=round_moment() + timedelta(days=6)) == 0

    follow_up = _follow_up_after_the_week(fake_slack)
    buttons = _buttons(follow_up)
    assert list(buttons) == ["introduction_yes", "introduction_not_yet", "introduction_skip"]
    assert follow_up["text"].startswith("It's been a week since we introduced you, <@U0AIKO>")

    body = _press(fake_slack, "U0AIKO", "introduction_yes", buttons["introduction_yes"])
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, "/slack/interactions", body).status_code == 200
    body = _press(fake_slack, "U0BEN", "introduction_not_yet", buttons["introduction_not_yet"])
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, "/slack/interactions", body).status_code == 200

    answers = dict(IntroductionMember.objects.values_list("member_id", "answer"))
    assert answers == {aiko.pk: Answer.YES, ben.pk: Answer.NOT_YET}
    responses = [call.args[1] for call in published if call.name == publish.SLACK_RESPOND]
    assert responses == [
        "Lovely! Thank you for telling us. 🌱",
        "No hurry: whenever it suits you both.",
    ]
    # Asked once, however often beat looks again.
    services.introductions_follow_up(now=round_moment() + timedelta(days=8))
    send_everything()
    assert len(posts(fake_slack)) == 2


def _follow_up_after_the_week(fake_slack) -> dict:
    assert services.introductions_follow_up(now=round_moment() + timedelta(days=7, minutes=1)) == 1
    assert IntroductionMessage.objects.filter(kind=MessageKind.FOLLOW_UP).count() == 1
    send_everything()
    introduction_post, follow_up = posts(fake_slack)
    assert follow_up["channel"] == introduction_post["channel"]
    return follow_up


def test_someone_outside_the_introduction_cannot_answer_for_it(
    client, fake_slack, published, django_capture_on_commit_callbacks
):
    person("aiko", "防災", slack="U0AIKO")
    person("ben", "防災", slack="U0BEN")
    person("eve", "料理", slack="U0EVE", introductions="off")
    services.introductions_round_start(now=round_moment())
    send_everything()
    buttons = _buttons(_follow_up_after_the_week(fake_slack))

    body = _press(fake_slack, "U0EVE", "introduction_skip", buttons["introduction_skip"])
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, "/slack/interactions", body).status_code == 200

    assert set(IntroductionMember.objects.values_list("answer", flat=True)) == {""}
    [response] = [call.args[1] for call in published if call.name == publish.SLACK_RESPOND]
    assert "That introduction isn’t one of yours." in response


def test_nobody_is_asked_again_once_everyone_answered(fake_slack, published):
    aiko = person("aiko", "防災", slack="U0AIKO")
    ben = person("ben", "防災", slack="U0BEN")
    services.introductions_round_start(now=round_moment())
    send_everything()
    introduction = Introduction.objects.get()
    for member in (aiko, ben):
        services.introduction_answer(
            introduction_id=introduction.pk, member=member, answer=Answer.YES
        )

    assert services.introductions_follow_up(now=round_moment() + timedelta(days=7, minutes=1)) == 0
    send_everything()

    assert len(posts(fake_slack)) == 1


def test_the_sender_waits_for_the_workspace_s_pace_that_every_channel_shares(fake_slack, published):
    person("aiko", "防災", slack="U0AIKO")
    person("ben", "防災", slack="U0BEN")
    services.introductions_round_start(now=round_moment())
    # Other channels' senders have taken the workspace's slots for the next minute.
    busy_until = timezone.now() + timedelta(minutes=1)
    outbox.workspace_state()
    SlackWorkspace.objects.update(next_write_at=busy_until)

    assert sender.run(holder="test") == "sent 0"

    assert fake_slack.calls == []
    # Nothing taken: the slot went back, and the sender wakes itself when the workspace is free.
    assert SlackWorkspace.objects.get().next_write_at == busy_until
    [wake] = [call for call in published if call.name == publish.SEND_INTRODUCTIONS]
    assert wake.eta >= busy_until - timedelta(seconds=outbox.WRITE_BURST)


def test_group_dms_are_opened_at_slack_s_pace_for_conversations_open(
    fake_slack, published, settings
):
    settings.SLACK_OPENS_PER_MINUTE = 1
    four_on_slack()
    services.introductions_round_start(now=round_moment())

    sender.run(holder="test")

    # The first introduction is opened and posted; the second DM waits a minute for its open.
    assert len(fake_slack.calls_to("conversations.open")) == 1
    assert len(posts(fake_slack)) == 1
    [wake] = [call for call in published if call.name == publish.SEND_INTRODUCTIONS]
    assert wake.eta >= timezone.now() + timedelta(seconds=55)


def test_in_a_mixed_pair_the_one_on_slack_gets_a_direct_message_if_they_chose_so(
    fake_slack, published
):
    aiko = person("aiko", "防災", slack="U0AIKO")
    ben = person("ben", "防災")
    SlackDmPreference.objects.create(user=aiko, kind=EventKind.INTRODUCED, enabled=True)

    services.introductions_round_start(now=round_moment())

    direct = Delivery.objects.filter(
        event__kind=EventKind.INTRODUCED, channel=DeliveryChannel.SLACK_DM
    )
    assert list(direct.values_list("recipient_id", flat=True)) == [aiko.pk]
    assert not direct.filter(recipient=ben).exists()
