"""A board card's HTML, written in Python.

The board shows up to a hundred cards, each with some seventy values, and Django's template engine
spends about as long per value as a small function call: as a template (`{% include %}` per
card) the cards were half of the board's render. Here every value is still escaped
exactly as `{{ value }}` would escape it; the markup is the same one the template had
(the design system's classes in static/css/board.css and app.css), only put together in Python.
Change the card here, and its look in the stylesheets.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import quote

from django.utils import formats, timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from incubator.links import pk_url

from .. import selectors
from .html import esc as _e


@dataclass(frozen=True)
class CardPage:
    """What every card on one page shares: its words, translated once, and its form inputs."""

    move_to: str
    no_rush: str
    looking_for: str
    needs_people: str
    themes_label: str
    csrf_input: str  # the page's CSRF token as a hidden input (SafeString)
    filter_inputs: str  # the filters as hidden inputs (SafeString)
    next_meetup: str = ""  # "Next meetup:", for screen readers
    meetups: dict = field(default_factory=dict)  # proposal id → its next meetup the viewer sees
    # A card's page and its "move" address, by key: looked up once for the page's cards.
    detail_url: Callable[[int], str] = field(default_factory=lambda: pk_url("proposals:detail"))
    move_url: Callable[[int], str] = field(default_factory=lambda: pk_url("board:move"))


def _card_classes(view, card, facts) -> str:
    classes = ["board-card", "card"]
    if card.movable:
        classes.append("is-movable")
    if facts.relation_kind in ("proposer", "team"):
        classes.append("is-mine")
    if card.open_roles:
        classes.append("needs-people")
    return " ".join(classes)


def _move_data(card) -> str:
    """The drop targets and, for moves that ask for a note, the note's wording (board.js)."""
    if not card.movable:
        return ""
    return _moves_data(tuple(card.moves))


@lru_cache(maxsize=512)
def _moves_data(moves: tuple[selectors.TransitionOption, ...]) -> str:
    """The same for every card offered the same moves (in one language): written once."""
    targets = [move.target for move in moves if move.allowed]
    parts = [f' data-movable="true" data-targets="{_e(" ".join(targets))}"']
    for move in moves:
        if move.allowed and move.note_required:
            target = _e(move.target)
            parts.append(
                f' data-note-{target}="{_e(move.note_label)}" data-label-{target}="{_e(move.label)}"'
            )
    return "".join(parts)


def _meetup(meetup, label: str) -> str:
    """The proposal's next meetup, linked: 「📅 2026/12/07 20:00」."""
    if meetup is None:
        return ""
    when = formats.date_format(timezone.localtime(meetup.starts_at), "SHORT_DATETIME_FORMAT")
    return (
        f'<a class="badge badge-info card-meetup" href="{pk_url("meetups:detail")(meetup.pk)}" '
        f'title="{_e(meetup.title)}"><span class="icon icon-calendar" aria-hidden="true"></span>'
        f'<span class="visually-hidden">{_e(label)} {_e(meetup.title)}, </span>{_e(when)}</a>'
    )


def _meta(view, proposal, facts, page: CardPage) -> str:
    parts = [f'<span class="card-proposer">{_e(proposal.proposer.public_name)}</span>']
    if proposal.idea_from:
        # (Words are looked up outside the f-strings: makemessages does not read inside them.)
        waiting = gettext("An idea from %(name)s, waiting for them to confirm") % {
            "name": proposal.idea_from
        }
        parts.append(f'<span class="badge badge-info card-idea-from">{_e(waiting)}</span>')
    if facts.relation:
        parts.append(f'<span class="badge badge-primary card-relation">{_e(facts.relation)}</span>')
    if view.card.open_roles:
        parts.append(f'<span class="badge badge-warn card-needs">{_e(page.needs_people)}</span>')
    parts.append(
        f'<span class="badge card-time" title="{_e(view.in_stage)}">'
        '<span class="icon icon-clock" aria-hidden="true"></span>'
        f'<span class="visually-hidden">{_e(view.in_stage)}</span>'
        f'<span aria-hidden="true">{_e(view.age)}</span></span>'
    )
    if meetup := _meetup(page.meetups.get(proposal.pk), page.next_meetup):
        parts.append(meetup)
    if view.quiet:
        parts.append(
            f'<span class="badge badge-info card-quiet" title="{_e(page.no_rush)}">'
            f'<span class="icon icon-moon" aria-hidden="true"></span>{_e(view.quiet)}</span>'
        )
    return f'<p class="card-meta">{" ".join(parts)}</p>'


