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


MARKERS = {"_", "gettext", "ngettext", "pgettext", "npgettext", "gettext_lazy", "ngettext_lazy"}


def _marked_inside_f_strings(source: str, name: str) -> list[int]:
    """Lines where a message is marked (`_("…")`, `gettext(…)`, …) anywhere inside an f-string's
    braces, however deep (`f"{_e(gettext('…'))}"` included)."""
    lines = []
    for node in ast.walk(ast.parse(source, name)):
        if not isinstance(node, ast.JoinedStr):
            continue
        for part in node.values:
            for inner in ast.walk(part):
                if (
                    isinstance(inner, ast.Call)
                    and isinstance(inner.func, ast.Name)
                    and inner.func.id in MARKERS
                ):
                    lines.append(inner.lineno)
    return lines


def _project_sources():
    base = Path(settings.BASE_DIR)
    for path in sorted(base.rglob("*.py")):
        parts = path.relative_to(base).parts
        if parts[0] in (".venv", "node_modules", "var", "artifacts") or "tests" in parts:
            continue
        yield path


def test_no_message_is_marked_inside_an_f_string():
    """makemessages cannot see `_("…")` inside an f-string's braces: such a message silently drops
    out of the catalogue and shows in English to Japanese readers."""
    found = [
        f"{path}:{line}"
        for path in _project_sources()
        for line in _marked_inside_f_strings(path.read_text(encoding="utf-8"), str(path))
    ]
    assert found == []


def test_the_f_string_check_catches_what_it_should():
    assert _marked_inside_f_strings("x = f\"{_e(gettext('Hi %(n)s') % {'n': 1})}\"", "t") == [1]
    assert _marked_inside_f_strings("x = f'{_(\"Hi\")}'", "t") == [1]
    assert _marked_inside_f_strings("x = _('Hi') + f'{name}'", "t") == []
