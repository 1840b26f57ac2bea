"""A community meetup's announcement in Slack, through the real services, relay and dispatch against
the loopback fake: one card in the community's channel, edited in place (counts, time, status),
never carrying the online link, every member text escaped."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from meetups import services as meetups
from meetups.choices import Answer, RsvpStatus, Visibility
from meetups.models import Meetup, Rsvp
from meetups.tests.factories import make_meetup, soon
from members.tests.factories import UserFactory
from proposals.tests.factories import make_proposal
from workers import publish, relay
from workers.models import SlackThread

from .fake_slack import Fault

pytestmark = pytest.mark.django_db

HOSTILE = "<!channel> & <@U123> <https://x.example|y>"
SECRET_LINK = "https://meet.example/room-SECRET"


@pytest.fixture(autouse=True)
def _quick_coalescing(settings):
    settings.WORKERS_SLACK_CARD_COALESCE_SECONDS = 0.05


def _relay() -> str:
    return relay.run("C0MAIN")


def _cards(fake_slack) -> list[dict]:
    return [m for m in fake_slack.roots("C0MAIN") if _meetup_card(m)]


def _meetup_card(message: dict) -> bool:
    return (message.get("metadata") or {}).get("event_type") == "incubator_meetup_card"


def _updates(fake_slack, ts: str) -> list[dict]:
    return [call.body for call in fake_slack.calls_to("chat.update") if call.body["ts"] == ts]


def _context(message: dict) -> str:
    return " ".join(
        element["text"]
        for block in message["blocks"]
        if block["type"] == "context"
        for element in block["elements"]
    )


def _action_ids(message: dict) -> list[str]:
    return [
        element["action_id"]
        for block in message["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def _texts(message: dict) -> str:
    """Every text of the message's blocks, one a line."""
    found = []

    def walk(value):
        if isinstance(value, dict):
            if isinstance(value.get("text"), str):
                found.append(value["text"])
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(message["blocks"])
    return "\n".join(found)


def _everything_sent(fake_slack) -> str:
    """Every call's body as Slack received it (texts and blocks, posts and updates)."""
    return "\n".join(json.dumps(call.body, ensure_ascii=False) for call in fake_slack.calls)


def test_a_community_meetup_is_announced_once_with_its_rsvp_buttons(fake_slack, published):
    meetup = make_meetup(title="防災カフェ", place="区民センター", capacity=20)
    # Announced in the meetup's own transaction: its channel's sender is poked after commit.
    assert SlackThread.objects.get(meetup=meetup).root_ts == ""
    _relay()
    _relay()

    [card] = _cards(fake_slack)
    assert len(fake_slack.calls_to("chat.postMessage")) == 1
    assert card["metadata"]["event_payload"] == {"meetup_id": meetup.pk}
    assert card["blocks"][0]["text"]["text"] == "防災カフェ"
    assert _context(card) == "1 of 20 going"  # the host, who is going
    assert _action_ids(card) == ["meetup_going", "meetup_maybe", "meetup_cant"]
    buttons = next(b for b in card["blocks"] if b["type"] == "actions")["elements"]
    assert {button["value"] for button in buttons} == {str(meetup.pk)}
    assert f"http://testserver/meetups/{meetup.pk}/" in json.dumps(card["blocks"])
    assert SlackThread.objects.get(meetup=meetup).root_ts == card["ts"]


def test_answers_update_the_card_in_place_coalesced_with_the_latest_counts(fake_slack):
    meetup = make_meetup(capacity=3)
    _relay()
    [card] = _cards(fake_slack)
    for answer in (Answer.GOING, Answer.GOING, Answer.GOING, Answer.MAYBE):
        meetups.meetup_answer(meetup=meetup, user=UserFactory(), answer=answer)
    _relay()

    [update] = _updates(fake_slack, card["ts"])
    assert _context(update) == "3 of 3 going · 1 waiting · 1 maybe · Full: waiting list"
    assert len(_cards(fake_slack)) == 1
    assert len(fake_slack.calls_to("chat.postMessage")) == 1


def test_an_answer_that_changes_nothing_does_not_touch_the_card(fake_slack):
    meetup = make_meetup()
    _relay()
    someone = UserFactory()
    meetups.meetup_answer(meetup=meetup, user=someone, answer=Answer.GOING)
    _relay()
    calls = len(fake_slack.calls)
    meetups.meetup_answer(meetup=meetup, user=someone, answer=Answer.GOING)
    meetups.meetup_answer(meetup=meetup, user=meetup.created_by, answer=Answer.GOING)
    _relay()
    assert len(fake_slack.calls) == calls
    assert SlackThread.objects.get(meetup=meetup).card_dirty_at is None


