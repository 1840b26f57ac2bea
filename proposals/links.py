"""Addresses of an object's pages by primary key, without resolving the URLconf every time.

A board shows a hundred cards, each linking to its page and posting to its own "move" address;
`reverse()` for each of them was a tenth of the board's render. `pk_url(view)` reverses the view
once (per URLconf and script prefix, so a deployment under a sub-path gets its own) and then only
puts the key in. The result is exactly what `reverse(view, args=[pk])` gives.
"""

from collections.abc import Callable
from functools import lru_cache

from django.urls import get_script_prefix, get_urlconf, reverse

_SAMPLE = 8_642_097_531  # a key no pattern could mistake for anything else


@lru_cache(maxsize=64)
def _template(view: str, urlconf: str | None, prefix: str) -> tuple[str, str]:
    sample = reverse(view, args=[_SAMPLE], urlconf=urlconf)
    head, found, tail = sample.partition(str(_SAMPLE))
    if not found or str(_SAMPLE) in tail:
        raise ValueError(f"{view} does not take a single primary key")
    return head, tail


def pk_url(view: str) -> Callable[[int], str]:
    """`pk_url("proposals:detail")(7)` == `reverse("proposals:detail", args=[7])`."""
    head, tail = _template(view, get_urlconf(), get_script_prefix())
    return lambda pk: f"{head}{int(pk)}{tail}"
