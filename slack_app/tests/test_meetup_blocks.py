"""The meetup's Slack card as a pure function of its data: what it says, in which language and zone,
escaped, within Block Kit's limits, and never the online link."""

import json
from datetime import UTC, datetime

from django.utils import translation

from slack_app import blocks

HOSTILE = "<!channel> & <@U123> <https://x.example|y>"
ESCAPED = "&lt;!channel&gt; &amp; &lt;@U123&gt; &lt;https://x.example|y&gt;"


def _data(**changes) -> blocks.MeetupCard:
    fields = {
        "meetup_id": 7,
        "title": "防災カフェ",
        "kind_label": "Social meetup",
        # 10:00–12:00 UTC on 12 July: 19:00–21:00 in Tokyo, 12:00–14:00 in Berlin (summer time).
        "starts_at": datetime(2025, 7, 12, 10, 0, tzinfo=UTC),
        "ends_at": datetime(2025, 7, 12, 12, 0, tzinfo=UTC),
        "zone": "Asia/Tokyo",
        "place": "区民センター",
        "has_online_link": True,
        "going": 3,
        "waiting": 0,
        "maybe": 1,
        "capacity": None,
        "url": "http://testserver/meetups/7/",
        "hosts": (blocks.Person(name="Aiko", slack_user_id="U0AIKO"),),
    }
    return blocks.MeetupCard(**(fields | changes))


def _all_text(message: blocks.Message) -> str:
    return message.text + "\n" + json.dumps(message.blocks, ensure_ascii=False)


def test_the_card_says_what_when_where_who_and_how_many_with_three_buttons():
    message = blocks.meetup_card(_data(), version=3)
    text = _all_text(message)
    assert message.blocks[0]["text"]["text"] == "防災カフェ"
    assert "Jul 12, 2025, 7:00 PM – 9:00 PM (Asia/Tokyo)" in text
    assert "区民センター" in text and "<@U0AIKO>" in text and "Social meetup" in text
    assert "3 going · 1 maybe" in text and "waiting" not in text
    actions = message.blocks[-1]
    assert [(e["action_id"], e["value"]) for e in actions["elements"]] == [
        ("meetup_going", "7"),
        ("meetup_maybe", "7"),
        ("meetup_cant", "7"),
    ]
    assert set(blocks.MEETUP_ANSWERS) == {e["action_id"] for e in actions["elements"]}
    # A new block_id per version, as Slack asks of chat.update.
    assert all(block["block_id"].startswith("m7v3") for block in message.blocks)


def test_in_japanese_and_in_a_zone_with_summer_time():
    with translation.override("ja"):
        message = blocks.meetup_card(_data(zone="Europe/Berlin"), version=1)
    text = _all_text(message)
    assert "(Europe/Berlin)" in text and "12:00" in text and "14:00" in text
    labels = [e["text"]["text"] for e in message.blocks[-1]["elements"]]
    assert labels == ["参加する", "未定", "参加できない"]
    assert "場所" in text


def test_a_meetup_over_two_days_names_both():
    message = blocks.meetup_card(_data(ends_at=datetime(2025, 7, 13, 1, 0, tzinfo=UTC)), version=1)
    assert "Jul 12, 2025, 7:00 PM – Jul 13, 2025, 10:00 AM (Asia/Tokyo)" in _all_text(message)


def test_member_text_is_escaped_everywhere_and_fits_block_kit():
    data = _data(
        title=HOSTILE,
        place=HOSTILE,
        hosts=(blocks.Person(name=HOSTILE),),
        cancelled=True,
        cancel_note=HOSTILE,
    )
    for message in (
        blocks.meetup_card(data, version=2),
        blocks.meetup_card(_data(title=HOSTILE, place=HOSTILE), version=2),
    ):
        text = _all_text(message)
        for raw in ("<!channel>", "<@U123>", "<https://x.example|y>"):
            assert raw not in text
        assert ESCAPED in message.text
    long = _data(
        title="<" * 120,
        place="&" * 200,
        hosts=tuple(blocks.Person(name="<" * 50) for _ in range(10)),
    )
    card = blocks.meetup_card(long, version=1).blocks
    assert len(card[0]["text"]["text"]) <= blocks.HEADER_MAX
    assert all(len(field["text"]) <= blocks.FIELD_MAX for field in card[1]["fields"])


def test_a_cancelled_meetup_has_no_buttons_and_says_why():
    message = blocks.meetup_card(_data(cancelled=True, cancel_note="雨のため"), version=2)
    assert message.blocks[0]["text"]["text"] == "Cancelled: 防災カフェ"
    assert not [b for b in message.blocks if b["type"] == "actions"]
    assert "This meetup is cancelled.\n> 雨のため" in message.blocks[-1]["text"]["text"]


def test_the_counts_are_in_the_meetup_page_s_words():
    assert blocks.meetup_counts(_data(going=3, maybe=1)) == "3 going · 1 maybe"
    assert blocks.meetup_counts(_data(going=3, maybe=0, capacity=4)) == "3 of 4 going"
    assert (
        blocks.meetup_counts(_data(going=5, waiting=2, maybe=0, capacity=5))
        == "5 of 5 going · 2 waiting · Full: waiting list"
    )
    with translation.override("ja"):
        assert blocks.meetup_counts(_data(going=5, waiting=2, maybe=1, capacity=5)) == (
            "定員5人中5人が参加 · 2人がキャンセル待ち · 1人が未定 · 満員（キャンセル待ち）"
        )


def test_the_private_answer_gives_the_link_only_when_asked_to():
    going = blocks.meetup_answered(
        title="勉強会",
        url="http://testserver/meetups/7/",
        status="going",
        online_url="https://meet.example/a?b=1&c=<2>",
    )
    assert going.startswith("You're going to <http://testserver/meetups/7/|勉強会>.")
    assert going.endswith("The online link: https://meet.example/a?b=1&amp;c=&lt;2&gt;")
    waiting = blocks.meetup_answered(title="勉強会", url="http://t/m/7/", status="waitlisted")
    assert "waiting list" in waiting and "online link" not in waiting
