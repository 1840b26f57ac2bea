"""Everything we show in Slack, built from hostile member text: nothing Slack would parse as a
mention, a ping or a link gets through unescaped, in any field (the notification fallback `text`
included), and every message keeps within Block Kit's limits. In Japanese, the cards are Japanese."""

import re

import pytest
from django.utils import translation

from proposals.choices import Status
from slack_app import blocks
from workers.events import EventKind

EVIL = "<!channel> <!here> <@U123> <https://x|y> & &amp; > 🎉👍🏽 日本語の提案 "
LONG_EVIL = EVIL + "長" * 5000
SITE = "http://testserver"

HOSTILE_PERSON = blocks.Person(name=LONG_EVIL, slack_user_id="<@U123>")
MENTIONED = blocks.Person(name=LONG_EVIL, slack_user_id="U0GOOD")

# What we write ourselves: a mention of a member whose Slack id we know, a link to our own pages,
# a block quote at the start of a line. Everything else must be escaped.
OURS = re.compile(r"<@U0GOOD>|<http://testserver/[^|<>\s]*(\|[^<>]*)?>|^> ", re.MULTILINE)
ENTITY = re.compile(r"&(amp|lt|gt);")


def _card(**changes) -> blocks.Card:
    fields = {
        "proposal_id": 7,
        "title": LONG_EVIL,
        "summary": LONG_EVIL,
        "status": Status.TEAM_FORMING,
        "proposer": MENTIONED,
        "team_size": 3,
        "cheers": 5,
        "comments": 1,
        "url": f"{SITE}/proposals/7/",
        "open_roles": tuple(blocks.OpenRole(name=LONG_EVIL, open=n) for n in range(1, 12)),
    }
    return blocks.Card(**(fields | changes))


def _payload() -> dict:
    return {
        "title": LONG_EVIL,
        "proposal_id": 7,
        "actor_name": LONG_EVIL,
        "summary": LONG_EVIL,
        "role": LONG_EVIL,
        "applicant_name": LONG_EVIL,
        "applicant_id": 3,
        "membership_id": 9,
        "cheerer_ids": [1, 2, 3],
        "cheerer_names": [LONG_EVIL, EVIL, "<!everyone>"],
        "from_status": "idea",
        "to_status": EVIL,
        "note": LONG_EVIL,
        "excerpt": LONG_EVIL,
        "message": LONG_EVIL,
        "response": LONG_EVIL,
        "days": 3,
        "channel": "slack",
        "error": LONG_EVIL,
    }


def _messages():
    """(name, payload as sent to Slack) for every builder, with hostile input everywhere."""
    listing = blocks.Listing(
        title=LONG_EVIL,
        url=f"{SITE}/proposals/7/",
        open_roles=(blocks.OpenRole(name=LONG_EVIL, open=2),),
    )
    sections = {
        key: [{"id": n, "title": LONG_EVIL, "path": f"/proposals/{n}/"} for n in range(40)]
        for key in ("new_ideas", "looking_for_people", "launched", "completed")
    }
    built = {
        "card": blocks.card(_card(), version=3),
        "card, idea without roles": blocks.card(
            _card(status=Status.IDEA, open_roles=(), proposer=HOSTILE_PERSON), version=1
        ),
        "card, an idea from someone": blocks.card(_card(idea_from=LONG_EVIL), version=2),
        "weekly digest": blocks.weekly_digest(sections=sections, site_url=SITE),
        "quiet weekly digest": blocks.weekly_digest(sections={}, site_url=SITE),
    }
    for kind in EventKind.values:
        for actor in (HOSTILE_PERSON, MENTIONED, None):
            built[f"reply to {kind} by {actor and actor.slack_user_id}"] = blocks.reply(
                blocks.Reply(
                    kind=kind,
                    payload=_payload(),
                    actor=actor,
                    proposer=HOSTILE_PERSON,
                    proposal_id=7,
                )
            )
    messages = {name: {"text": m.text, "blocks": m.blocks} for name, m in built.items()}
    messages |= {
        "unfurl": blocks.unfurl(_card()),
        "unfurl, paused, hostile proposer": blocks.unfurl(
            _card(status=Status.ARCHIVED, proposer=HOSTILE_PERSON)
        ),
        "idea modal": blocks.idea_modal(),
        "join modal": blocks.join_modal(proposal_id=7, title=LONG_EVIL),
        "modal errors": blocks.modal_errors({"title": LONG_EVIL, "role": EVIL}),
    }
    texts = {
        "idea refused": blocks.idea_refused(LONG_EVIL),
        "idea posted": blocks.idea_posted(title=LONG_EVIL, url=f"{SITE}/proposals/7/"),
        "connect prompt": blocks.connect_prompt(url=f"{SITE}/members/slack/connect/abc/"),
        "link prompt": blocks.link_prompt(url=f"{SITE}/members/slack/connect/abc/"),
        "help": blocks.help_text(command="/yattemitai"),
        "help, hostile command name": blocks.help_text(command=EVIL),
        "looking for people": blocks.looking_for_people([listing] * 20),
        "nobody looking": blocks.looking_for_people([]),
        "cheered": blocks.cheered(title=LONG_EVIL, already=False),
        "cheered already": blocks.cheered(title=LONG_EVIL, already=True),
        "accepted": blocks.join_answered(name=LONG_EVIL, accepted=True),
        "declined": blocks.join_answered(name=LONG_EVIL, accepted=False),
        "refusal": blocks.refusal(LONG_EVIL),
        "thread replies off": blocks.thread_replies_off(url=f"{SITE}/proposals/7/"),
        "thread reply refused": blocks.thread_reply_refused(LONG_EVIL),
    }
    messages |= {name: blocks.ephemeral(text) for name, text in texts.items()}
    return messages


