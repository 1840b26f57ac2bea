"""Addresses of an object's pages by primary key, without resolving the URLconf every time.

A board shows a hundred cards, each linking to its page and posting to its own "move" address;
`reverse()` for each of them was a tenth of the board's render. `pk_url(view)` reverses the view
once (per URLconf and script prefix, so a deployment under a sub-path gets its own) and then only
puts the key in. The result is exactly what `reverse(view, args=[pk])` gives.
"""

from collections.abc import Callable
from functools import lru_cache
from urllib.parse import quote

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.http import RFC3986_SUBDELIMS

_SAMPLE = 8_642_097_531  # a key no pattern could mistake for anything else
_SAFE = RFC3986_SUBDELIMS + "/~:@"  # what reverse() leaves unquoted


@lru_cache(maxsize=64)
def _template(view: str, urlconf: str | None, prefix: str) -> tuple[str, str]:
    sample = reverse(view, args=[_SAMPLE], urlconf=urlconf)
    head, found, tail = sample.partition(str(_SAMPLE))
    if not found or str(_SAMPLE) in tail:
        raise ValueError(f"{view} does not take a single primary key")
    return head, tail


def _urlconf() -> str:
    """The URLconf reverse() would use: the request's own, else the settings' (so a test or a
    bench that swaps ROOT_URLCONF gets addresses of its own)."""
    return get_urlconf() or settings.ROOT_URLCONF


def pk_url(view: str) -> Callable[[int], str]:
    """`pk_url("proposals:detail")(7)` == `reverse("proposals:detail", args=[7])`."""
    head, tail = _template(view, _urlconf(), get_script_prefix())
    return lambda pk: f"{head}{int(pk)}{tail}"


def key_url(view: str) -> Callable[[str], str]:
    """The same for a view taking one text key, e.g. a member's profile by username: the key is
    quoted as reverse() quotes it (a key reverse() would refuse still goes through reverse())."""
    head, tail = _template(view, _urlconf(), get_script_prefix())

    def url(key: str) -> str:
        key = str(key)
        if not key or "/" in key:
            return reverse(view, args=[key])
        return f"{head}{quote(key, safe=_SAFE)}{tail}"

    return url
