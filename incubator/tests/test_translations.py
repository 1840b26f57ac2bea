"""The interface ships complete in Japanese: every message in the catalogue is translated, and the
compiled catalogue that Django reads (.mo) says the same as the one people edit (.po)."""

import ast
import gettext
import re
from pathlib import Path

from django.conf import settings

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "ja" / "LC_MESSAGES"


def _entries(po: Path) -> list[dict[str, list[str]]]:
    """The .po file's entries as {keyword: [strings]}, e.g. {"msgid": [...], "msgstr[0]": [...]}."""
    entries, entry, keyword = [], {}, None
    for line in [*po.read_text(encoding="utf-8").splitlines(), ""]:
        line = line.strip()
        if not line or line.startswith("#"):
            if not line and entry:
                entries.append(entry)
                entry, keyword = {}, None
            continue
        if line.startswith('"'):
            entry[keyword][-1] += ast.literal_eval(line)
            continue
        keyword, _space, text = line.partition(" ")
        entry[keyword] = [ast.literal_eval(text)]
    return [
        {keyword: strings[0] for keyword, strings in entry.items()}
        for entry in entries
        if entry.get("msgid", [""])[0]  # the header has an empty msgid
    ]


def test_every_message_has_a_japanese_translation():
    untranslated = [
        entry["msgid"]
        for entry in _entries(CATALOGUE / "django.po")
        if not all(text for keyword, text in entry.items() if keyword.startswith("msgstr"))
    ]
    assert untranslated == []


def test_the_compiled_catalogue_matches_the_source():
    with (CATALOGUE / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    stale = []
    for entry in _entries(CATALOGUE / "django.po"):
        msgid = entry["msgid"]
        if "msgctxt" in entry:
            msgid = f"{entry['msgctxt']}\x04{msgid}"
        if "msgid_plural" in entry:
            translated = compiled.ngettext(msgid, entry["msgid_plural"], 1)
            expected = entry["msgstr[0]"]
        else:
            translated, expected = compiled.gettext(msgid), entry["msgstr"]
        if translated != expected:
            stale.append(entry["msgid"])
    assert stale == [], "run `make messages` to compile the catalogue"


# Hiragana, katakana, CJK punctuation (、。「」), kanji and full-width forms.
JAPANESE = r"[\u3000-\u30ff\u3400-\u9fff\uff00-\uffef]"
ASCII_BESIDE_JAPANESE = re.compile(rf"{JAPANESE}\s*[,?:]|[,?:]\s*{JAPANESE}")


def test_japanese_text_uses_japanese_punctuation():
    """「、」「？」「：」 in Japanese text, never ASCII , ? : beside a Japanese word."""
    wrong = [
        text
        for entry in _entries(CATALOGUE / "django.po")
        for keyword, text in entry.items()
        if keyword.startswith("msgstr") and ASCII_BESIDE_JAPANESE.search(text)
    ]
    assert wrong == []


def test_the_punctuation_check_catches_what_it_should():
    assert ASCII_BESIDE_JAPANESE.search("届けられませんでした: 理由")
    assert ASCII_BESIDE_JAPANESE.search("福祉, 環境")
    assert ASCII_BESIDE_JAPANESE.search("仕事?")
    assert not ASCII_BESIDE_JAPANESE.search("福祉、環境")
    assert not ASCII_BESIDE_JAPANESE.search("Slackで https://example.org を開く")
    assert not ASCII_BESIDE_JAPANESE.search("API: %(name)s、Slack")  # ASCII between Latin words


def test_no_message_is_marked_inside_an_f_string():
    """makemessages cannot see `_("…")` inside an f-string's braces: such a message silently drops
    out of the catalogue and shows in English to Japanese readers."""
    import re
    from pathlib import Path

    from django.conf import settings

    hidden = re.compile(r"""\bf["'][^"'\n]*\{\s*(?:_|gettext|ngettext|pgettext)\(""")
    found = [
        f"{path}:{number}"
        for package in ("incubator", "proposals", "members", "workers", "slack_app", "moderation")
        for path in (Path(settings.BASE_DIR) / package).rglob("*.py")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if hidden.search(line)
    ]
    assert found == []
