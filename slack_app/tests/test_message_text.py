"""A Slack message's mrkdwn as plain text, and the first draft of a proposal made from it."""

from slack_app.message_text import SUMMARY_MAX, TITLE_MAX, draft, guess_themes, plain_text, user_ids

THEMES = ["子ども・教育", "福祉", "IT・デジタル", "防災"]


def test_mentions_links_and_entities_read_as_a_person_would():
    names = {"U0AIKO": "あいこ"}.get
    text = (
        "<@U0AIKO> と <@U0NOBODY|nobody> へ &amp; <#C0TALK|kikaku> "
        "<https://example.org|地図> <https://example.org> <mailto:a@example.org|a@example.org> "
        "<!here> <!subteam^S0TEAM|@design> &lt;b&gt;"
    )
    assert plain_text(text, name_of=names) == (
        "@あいこ と @nobody へ & #kikaku 地図 (https://example.org) https://example.org "
        "a@example.org @here @design <b>"
    )
    assert user_ids(text) == ["U0AIKO", "U0NOBODY"]


def test_an_entity_written_out_is_decoded_once():
    # Slack sends "&amp;lt;" for a person who typed "&lt;": it reads as they typed it.
    assert plain_text("&amp;lt;") == "&lt;"


def test_the_title_is_the_first_line_and_the_summary_the_rest():
    made = draft("防災マップを作りたい\n\n地域の避難所を  地図に。\nITで。", suggested=THEMES)
    assert (made.title, made.summary) == ("防災マップを作りたい", "地域の避難所を 地図に。 ITで。")
    assert made.themes == ("IT・デジタル", "防災")


def test_a_one_line_message_is_title_and_summary():
    made = draft("福祉の勉強会をやってみたい")
    assert made.title == made.summary == "福祉の勉強会をやってみたい"


def test_long_text_is_cut_within_the_limits():
    made = draft("あ" * 500 + "\n" + "い" * 500)
    assert len(made.title) == TITLE_MAX and made.title.endswith("…")
    assert len(made.summary) == SUMMARY_MAX and made.summary.startswith("あ")


def test_themes_are_found_by_a_part_of_their_name_and_not_by_chance():
    assert guess_themes("子どもの教育について", THEMES) == ["子ども・教育"]
    assert guess_themes("ITで楽に", ["IT・デジタル"]) == ["IT・デジタル"]
    assert guess_themes("it's nothing, ITS or BIT", ["IT・デジタル"]) == []
    assert guess_themes("Fundraising night", ["fundraising"]) == ["fundraising"]
    assert guess_themes("no theme here", ["防災"]) == []
    assert draft("   \n  ").title == ""
