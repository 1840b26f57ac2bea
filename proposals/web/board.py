"""The kanban board: a signed-in member's home page, its htmx partials and the drop endpoint."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.timesince import timesince
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import ngettext as translate_counted
from django.views.decorators.http import require_GET, require_POST
from django_htmx.middleware import HtmxDetails

from meetups.selectors import next_meetups_for
from members.suggestions import suited_filters

from .. import permissions, selectors, services
from ..choices import Status
from ..errors import ProposalError
from ..models import Proposal
from ..templatetags.cards import CardFacts, Relations, RoleSlots, card_facts, role_slots
from .card_html import CardPage, card_html
from .errors import described
from .html import esc

# Far beyond any column, far below what a database's OFFSET accepts.
MAX_OFFSET = 1_000_000


@lru_cache(maxsize=4096)
def _counted(language: str | None, singular: str, plural: str, number: int) -> str:
    return translate_counted(singular, plural, number)


def ngettext(singular: str, plural: str, number: int) -> str:
    """Django's ngettext, each (words, number) looked up once per language: a board asks for the
    same few counted words some four hundred times. (Named so that makemessages finds them.)"""
    return _counted(get_language(), singular, plural, number)


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def _etag(version: str, kind: str, shown: dict[str, int]) -> str:
    # The page and its columns partial share a URL (Vary: HX-Request), so their validators differ.
    opened = ".".join(f"{status}{count}" for status, count in sorted(shown.items()))
    return f"{version}-{kind}{'-' + opened if opened else ''}"


def _shown(params) -> dict[str, int]:
    """How many cards each column opened with "show more" holds in the browser: "idea:40,done:60"."""
    shown = {}
    for part in str(params.get("shown") or "").split(",")[:10]:
        status, _sep, count = part.partition(":")
        if status in Status.values and count.isdigit():
            shown[status] = min(int(count), selectors.BOARD_MAX_SHOWN)
    return shown


@dataclass(slots=True)  # not frozen: a hundred per page, and a frozen one costs six times as much
class CardView:
    """A card as the template shows it: the selector's card and its counted words, put together
    in Python. (As `{% blocktranslate count %}` tags, five per card, they were a fifth of the
    board's render time.) The faces, the viewer's relation and the open places come from
    templatetags.cards, which the list's cards share."""

    card: selectors.BoardCard
    facts: CardFacts
    roles: list[RoleSlots]
    team: str
    cheers: str
    comments: str
    age: str
    in_stage: str
    quiet: str
    move_label: str

    @classmethod
    def of(cls, card: selectors.BoardCard, *, viewer=None, words: "CardWords") -> "CardView":
        proposal = card.proposal
        members, cheers, comments = (
            proposal.member_count,
            proposal.cheer_count,
            proposal.comment_count,
        )
        quiet = card.quiet_days
        in_stage = words.age(proposal.status_changed_at)
        ngettext = words.ngettext  # the name makemessages looks for
        return cls(
            card=card,
            facts=card_facts(proposal, viewer, relations=words.relations),
            roles=role_slots(card.open_roles, ngettext=ngettext),
            team=ngettext("team of %(counter)s", "team of %(counter)s", members)
            % {"counter": members},
            cheers=ngettext("%(counter)s cheer", "%(counter)s cheers", cheers)
            % {"counter": cheers},
            comments=ngettext("%(counter)s comment", "%(counter)s comments", comments)
            % {"counter": comments},
            # The badge's short form: "today", else "3 days" (the full sentence is its name).
            age=words.today if _since_today(proposal.status_changed_at, words.now) else in_stage,
            in_stage=words.in_stage % {"time": in_stage},
            quiet=ngettext("Quiet for %(days)s day", "Quiet for %(days)s days", quiet)
            % {"days": quiet}
            if quiet
            else "",
            # The accessible name starts with the visible words (WCAG 2.5.3, label in name).
            move_label=words.move_label % {"title": proposal.title},
        )


@dataclass(frozen=True)
class CardWords:
    """The words every card of a page uses, looked up once for the page (a hundred cards asked
    the translation machinery for them some five hundred times)."""

    language: str | None
    now: datetime
    today: str
    less_than_a_day: str
    in_stage: str
    move_label: str
    relations: Relations

    @classmethod
    def for_page(cls) -> "CardWords":
        return cls(
            language=get_language(),
            now=timezone.now(),
            today=_("today"),
            less_than_a_day=_("less than a day"),
            in_stage=_("In this stage for %(time)s"),
            move_label=_("Move to… (%(title)s)"),
            relations=Relations.translated(),
        )

    def ngettext(self, singular: str, plural: str, number: int) -> str:
        return _counted(self.language, singular, plural, number)

    def age(self, moment: datetime | None) -> str:
        """templatetags.proposal_tags.age, against the page's one "now" (most cards on a busy
        board changed stage within the day: their words are looked up once)."""
        if moment is None:
            return ""
        if self.now - moment < timedelta(days=1):
            return self.less_than_a_day
        return timesince(moment, self.now, depth=1)


def _since_today(moment, now: datetime) -> bool:
    return moment is not None and now - moment < timedelta(days=1)


def _card_page(
    request: HttpRequest, filters: selectors.BoardFilters, cards: list[selectors.BoardCard]
) -> CardPage:
    """What every card on this page shares, worked out once (with each card's next meetup: one
    query for the page)."""
    # Escaped here once, not in each of a hundred cards.
    return CardPage(
        move_to=conditional_escape(_("Move to…")),
        no_rush=conditional_escape(_("No rush: everyone moves at their own pace.")),
        looking_for=conditional_escape(_("Looking for:")),
        needs_people=conditional_escape(_("Needs people")),
        themes_label=conditional_escape(_("Themes")),
        csrf_input=format_html(
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', get_token(request)
        ),
        # Repeated in every card's "move to…" form (kept when JavaScript is off).
        filter_inputs=format_html_join(
            "", '<input type="hidden" name="{}" value="{}">', filters.as_params().items()
        ),
        next_meetup=conditional_escape(_("Next meetup:")),
        meetups=next_meetups_for([card.proposal.pk for card in cards], user=request.user),
    )


def _cards(
    request: HttpRequest,
    page: CardPage,
    cards: list[selectors.BoardCard],
    *,
    words: CardWords | None = None,
) -> list[SafeString]:
    """The cards' HTML (`words`: the page's, when it writes several columns)."""
    words, viewer = words or CardWords.for_page(), permissions.Asker.of(request.user)
    return [card_html(CardView.of(card, viewer=viewer, words=words), page) for card in cards]


@dataclass(frozen=True)
class ColumnView:
    """A column as the template shows it: its cards' HTML as one value (as a hundred `{{ card }}`
    they cost the template as much again as writing them)."""

    status: str
    label: str
    explanation: str
    count: int
    has_more: bool
    shown: int  # how many cards it holds now ("show more" goes on from there)
    cards: SafeString

    @classmethod
    def of(cls, column: selectors.BoardColumn, cards: list[SafeString]) -> "ColumnView":
        return cls(
            status=column.status,
            label=column.label,
            explanation=column.explanation,
            count=column.count,
            has_more=column.has_more,
            shown=len(cards),
            cards=mark_safe("".join(cards)),  # each card escaped its own values
        )


def _counted_proposals(count: int) -> str:
    return ngettext("%(counter)s proposal", "%(counter)s proposals", count) % {"counter": count}


def _stage_tabs_html(columns: list[ColumnView]) -> SafeString:
    """The phone's stage tabs (templates/board/_columns.html puts them in their nav)."""
    tabs = []
    for index, column in enumerate(columns):
        status = esc(column.status)
        current = ' aria-current="true"' if index == 0 else ""
        tabs.append(
            f'<a class="tab" href="#column-{status}" data-stage="{status}"{current}>'
            f'{esc(column.label)} <span class="tab-count" aria-hidden="true">{column.count}</span>'
            f'<span class="visually-hidden">{esc(_counted_proposals(column.count))}</span></a>\n'
        )
    return mark_safe("".join(tabs))


def _more_button_html(status: str, *, has_more: bool, next_offset: int, filter_query: str) -> str:
    """templates/board/_more_button.html (which "show more" itself still renders, out of band)."""
    button = ""
    if has_more:
        filters = f"&amp;{esc(filter_query)}" if filter_query else ""
        label = _("Show more")  # outside the f-string, where makemessages finds it
        button = (
            '<button type="button" class="board-more-button" '
            f'hx-get="{reverse("board:more")}?status={esc(status)}&amp;offset={next_offset}'
            f'{filters}" hx-target="#cards-{esc(status)}" hx-swap="beforeend">'
            f"{esc(label)}</button>"
        )
    return f'<div id="more-{esc(status)}" class="board-more">{button}</div>'


def _columns_html(columns: list[ColumnView], *, filter_query: str) -> SafeString:
    """Every column with its cards, written in Python as the cards are (as template loops, the
    five columns' counted words and "show more" buttons cost a tenth of the board's render)."""
    empty = esc(_("Nothing here right now."))
    parts = []
    for column in columns:
        status = esc(column.status)
        parts.append(
            f'<section class="board-column board-stage-{status}" data-status="{status}" '
            f'aria-labelledby="column-{status}">\n<header class="board-column-header">\n'
            f'<h2 id="column-{status}" tabindex="-1">\n'
            f'<span class="board-column-label">{esc(column.label)}</span>\n'
            f'<span class="board-column-count"><span aria-hidden="true">{column.count}</span>'
            f'<span class="visually-hidden">{esc(_counted_proposals(column.count))}</span></span>\n'
            f'</h2>\n<p class="board-column-explanation">{esc(column.explanation)}</p>\n'
            f'</header>\n<ol id="cards-{status}" class="board-cards" data-status="{status}">\n'
            f"{column.cards}\n</ol>\n"
            + ("" if column.shown else f'<p class="board-empty">{empty}</p>\n')
            + _more_button_html(
                column.status,
                has_more=column.has_more,
                next_offset=column.shown,
                filter_query=filter_query,
            )
            + "\n</section>\n"
        )
    return mark_safe("".join(parts))


def _filter_context(filters: selectors.BoardFilters) -> dict:
    params = filters.as_params()
    return {"filters": filters, "filter_query": urlencode(params)}


def _board_context(
    request: HttpRequest,
    filters: selectors.BoardFilters,
    version: selectors.BoardVersion,
    shown: dict[str, int],
) -> dict:
    columns = selectors.board_columns(
        user=request.user, filters=filters, shown=shown, counts=version.counts
    )
    page = _card_page(request, filters, [card for column in columns for card in column.cards])
    words = CardWords.for_page()  # once for the five columns
    views = [
        ColumnView.of(column, _cards(request, page, column.cards, words=words))
        for column in columns
    ]
    context = _filter_context(filters)
    return {
        "stage_tabs": _stage_tabs_html(views),
        "columns_html": _columns_html(views, filter_query=context["filter_query"]),
        "columns_etag": _etag(version.fingerprint, "columns", shown),
        **context,
        "poll_seconds": getattr(settings, "BOARD_POLL_SECONDS", 15),
        "page_size": selectors.BOARD_PAGE_SIZE,
    }


def _not_modified(request: HttpRequest, etag: str) -> bool:
    wanted = request.headers.get("If-None-Match", "")
    return any(tag.strip().removeprefix("W/") == f'"{etag}"' for tag in wanted.split(","))


def _conditional(response: HttpResponse, etag: str) -> HttpResponse:
    response["ETag"] = f'"{etag}"'
    # Always revalidate: the board changes whenever someone moves a card.
    response["Cache-Control"] = "private, no-cache"
    patch_vary_headers(response, ["HX-Request", "Cookie", "Accept-Language"])
    return response


@login_required
@require_GET
def board(request: HtmxHttpRequest) -> HttpResponse:
    """The whole board, or only its columns for htmx (filters) and for the poll.

    An unchanged board answers 304 from one aggregate query, before anything is rendered.
    """
    filters = suited_filters(selectors.BoardFilters.from_params(request.GET), member=request.user)
    partial = bool(request.htmx) and not request.htmx.history_restore_request
    shown = _shown(request.GET)
    version = selectors.board_version(user=request.user, filters=filters)
    etag = _etag(version.fingerprint, "columns" if partial else "page", shown)
    if _not_modified(request, etag):
        return _conditional(HttpResponse(status=304), etag)
    context = _board_context(request, filters, version, shown)
    if partial:
        response = render(request, "board/_columns.html", context)
    else:
        context["themes"] = selectors.board_themes(user=request.user)
        response = render(request, "board/board.html", context)
    return _conditional(response, etag)


@login_required
@require_GET
def board_more(request: HtmxHttpRequest) -> HttpResponse:
    """The next cards of one column ("show more"), appended in place."""
    filters = suited_filters(selectors.BoardFilters.from_params(request.GET), member=request.user)
    status = request.GET.get("status", "")
    try:
        offset = int(request.GET.get("offset", "0"))
    except ValueError:
        return HttpResponseBadRequest(_("“offset” must be a number."))
    if not 0 <= offset <= MAX_OFFSET:
        return HttpResponseBadRequest(_("There are not that many cards in this column."))
    if status not in filters.statuses:
        return HttpResponseBadRequest(_("There is no such column on the board."))
    page_size = selectors.BOARD_PAGE_SIZE
    cards = selectors.board_cards(
        user=request.user, filters=filters, status=status, offset=offset, limit=page_size + 1
    )
    cards, has_more = cards[:page_size], len(cards) > page_size
    cards = _cards(request, _card_page(request, filters, cards), cards)
    return render(
        request,
        "board/_more.html",
        {
            "cards": cards,
            "status": status,
            "next_offset": offset + len(cards),
            "has_more": has_more,
            **_filter_context(filters),
        },
    )


@login_required
@require_POST
def board_move(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """A drop or a "move to…" choice. Answers with the board's truth and a message in plain words."""
    proposal = get_object_or_404(Proposal, pk=pk)
    filters = suited_filters(selectors.BoardFilters.from_params(request.POST), member=request.user)
    target = request.POST.get("to", "")
    status_code = 200
    try:
        moved = services.proposal_transition(
            proposal=proposal,
            to=target,
            by=request.user,
            note=request.POST.get("note", ""),
            seen_status=request.POST.get("from"),
        )
    except (ProposalError, ValidationError) as error:
        status_code, message = described(error)
    else:
        message = _("“%(title)s” moved to %(stage)s.") % {
            "title": moved.title,
            "stage": Status(moved.status).label,
        }
    if not request.headers.get("Accept", "").startswith("application/json"):
        # Without JavaScript the "move to…" menu is a plain form: back to the board with the message.
        (messages.success if status_code == 200 else messages.warning)(request, message)
        query = urlencode(filters.as_params())
        return redirect(reverse("proposals:board") + (f"?{query}" if query else ""))
    version = selectors.board_version(user=request.user, filters=filters)
    context = _board_context(request, filters, version, _shown(request.POST))
    return JsonResponse(
        {
            "ok": status_code == 200,
            "message": message,
            "card": f"card-{proposal.pk}",
            "columns_html": render_to_string("board/_columns.html", context, request=request),
        },
        status=status_code,
    )
