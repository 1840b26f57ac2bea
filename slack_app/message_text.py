"""A Slack message's text (mrkdwn) as plain, readable text, and a proposal's first draft of it:
pure functions, for "Make it a proposal" (issue 12).

Slack writes mentions as `<@U123>`, channels as `<#C123|name>`, links as `<https://…|label>`,
special mentions as `<!here>`, and escapes `&`, `<`, `>` as entities. A member reads none of that
in a form: mentions become `@name`, links their label (with the address when it says more), and
the entities their characters again. The result is member text like any other: escaped again
wherever it goes back to Slack in mrkdwn, shown as plain_text in the modal.
"""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

TITLE_MAX = 120
SUMMARY_MAX = 280
# What a theme guess reads of a long message (its title, summary and a little more).
GUESS_CHARS = 4000

_ANGLE = re.compile(r"<([^<>]*)>")
_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))
_SPECIAL = {"here": "@here", "channel": "@channel", "everyone": "@everyone"}


def _entities(text: str) -> str:
    for entity, character in _ENTITIES:
        text = text.replace(entity, character)
    return text


def _one(inner: str, name_of: Callable[[str], str | None]) -> str:
    target, _sep, label = inner.partition("|")
    label = _entities(label)
    if target.startswith("@"):
        user_id = target[1:]
        return f"@{name_of(user_id) or label or user_id}"
    if target.startswith("#"):
        return f"#{label or target[1:]}"
    if target.startswith("!"):
        word = target[1:].split("^", 1)[0]
        if word in _SPECIAL:
            return _SPECIAL[word]
        return label or f"@{word}"
    url = _entities(target)
    if url.startswith("mailto:"):
        return label or url.removeprefix("mailto:")
    if label and label != url:
        return f"{label} ({url})"
    return url


def plain_text(mrkdwn: str, *, name_of: Callable[[str], str | None] = lambda _id: None) -> str:
    """Slack's mrkdwn as a person would read it; `name_of` names a Slack user by their id."""
    text = _ANGLE.sub(lambda match: _one(match.group(1), name_of), mrkdwn or "")
    return _entities(text).replace("\r\n", "\n")


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def user_ids(mrkdwn: str) -> list[str]:
    """The Slack users a message mentions, in order, once each."""
    found: list[str] = []
    for match in _ANGLE.finditer(mrkdwn or ""):
        target = match.group(1).partition("|")[0]
        if target.startswith("@") and target[1:] not in found:
            found.append(target[1:])
    return found


def _finds(part: str, text: str) -> bool:
    """A Japanese part is found anywhere in the text; a Latin word only as a word of its own
    (「ITで」 speaks of IT, "it's" does not), a short one (an acronym) in its own capitals."""
    if not part.isascii():
        return part.casefold() in text.casefold()
    flags = 0 if len(part) <= 3 else re.IGNORECASE
    return re.search(rf"(?<![A-Za-z]){re.escape(part)}(?![A-Za-z])", text, flags) is not None


def guess_themes(text: str, suggested: Iterable[str]) -> list[str]:
    """The community's suggested themes the text speaks of: a theme's whole name, or one of its
    parts (「子ども・教育」 is found by 「教育」 too), in the order the community lists them."""
    text = text[:GUESS_CHARS]
    found = []
    for theme in suggested:
        parts = [theme, *(part for part in re.split(r"[・/、,]", theme) if len(part) >= 2)]
        if any(_finds(part, text) for part in parts):
            found.append(theme)
    return found


@dataclass(frozen=True)
class Draft:
    title: str
    summary: str
    themes: tuple[str, ...]


def draft(text: str, *, suggested: Iterable[str] = ()) -> Draft:
    """The form's first draft from a message's plain text: the title from its first line, the
    summary from the rest (a one-line message is both, as the slash command makes it)."""
    lines = [" ".join(line.split()) for line in text.splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        return Draft(title="", summary="", themes=())
    first, rest = lines[0], " ".join(lines[1:])
    if len(first) > TITLE_MAX:
        rest = " ".join(filter(None, (first, rest)))
    summary = rest or first
    return Draft(
        title=_cut(first, TITLE_MAX),
        summary=_cut(summary, SUMMARY_MAX),
        themes=tuple(guess_themes(text, suggested)),
    )
