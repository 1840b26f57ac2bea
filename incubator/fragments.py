"""Rendered pages and parts of pages, cached under a key that names everything they show.

Page and part keys start with `proposals.freshness.current()`, a number that moves with every
change a page can show, so nothing is served after its data changed; old entries simply age out
(FRAGMENT_CACHE_SECONDS). Three kinds of use:

- `cached_page`: a whole GET page for one viewer. What differs from one request to the next is
  left as a hole and filled on every response: the CSRF token, the unread badge in the
  navigation, and messages (a page with a message waiting is simply rendered afresh).
- `render_cached`: a part shared by a page and its htmx requests (the board's columns, the
  list's results), with the CSRF hole filled the same way.
- `cached_pieces` and `cached_each`: pieces that change one by one (comments, timeline entries,
  board cards), each kept under a key made of what it shows, so a page made again after a change
  renders only what changed.

Cached HTML never holds a real CSRF token: that would hand one member's secret to another, and
break after the next login. While rendering for the cache, `holes()` (a context processor) puts
placeholders where the token and the badge go.
"""

import hashlib
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from workers.channels.inapp import nav_badge

CSRF_HOLE = "csrf-hole-7d1c0b9e"
BADGE_HOLE = "<!--nav-badge-hole-7d1c0b9e-->"
_RENDERING = "_rendering_for_cache"
T = TypeVar("T")


def holes(request: HttpRequest) -> dict:
    """Context processor: placeholders instead of per-request values, while rendering for the
    cache (listed after Django's csrf processor, so its token is the one replaced)."""
    if not getattr(request, _RENDERING, False):
        return {}
    return {"csrf_token": CSRF_HOLE, "nav_badge": mark_safe(BADGE_HOLE)}


def cache_key(*parts: Any) -> str:
    raw = "\x1f".join(str(part) for part in parts)
    return "fragment:" + hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()


def cached(parts: Iterable[Any], produce: Callable[[], Any]) -> Any:
    """The value cached under `parts`, produced (and stored) on a miss."""
    key = cache_key(*parts)
    value = cache.get(key)
    if value is None:
        value = produce()
        cache.set(key, value, settings.FRAGMENT_CACHE_SECONDS)
    return value


def cached_pieces(
    parts: Iterable[Any],
    items: Sequence[T],
    key: Callable[[T], str],
    render: Callable[[T], str],
) -> list[SafeString]:
    """Each item rendered, for pieces that change one by one (a proposal's comments, its
    timeline). `key(item)` must name everything its piece shows; all pieces under `parts` share
    one cache entry, so a new comment renders one piece, not two hundred, with one cache read.
    The entry keeps just the pieces still in use."""
    entry = cache_key("pieces", *parts)
    kept: dict[str, str] = cache.get(entry) or {}
    keys = [key(item) for item in items]
    pieces = {k: kept[k] for k in keys if k in kept}
    for k, item in zip(keys, items, strict=True):
        if k not in pieces:
            pieces[k] = render(item)
    if pieces.keys() != kept.keys():
        cache.set(entry, pieces, settings.FRAGMENT_CACHE_SECONDS)
    return [mark_safe(pieces[k]) for k in keys]


def cached_each(
    parts: Iterable[Any],
    items: Sequence[T],
    key: Callable[[T], str],
    render: Callable[[T], str],
) -> list[SafeString]:
    """Like `cached_pieces`, for pieces that many pages show in ever other combinations (a
    board card, under any filter, for any viewer): each piece is a cache entry of its own, and
    all of them are read in one go."""
    parts = list(parts)
    keys = [cache_key(*parts, key(item)) for item in items]
    found = cache.get_many(keys)
    fresh = {k: render(item) for k, item in zip(keys, items, strict=True) if k not in found}
    if fresh:
        cache.set_many(fresh, settings.FRAGMENT_CACHE_SECONDS)
    return [mark_safe(found[k] if k in found else fresh[k]) for k in keys]


def _for_cache(request: HttpRequest, render: Callable[[], Any]) -> Any:
    already = getattr(request, _RENDERING, False)
    setattr(request, _RENDERING, True)
    try:
        return render()
    finally:
        setattr(request, _RENDERING, already)


def render_cached(
    request: HttpRequest,
    template_name: str,
    parts: Iterable[Any],
    context: Callable[[], dict],
) -> SafeString:
    """`template_name` rendered with `context()` (only called on a miss), with this viewer's CSRF
    token. `parts` must name everything the output depends on besides the template."""

    def render() -> str:
        return _for_cache(
            request, lambda: render_to_string(template_name, context(), request=request)
        )

    html = cached((template_name, *parts), render)
    if getattr(request, _RENDERING, False):
        # Part of a page being rendered for the cache: the hole stays for that page's filler,
        # or the page would keep this device's token for the member's other devices.
        return mark_safe(html)
    return mark_safe(html.replace(CSRF_HOLE, get_token(request)))


def cached_page(
    request: HttpRequest, parts: Iterable[Any], render: Callable[[], HttpResponse]
) -> HttpResponse:
    """The page `render()` makes for this viewer, language and URL, cached under `parts` (which
    must name what else it depends on). Only a 200 response is kept; `render` must not stream."""
    if len(get_messages(request)):  # a message is shown once, so this page is not kept
        return render()
    key = cache_key("page", request.get_full_path(), request.user.pk, translation.get_language())
    key = cache_key(key, *parts)
    html = cache.get(key)
    if html is None:
        response = _for_cache(request, render)
        html = response.content.decode(response.charset)
        if response.status_code != 200:
            response.content = _filled(request, html)
            return response
        cache.set(key, html, settings.FRAGMENT_CACHE_SECONDS)
    return HttpResponse(_filled(request, html))


def _filled(request: HttpRequest, html: str) -> str:
    html = html.replace(CSRF_HOLE, get_token(request))
    return html.replace(BADGE_HOLE, nav_badge(request.user))
