"""How lists of names are read and written in the reader's language, on every surface."""

import re

from django.utils.translation import pgettext

# A member may separate names with a comma, a Japanese comma (、 or ，), a # or a new line.
NAME_SEPARATORS = re.compile(r"[,、，#\n]+")


def split_names(text: str) -> list[str]:
    return [part.strip() for part in NAME_SEPARATORS.split(text or "") if part.strip()]


def join_names(names) -> str:
    """Names in one line the way the reader's language lists them: 「福祉、環境」, "Welfare, Environment"."""
    return pgettext("between items of a list", ", ").join(names)