def _roles(roles, looking_for: str) -> str:
    """Open roles (templatetags.cards.RoleSlots) as 「デザイナー 1/2」, each with its pace."""
    if not roles:
        return ""
    items = "".join(
        f'<span class="card-role"><span class="card-role-name">{_e(role.name)}</span> '
        f'<span class="card-role-slots" aria-hidden="true">{_e(role.slots)}</span>'
        f'<span class="visually-hidden">{_e(role.spoken)}</span>'
        + (f' <span class="card-role-pace">{_e(role.pace)}</span>' if role.pace else "")
        + "</span>"
        for role in roles
    )
    return (
        f'<p class="card-roles"><span class="visually-hidden">{_e(looking_for)}</span>{items}</p>'
    )


def _themes(proposal, page: CardPage) -> str:
    themes = proposal.card_themes
    if not themes:
        return ""
    items = "".join(f"<li>{_e(theme.name)}</li>" for theme in themes)
    return f'<ul class="card-themes" aria-label="{_e(page.themes_label)}">{items}</ul>'


@lru_cache(maxsize=4096)
def _face(face) -> str:
    return f'<li class="avatar avatar-tone-{face.tone}" title="{_e(face.name)}">{_e(face.initials)}</li>'


def _faces(facts) -> str:
    faces = "".join(_face(face) for face in facts.faces)
    if facts.more:
        faces += f'<li class="avatar-more">+{facts.more}</li>'
    return faces


def _footer(view, proposal, facts, page: CardPage) -> str:
    faces = _faces(facts)
    heart = "icon-heart-filled" if facts.cheered else "icon-heart"
    cheered = " card-stat-cheered" if facts.cheered else ""
    stats = (
        f'<ul class="card-stats"><li class="card-stat{cheered}">'
        f'<span class="icon {heart}" aria-hidden="true"></span>'
        f'<span aria-hidden="true">{proposal.cheer_count}</span>'
        f'<span class="visually-hidden">{_e(view.cheers)}</span></li>'
        '<li class="card-stat"><span class="icon icon-comment" aria-hidden="true"></span>'
        f'<span aria-hidden="true">{proposal.comment_count}</span>'
        f'<span class="visually-hidden">{_e(view.comments)}</span></li></ul>'
    )
    return (
        f'<div class="card-footer"><span class="visually-hidden">{_e(view.team)}</span>'
        f'<ul class="avatars" aria-hidden="true">{faces}</ul>{stats}'
        f"{_move_menu(view, proposal, page)}</div>"
    )


@lru_cache(maxsize=512)
def _allowed_move(move: selectors.TransitionOption) -> str:
    """A move's button: the same for every card that offers it (in one language), so written
    once."""
    return (
        f'<li><button type="submit" name="to" value="{_e(move.target)}" '
        f'data-move-to="{_e(move.target)}">{_e(move.label)}</button></li>'
    )


def _move(move: selectors.TransitionOption, proposal) -> str:
    if move.allowed:
        return _allowed_move(move)
    why = f"why-{proposal.pk}-{_e(move.name)}"
    fix = f' <a href="{_e(move.fix_url)}">{_e(move.fix_label)} →</a>' if move.fix_url else ""
    return (
        f'<li class="move-blocked"><button type="button" disabled aria-describedby="{why}">'
        f'{_e(move.label)}</button> <span class="move-blocked-reason" id="{why}">'
        f"{_e(move.blocked_reason)}{fix}</span></li>"
    )


def _move_menu(view, proposal, page: CardPage) -> str:
    moves = view.card.moves
    if not moves:
        return ""
    action = page.move_url(proposal.pk)
    return (
        '<details class="move-menu">'
        f'<summary aria-label="{_e(view.move_label)}">{_e(page.move_to)}</summary>'
        f'<form method="post" action="{action}" class="move-form">{page.csrf_input}'
        f'<input type="hidden" name="from" value="{_e(proposal.status)}">{page.filter_inputs}'
        f"<ul>{''.join(_move(move, proposal) for move in moves)}</ul></form></details>"
    )


