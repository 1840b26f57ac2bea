"""A Slack message as the product's Markdown (a reply in a proposal's thread becoming a comment).

Pure functions of the message: its `rich_text` blocks when it has them (what Slack's clients send),
else its mrkdwn `text`. Bold, italic, strike, code, links, lists and quotes become Markdown; a
mention becomes the member's name (`names`: Slack user id → name; anyone else stays plain text);
Slack's entities (&amp; &lt; &gt;) are decoded; a file becomes a link to its permalink. The result is
member text like any other: the comment service validates it and renders it through the one safe
Markdown renderer (raw HTML off, an allow-list after), so nothing here needs to be trusted.
"""

import re
from collections.abc import Iterable, Mapping

# Characters Markdown would read as formatting in what was plain text in Slack.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_~\[\]#|])")
_SAFE_SCHEMES = ("http://", "https://", "mailto:")


def _string(value) -> str:
    return value if isinstance(value, str) else ""


def _decode(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _literal(text: str) -> str:
    """Plain text, kept plain in Markdown (and a `<` stays a character, never a tag)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _link(url: str, label: str) -> str:
    url = url.strip()
    if not url.lower().startswith(_SAFE_SCHEMES):
        return _literal(label or url)
    url = url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")
    return f"[{_literal(label or url)}]({url})"


def _name(user_id: str, names: Mapping[str, str], label: str = "") -> str:
    name = names.get(user_id) or label.lstrip("@") or user_id
    return "@" + _literal(name)


def mentioned_users(message: dict) -> set[str]:
    """The Slack user ids a message mentions, to look their names up in one query."""
    found = set(re.findall(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>", _string(message.get("text"))))

    def walk(value):
        if isinstance(value, dict):
            if value.get("type") == "user" and isinstance(value.get("user_id"), str):
                found.add(value["user_id"])
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(message.get("blocks") or [])
    return found


# --- rich_text blocks ----------------------------------------------------------------------------


def _styled(text: str, style: Mapping) -> str:
    if not text.strip():
        return text
    if style.get("code"):
        return f"`{text.replace('`', '')}`"
    # Markdown's emphasis must hug the words: spaces stay outside the markers.
    lead = text[: len(text) - len(text.lstrip())]
    trail = text[len(text.rstrip()) :]
    core = _literal(text.strip())
    if style.get("strike"):
        core = f"~~{core}~~"
    if style.get("italic"):
        core = f"*{core}*"
    if style.get("bold"):
        core = f"**{core}**"
    return lead + core + trail


def _code_point(part: str) -> str:
    """One of an emoji's code points (hex): a character, never a control character (a NUL the
    database refuses), a lone surrogate or a number past Unicode."""
    if not (0 < len(part) <= 6) or not all(c in "0123456789abcdefABCDEF" for c in part):
        raise ValueError(part)
    point = int(part, 16)
    if point < 0x20 or 0x7F <= point < 0xA0 or 0xD800 <= point <= 0xDFFF or point > 0x10FFFF:
        raise ValueError(part)
    return chr(point)


def _emoji(element: Mapping) -> str:
    unicode = str(element.get("unicode") or "")
    try:
        return "".join(_code_point(part) for part in unicode.split("-"))
    except ValueError:  # and a custom emoji, which has no code points: its name
        return f":{_literal(str(element.get('name') or ''))}:"


def _inline(element: Mapping, names: Mapping[str, str], *, code: bool = False) -> str:
    kind = element.get("type")
    style = element.get("style") if isinstance(element.get("style"), dict) else {}
    if kind == "text":
        text = str(element.get("text") or "")
        return text if code else _styled(text, style)
    if kind == "link":
        url = str(element.get("url") or "")
        return url if code else _link(url, str(element.get("text") or ""))
    if kind == "user":
        return _name(str(element.get("user_id") or ""), names)
    if kind == "channel":
        return "#" + _literal(str(element.get("channel_id") or ""))
    if kind == "usergroup":
        return "@" + _literal(str(element.get("usergroup_id") or ""))
    if kind == "broadcast":
        return "@" + _literal(str(element.get("range") or ""))
    if kind == "emoji":
        return _emoji(element)
    if kind == "date":
        return _literal(str(element.get("fallback") or ""))
    return ""


def _inlines(elements: Iterable, names: Mapping[str, str], *, code: bool = False) -> str:
    return "".join(_inline(e, names, code=code) for e in elements if isinstance(e, dict))


def _elements(value) -> list:
    return value if isinstance(value, list) else []


def _rich(element: Mapping, names: Mapping[str, str]) -> str:
    kind = element.get("type")
    children = _elements(element.get("elements"))
    if kind == "rich_text_section":
        return _inlines(children, names)
    if kind == "rich_text_preformatted":
        body = _inlines(children, names, code=True).replace("```", "'''")
        return f"```\n{body}\n```"
    if kind == "rich_text_quote":
        text = _inlines(children, names)
        return "\n".join(f"> {line}" for line in text.split("\n"))
    if kind == "rich_text_list":
        ordered = element.get("style") == "ordered"
        indent = element.get("indent") if isinstance(element.get("indent"), int) else 0
        start = element.get("offset") if isinstance(element.get("offset"), int) else 0
        pad = "   " * max(0, min(indent, 5))
        lines = []
        for number, item in enumerate(children, start=start + 1):
            if not isinstance(item, dict):
                continue
            marker = f"{number}." if ordered else "-"
            lines.append(f"{pad}{marker} {_inlines(_elements(item.get('elements')), names)}")
        return "\n".join(lines)
    return ""


def _from_blocks(blocks: list, names: Mapping[str, str]) -> str | None:
    rich = [b for b in blocks if isinstance(b, dict) and b.get("type") == "rich_text"]
    if not rich:
        return None
    parts = []
    for block in rich:
        previous = None
        for element in _elements(block.get("elements")):
            if not isinstance(element, dict):
                continue
            text = _rich(element, names)
            kind = element.get("type")
            # A section's own newlines are the message's; blocks of another kind stand apart.
            if previous is not None and not (kind == previous == "rich_text_section"):
                text = "\n\n" + text.lstrip("\n")
                if parts:
                    parts[-1] = parts[-1].rstrip("\n")
            parts.append(text)
            previous = kind
    return "".join(parts)


# --- mrkdwn text ---------------------------------------------------------------------------------

_ANGLE = re.compile(r"<([^<>]*)>")
_CODE_BLOCK = re.compile(r"```(.*?)```", re.S)
_CODE_SPAN = re.compile(r"`([^`\n]+)`")
_BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])")
_STRIKE = re.compile(r"(?<![\w~])~(?=\S)([^~\n]+?)(?<=\S)~(?![\w~])")


def _angle(token: str, names: Mapping[str, str]) -> str:
    target, _sep, label = token.partition("|")
    label = _decode(label)
    if target.startswith("@"):
        return _name(target[1:], names, label)
    if target.startswith("#"):
        return "#" + _literal(label or target[1:])
    if target.startswith("!"):
        if target.startswith("!subteam^"):
            return _literal(label or "@team")
        if target.startswith("!date^"):
            return _literal(label)
        return "@" + _literal(target[1:])
    return _link(_decode(target), label)


def _from_text(text: str, names: Mapping[str, str]) -> str:
    """Slack's mrkdwn: formatting marks, <…> tokens, and entities for the three special
    characters (decoded last, so a decoded `<` is never read as a token)."""
    stash: list[str] = []

    def keep(markdown: str) -> str:
        stash.append(markdown)
        return f"\x00{len(stash) - 1}\x00"

    text = text.replace("\x00", "")
    text = _CODE_BLOCK.sub(lambda m: keep(f"```\n{_decode(m.group(1)).strip(chr(10))}\n```"), text)
    text = _CODE_SPAN.sub(lambda m: keep(f"`{_decode(m.group(1))}`"), text)
    text = _ANGLE.sub(lambda m: keep(_angle(m.group(1), names)), text)
    text = _literal(_decode(text))
    # _literal escaped the marks; the ones Slack reads as formatting become Markdown's.
    text = _BOLD.sub(lambda m: f"**{m.group(1)}**", text.replace(r"\*", "*"))
    text = _ITALIC.sub(lambda m: f"*{m.group(1)}*", text.replace(r"\_", "_"))
    text = _STRIKE.sub(lambda m: f"~~{m.group(1)}~~", text.replace(r"\~", "~"))
    lines = []
    for line in text.split("\n"):
        if line.startswith(("• ", "◦ ")):
            line = "- " + line[2:]
        lines.append(line)
    text = "\n".join(lines)
    return re.sub("\x00(\\d+)\x00", lambda m: stash[int(m.group(1))], text)


# --- files ---------------------------------------------------------------------------------------


def _files(files) -> list[str]:
    links = []
    for item in files if isinstance(files, list) else []:
        if not isinstance(item, dict):
            continue
        url = str(item.get("permalink") or "")
        label = str(item.get("title") or item.get("name") or url)
        if url:
            links.append(_link(url, label))
    return links


def to_markdown(message: dict, *, names: Mapping[str, str]) -> str:
    """The message (a `message` event, or the `message` of a `message_changed`) as Markdown."""
    body = _from_blocks(_elements(message.get("blocks")), names)
    if body is None:
        body = _from_text(_string(message.get("text")), names)
    files = _files(message.get("files"))
    if files:
        body = "\n\n".join(
            part for part in (body.strip(), "\n".join(f"- {f}" for f in files)) if part
        )
    return body.strip()