MESSAGES = _messages()


def _strings(value, path="$"):
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}[{index}]")


@pytest.mark.parametrize("name", list(MESSAGES))
def test_no_member_text_reaches_slack_unescaped(name):
    for path, text in _strings(MESSAGES[name]):
        rest = OURS.sub("", text)
        assert "<" not in rest and ">" not in rest, (path, text[:300])
        assert "&" not in ENTITY.sub("", rest), (path, text[:300])
        assert "<!" not in text and "<@U123>" not in text, (path, text[:300])


def _texts(objects: list[dict]) -> list[str]:
    return [item["text"] for item in objects]


@pytest.mark.parametrize("name", list(MESSAGES))
def test_every_message_keeps_within_block_kit_limits(name):
    message = MESSAGES[name]
    if "text" in message:
        assert 0 < len(message["text"]) <= 3000
    if message.get("type") == "modal":
        for key in ("title", "submit", "close"):
            assert 0 < len(message[key]["text"]) <= 24
    message_blocks = message.get("blocks", [])
    assert len(message_blocks) <= 50
    for block in message_blocks:
        if block["type"] == "header":
            assert 0 < len(block["text"]["text"]) <= 150
        if block["type"] == "section":
            assert 0 < len(block["text"]["text"]) <= 3000
            assert len(block.get("fields", [])) <= 10
            assert all(0 < len(text) <= 2000 for text in _texts(block.get("fields", [])))
        if block["type"] == "context":
            assert len(block["elements"]) <= 10
            assert all(0 < len(text) <= 3000 for text in _texts(block["elements"]))
        if block["type"] == "actions":
            assert len(block["elements"]) <= 25
            assert all(0 < len(button["text"]["text"]) <= 75 for button in block["elements"])
        if block["type"] == "input":
            assert 0 < len(block["label"]["text"]) <= 2000


def test_long_text_is_cut_between_entities_and_links_never_inside_them():
    assert blocks.clip("&amp;" * 10, 12) == "&amp;&amp;…"
    assert blocks.clip("ab <http://testserver/x|label> cd", 12) == "ab …"
    assert blocks.clip("short", 10) == "short"


def test_japanese_cards_are_japanese():
    with translation.override("ja"):
        message = blocks.card(
            _card(
                title="防災マップ",
                summary="地域の地図",
                open_roles=(blocks.OpenRole(name="デザイナー", open=2),),
            ),
            version=1,
        )
    fields = " ".join(field["text"] for field in message.blocks[1]["fields"])
    for label in ("*段階*", "*提案者*", "*チームの人数*", "*募集する役割*"):
        assert label in fields
    assert "*Proposer*" not in fields and "*Open roles*" not in fields
    assert "仲間募集中" in fields and "デザイナー ×2" in fields
    assert "コメント 1" in message.blocks[2]["elements"][0]["text"]
    buttons = [button["text"]["text"] for button in message.blocks[3]["elements"]]
    assert "Cheer" not in buttons


@pytest.mark.parametrize("kind", ["introduced", "introduction_follow_up"])
def test_a_direct_message_escapes_names_and_themes_nested_in_its_payload(kind):
    """An introduction's people and shared themes sit in lists: a partner named like a link or a
    broadcast reaches the DM as plain text, in the blocks and in the fallback alike."""
    from slack_app.blocks import DirectMessage, direct_message

    hostile = "<https://evil.example|Reset password> <!channel> & co"
    message = direct_message(
        DirectMessage(
            kind=kind,
            payload={"people": [[1, "あい"], [2, hostile]], "shared": ["<!here>", "子ども"]},
            recipient_id=1,
            url="https://incubator.example/introductions/",
        )
    )
    for text in (message.text, str(message.blocks)):
        assert "<!channel>" not in text and "<https://evil" not in text and "<!here>" not in text
    assert "&lt;!channel&gt;" in message.text and "&amp; co" in message.text