def card_html(view, page: CardPage) -> SafeString:
    """One card (`view` is a web.board.CardView)."""
    card, proposal, facts = view.card, view.card.proposal, view.facts
    title = _e(proposal.title)
    return mark_safe(
        f'<li class="{_card_classes(view, card, facts)}" id="card-{proposal.pk}" tabindex="-1" '
        f'data-id="{proposal.pk}" data-status="{_e(proposal.status)}"{_move_data(card)}>'
        f'<h3 class="card-title"><a href="{page.detail_url(proposal.pk)}" title="{title}">'
        f"{title}</a></h3>"
        f"{_meta(view, proposal, facts, page)}{_roles(view.roles, page.looking_for)}{_themes(proposal, page)}"
        f"{_footer(view, proposal, facts, page)}\n</li>\n"
    )


# The list's card (/proposals/): the same parts in the list's own layout, with the summary.


@dataclass(frozen=True)
class ListPage:
    """What every card of one list page shares, translated once."""

    needs_people: str
    looking_for: str
    themes_label: str
    list_url: str  # a theme links to the list filtered by it
    next_meetup: str = ""
    meetups: dict = field(default_factory=dict)


def list_card_html(proposal, *, roles, facts, page: ListPage) -> SafeString:
    """One card of the list: `roles` are its open roles (templatetags.cards.RoleSlots), `facts`
    its faces and the viewer's relation (templatetags.cards.CardFacts)."""
    mine = " is-mine" if facts.relation_kind in ("proposer", "team") else ""
    badges = ""
    if facts.relation:
        badges += f' <span class="badge badge-primary card-relation">{_e(facts.relation)}</span>'
    if roles:
        badges += f' <span class="badge badge-warn card-needs">{_e(page.needs_people)}</span>'
    themes = ""
    if proposal.card_themes:
        items = "".join(
            f'<li><a href="{_e(page.list_url)}?theme={_e(quote(theme.name, safe="/"))}">'
            f"{_e(theme.name)}</a></li>"
            for theme in proposal.card_themes
        )
        themes = f'<ul class="tags" aria-label="{_e(page.themes_label)}">{items}</ul>'
    members, cheers, comments = (
        proposal.member_count,
        proposal.cheer_count,
        proposal.comment_count,
    )
    # Words looked up outside the f-strings: makemessages does not read inside them.
    by = gettext("by %(name)s") % {"name": proposal.proposer.public_name}
    team = ngettext("%(counter)s member", "%(counter)s members", members) % {"counter": members}
    cheered = ngettext("%(counter)s cheer", "%(counter)s cheers", cheers) % {"counter": cheers}
    discussed = ngettext("%(counter)s comment", "%(counter)s comments", comments) % {
        "counter": comments
    }
    title = _e(proposal.title)
    return mark_safe(
        f'<article class="card proposal-card{mine}">'
        f'<div class="card-head"><span class="stage stage-{_e(proposal.status)}">'
        f"{_e(proposal.get_status_display())}</span>{badges}"
        f"{_meetup(page.meetups.get(proposal.pk), page.next_meetup)}</div>"
        f'<h2 class="card-title"><a href="{proposal.get_absolute_url()}" title="{title}">'
        f"{title}</a></h2>"
        f'<p class="card-summary">{_e(proposal.summary)}</p>'
        f"{_roles(roles, page.looking_for)}{themes}"
        '<footer class="card-footer"><div class="card-people">'
        f'<ul class="avatars" aria-hidden="true">{_faces(facts)}</ul> '
        f'<span class="card-proposer">{_e(by)}</span>'
        f'<span class="visually-hidden">{_e(team)}</span></div>'
        '<ul class="card-stats"><li><span class="icon icon-heart" aria-hidden="true"></span>'
        f'<span aria-hidden="true">{cheers}</span><span class="visually-hidden">{_e(cheered)}'
        '</span></li><li><span class="icon icon-comment" aria-hidden="true"></span>'
        f'<span aria-hidden="true">{comments}</span><span class="visually-hidden">{_e(discussed)}'
        "</span></li></ul></footer></article>"
    )