def test_the_online_link_is_never_on_the_card(fake_slack):
    for going_only in (True, False):
        meetup = make_meetup(
            title=f"オンライン勉強会 {going_only}",
            place="",
            online_url=SECRET_LINK,
            link_for_going_only=going_only,
        )
        _relay()
        meetups.meetup_answer(meetup=meetup, user=UserFactory(), answer=Answer.GOING)
        meetups.meetup_update(meetup=meetup, by=meetup.created_by, title="場所が変わりました")
        _relay()
        meetups.meetup_cancel(meetup=meetup, by=meetup.created_by, note="また今度")
        _relay()
    sent = _everything_sent(fake_slack)
    assert len(_cards(fake_slack)) == 2
    assert len(fake_slack.calls_to("chat.update")) == 4
    assert "room-SECRET" not in sent and "meet.example" not in sent
    assert "Online (the link comes with your answer" in sent


def test_member_text_is_escaped_in_every_field_of_the_card(fake_slack):
    host = UserFactory(display_name=f"{HOSTILE} host")
    meetup = make_meetup(by=host, title=HOSTILE, place=f"{HOSTILE} hall")
    _relay()
    meetups.meetup_answer(meetup=meetup, user=UserFactory(), answer=Answer.MAYBE)
    _relay()
    meetups.meetup_cancel(meetup=meetup, by=host, note=f"{HOSTILE} note")
    _relay()

    [card] = _cards(fake_slack)
    bodies = [call.body for call in fake_slack.calls if call.method.startswith("chat.")]
    assert len(bodies) == 3  # the post and two updates
    for body in bodies:
        sent = json.dumps(body, ensure_ascii=False)
        for raw in ("<!channel>", "<@U123>", "<https://x.example|y>", "& <"):
            assert raw not in sent, (raw, body)
        assert "&lt;!channel&gt; &amp; &lt;@U123&gt; &lt;https://x.example|y&gt;" in sent
    last = _updates(fake_slack, card["ts"])[-1]
    text = json.dumps(last, ensure_ascii=False)
    assert "hall" in text and "host" in text and "note" in text
    assert last["text"].startswith("Cancelled: &lt;!channel&gt;")


def test_a_cancelled_meetup_s_card_says_so_and_loses_its_buttons(fake_slack):
    meetup = make_meetup(title="読書会")
    _relay()
    [card] = _cards(fake_slack)
    meetups.meetup_cancel(meetup=meetup, by=meetup.created_by, note="雨のため")
    _relay()

    [update] = _updates(fake_slack, card["ts"])
    assert update["blocks"][0]["text"]["text"] == "Cancelled: 読書会"
    assert "This meetup is cancelled.\n> 雨のため" in _texts(update)
    assert _action_ids(update) == []


def test_a_moved_meetup_s_card_shows_the_new_time_in_the_community_s_zone(fake_slack, settings):
    settings.TIME_ZONE = "Asia/Tokyo"
    meetup = make_meetup(starts_at=soon(days=3, hour=19))
    _relay()
    [card] = _cards(fake_slack)
    with timezone.override("Europe/Berlin"):  # the mover's own zone is not the card's
        starts = meetup.starts_at + timedelta(hours=1)
        meetups.meetup_update(
            meetup=meetup,
            by=meetup.created_by,
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
        )
    _relay()

    [update] = _updates(fake_slack, card["ts"])
    when = _texts(update)
    assert "8:00 PM – 10:00 PM (Asia/Tokyo)" in when, when


def test_a_meetup_for_its_team_only_is_not_announced(fake_slack):
    proposal = make_proposal()
    _relay()
    posts = len(fake_slack.calls_to("chat.postMessage"))
    make_meetup(by=proposal.proposer, proposal=proposal, visibility=Visibility.TEAM)
    _relay()
    assert not SlackThread.objects.filter(meetup__isnull=False).exists()
    assert len(fake_slack.calls_to("chat.postMessage")) == posts


