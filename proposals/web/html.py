"""HTML put together in Python (card_html.py, comment_html.py): escaping as templates escape."""

import html
from functools import lru_cache

from django.utils.safestring import SafeData

SHORT = 200  # longer texts (a move's note, a summary) are escaped each time, not kept


@lru_cache(maxsize=8192)
def _escaped(text: str) -> str:
    """A pure function of a short text: a board escapes the same words, names and themes in a
    hundred cards (some fifteen hundred escapes a page), so each is worked out once."""
    return html.escape(text)


def esc(value) -> str:
    """`conditional_escape` without its lazy-string wrapper (the same characters escaped):
    what `{{ value }}` writes."""
    if isinstance(value, SafeData):
        return value
    if type(value) is str and len(value) <= SHORT:  # never a SafeString: the memo never mixes them
        return _escaped(value)
    return html.escape(str(value))
