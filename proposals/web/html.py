"""HTML put together in Python (card_html.py, comment_html.py): escaping as templates escape."""

import html

from django.utils.safestring import SafeData


def esc(value) -> str:
    """`conditional_escape` without its lazy-string wrapper (the same characters escaped):
    what `{{ value }}` writes."""
    if isinstance(value, SafeData):
        return value
    return html.escape(str(value))