def test_a_card_whose_meetup_becomes_team_only_no_longer_shows_it(fake_slack):
    proposal = make_proposal()
    meetup = make_meetup(by=proposal.proposer, proposal=proposal, title="キックオフ")
    _relay()
    [card] = _cards(fake_slack)
    meetups.meetup_update(meetup=meetup, by=proposal.proposer, visibility=Visibility.TEAM)
    _relay()
    [update] = _updates(fake_slack, card["ts"])
    sent = json.dumps(update, ensure_ascii=False)
    assert "キックオフ" not in sent and _action_ids(update) == []
    assert "no longer open to the whole community" in update["text"]


def test_a_card_deleted_in_slack_is_posted_again_with_the_latest_counts(fake_slack):
    meetup = make_meetup()
    _relay()
    [old] = _cards(fake_slack)
    fake_slack.delete(old["ts"])
    meetups.meetup_answer(meetup=meetup, user=UserFactory(), answer=Answer.GOING)
    _relay()

    [card] = _cards(fake_slack)
    assert card["ts"] != old["ts"] and _context(card) == "2 going"
    assert SlackThread.objects.get(meetup=meetup).root_ts == card["ts"]


def test_a_post_slack_kept_but_never_answered_is_found_not_posted_twice(fake_slack, settings):
    settings.SLACK_TIMEOUT_SECONDS = 1
    fake_slack.fail("chat.postMessage", Fault(accept=True, delay=2))
    meetup = make_meetup()
    _relay()  # the post timed out: tried again later
    thread = SlackThread.objects.get(meetup=meetup)
    SlackThread.objects.filter(pk=thread.pk).update(card_dirty_at=timezone.now())
    _relay()

    [card] = _cards(fake_slack)
    assert len(fake_slack.calls_to("chat.postMessage")) == 1
    assert len(fake_slack.calls_to("conversations.history")) == 1
    assert SlackThread.objects.get(meetup=meetup).root_ts == card["ts"]


def test_without_slack_a_meetup_gets_no_card(fake_slack, settings, published):
    settings.SLACK_BOT_TOKEN = ""
    meetup = make_meetup()
    meetups.meetup_answer(meetup=meetup, user=UserFactory(), answer=Answer.GOING)
    assert not SlackThread.objects.exists()
    assert not [job for job in published if job.name == publish.RELAY_CHANNEL]


def test_a_slack_thread_is_a_proposal_s_or_a_meetup_s_never_both(fake_slack):
    from django.db import IntegrityError, transaction

    meetup = make_meetup()
    proposal = make_proposal()
    with pytest.raises(IntegrityError), transaction.atomic():
        SlackThread.objects.filter(meetup=meetup).update(proposal=proposal)
    with pytest.raises(IntegrityError), transaction.atomic():
        SlackThread.objects.create(channel_id="C0MAIN")


def test_a_meetup_that_is_over_closes_its_card(fake_slack):
    meetup = make_meetup()
    _relay()
    [card] = _cards(fake_slack)
    ended = timezone.now() - timedelta(hours=2)
    Meetup.objects.filter(pk=meetup.pk).update(starts_at=ended - timedelta(hours=2), ends_at=ended)
    assert meetups.meetup_follow_ups_send() == 1
    _relay()
    [update] = _updates(fake_slack, card["ts"])
    assert _action_ids(update) == []
    assert "This meetup is over; answers are closed." in _context(update)
    assert Rsvp.objects.get(meetup=meetup).status == RsvpStatus.GOING


def test_a_meetup_cancelled_before_its_card_went_out_is_never_announced(fake_slack):
    """Nobody saw it announced: no "Cancelled" card appears out of nowhere."""
    meetup = make_meetup(title="読書会")
    meetups.meetup_cancel(meetup=meetup, by=meetup.created_by, note="雨のため")
    _relay()
    _relay()

    assert fake_slack.calls_to("chat.postMessage") == []
    thread = SlackThread.objects.get(meetup=meetup)
    assert thread.root_ts == "" and thread.card_dirty_at is None


def test_a_meetup_s_card_closes_within_a_quarter_hour_of_its_end(fake_slack):
    meetup = make_meetup()
    _relay()
    [card] = _cards(fake_slack)
    ended = timezone.now() - timedelta(minutes=10)
    Meetup.objects.filter(pk=meetup.pk).update(starts_at=ended - timedelta(hours=2), ends_at=ended)
    assert meetups.meetup_follow_ups_send() == 0  # the follow-up waits an hour
    assert meetups.meetup_cards_close() == 1
    _relay()
    [update] = _updates(fake_slack, card["ts"])
    assert _action_ids(update) == []
