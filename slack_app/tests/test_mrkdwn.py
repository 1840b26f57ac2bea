"""A Slack message as the product's Markdown: what a member wrote in Slack reads the same on the page."""

from proposals.markdown import render_markdown
from slack_app.mrkdwn import mentioned_users, to_markdown

NAMES = {"U0HANA": "花子"}


def _section(*elements) -> dict:
    return {"type": "rich_text_section", "elements": list(elements)}


def _text(text: str, **style) -> dict:
    return {"type": "text", "text": text, **({"style": style} if style else {})}


def _message(*elements) -> dict:
    return {
        "type": "message",
        "text": "(the fallback is not used when blocks are there)",
        "blocks": [{"type": "rich_text", "block_id": "x", "elements": list(elements)}],
    }


def test_rich_text_styles_links_and_mentions():
    message = _message(
        _section(
            _text("太字", bold=True),
            _text(" と "),
            _text("斜体", italic=True),
            _text(" と "),
            _text("取消", strike=True),
            _text(" と "),
            _text("x = 1", code=True),
            _text(" "),
            {"type": "link", "url": "https://example.org/plan", "text": "計画"},
            _text(" "),
            {"type": "user", "user_id": "U0HANA"},
            _text(" "),
            {"type": "user", "user_id": "U0NOBODY"},
            _text(" "),
            {"type": "emoji", "name": "tada", "unicode": "1f389"},
        )
    )
    assert mentioned_users(message) == {"U0HANA", "U0NOBODY"}
    assert to_markdown(message, names=NAMES) == (
        "**太字** と *斜体* と ~~取消~~ と `x = 1` [計画](https://example.org/plan) "
        "@花子 @U0NOBODY 🎉"
    )


def test_rich_text_lists_quotes_and_code_blocks():
    message = _message(
        _section(_text("持ち物:\n")),
        {
            "type": "rich_text_list",
            "style": "bullet",
            "indent": 0,
            "elements": [_section(_text("エプロン")), _section(_text("三角巾"))],
        },
        {
            "type": "rich_text_list",
            "style": "ordered",
            "indent": 0,
            "elements": [_section(_text("集合")), _section(_text("配膳"))],
        },
        {"type": "rich_text_quote", "elements": [_text("前回の感想\nよかった")]},
        {"type": "rich_text_preformatted", "elements": [_text("a < b && c")]},
    )
    markdown = to_markdown(message, names=NAMES)
    assert markdown == (
        "持ち物:\n\n- エプロン\n- 三角巾\n\n1. 集合\n2. 配膳\n\n> 前回の感想\n> よかった\n\n"
        "```\na < b && c\n```"
    )
    html = render_markdown(markdown)
    assert "<li>エプロン</li>" in html and "<ol>" in html and "<blockquote>" in html
    assert "a &lt; b &amp;&amp; c" in html


def test_mrkdwn_text_when_there_are_no_blocks():
    message = {
        "type": "message",
        "text": (
            "*bold* _italic_ ~strike~ `a&lt;b` <https://example.org|site> <https://example.org/x> "
            "<@U0HANA> <@U0ZZ|zed> <#C0ABC|general> <!here> &amp; 1 &lt; 2\n• one\n&gt; quoted"
        ),
    }
    assert to_markdown(message, names=NAMES) == (
        "**bold** *italic* ~~strike~~ `a<b` [site](https://example.org) "
        "[https://example.org/x](https://example.org/x) @花子 @zed #general @here & 1 < 2\n"
        "- one\n> quoted"
    )


def test_plain_characters_stay_plain_and_unsafe_links_are_text():
    message = {
        "type": "message",
        "blocks": [
            {
                "type": "rich_text",
                "elements": [
                    _section(
                        _text("[x](javascript:alert(1)) *not bold* "),
                        {"type": "link", "url": "javascript:alert(1)", "text": "click"},
                    )
                ],
            }
        ],
    }
    markdown = to_markdown(message, names={})
    html = render_markdown(markdown)
    assert "javascript" not in html.split("<p>", 1)[1].split("click")[1]
    assert "<a " not in html
    assert "<em>" not in html and "*not bold*" in html


def test_hostile_names_of_mentioned_members_are_plain_text():
    message = _message(_section({"type": "user", "user_id": "U0EVIL"}))
    markdown = to_markdown(message, names={"U0EVIL": "**[x](https://evil.example)**"})
    assert "<a " not in render_markdown(markdown)


def test_an_emoji_with_an_odd_code_point_is_its_name_never_a_nul_or_a_crash():
    """Slack names an emoji's code points in hex; one that is no character (a NUL the database
    refuses, a lone surrogate, a number past Unicode or past a C int) falls back to its name."""
    for unicode in ("0", "1f389-0", "d800", "110000", "f" * 40, "1f"):
        message = _message(_section({"type": "emoji", "name": "odd", "unicode": unicode}))
        body = to_markdown(message, names=NAMES)
        assert body == ":odd:", unicode
    custom = _message(_section({"type": "emoji", "name": "party_parrot"}))
    assert to_markdown(custom, names=NAMES) == r":party\_parrot:"
    tada = _message(_section({"type": "emoji", "name": "tada", "unicode": "1f389-fe0f"}))
    assert to_markdown(tada, names=NAMES) == "🎉\ufe0f"
