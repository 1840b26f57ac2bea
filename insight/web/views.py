"""The insight page, its tables as CSV, and the moderators' exports. Thin: check, parse, call the
selector, render."""

import csv
import json
from collections.abc import Iterable, Iterator
from functools import wraps

from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from proposals.web.errors import forbidden

from .. import charts, permissions, selectors
from ..exports import EXPORTS
from ..forms import DEFAULT_WEEKS, PeriodForm
from . import tables


def moderators_only(view):
    """Signed in and a moderator; anyone else is told plainly that the page is not for them."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?next={request.path}")
        if not permissions.can_see_insight(request.user):
            return forbidden(request, _("This page is for the community's moderators."))
        return view(request, *args, **kwargs)

    return wrapper


def _form(request: HttpRequest) -> PeriodForm:
    data = request.GET.copy()
    if not any(data.get(name) for name in ("weeks", "start", "end")):
        # The page opens on the default period, and its menu says which one that is.
        data["weeks"] = str(DEFAULT_WEEKS)
    return PeriodForm(data, themes=selectors.theme_names())


def _query(form: PeriodForm) -> str:
    """The period as the page's own links carry it (each CSV link gives the figures shown)."""
    period = form.period
    params = {"start": period.start.isoformat(), "end": period.last_day.isoformat()}
    if period.theme:
        params["theme"] = period.theme
    return urlencode(params)


@require_GET
@moderators_only
def insight_page(request: HttpRequest) -> HttpResponse:
    form = _form(request)
    if not form.is_valid():
        return render(request, "insight/page.html", {"form": form}, status=400)
    insight = selectors.community_insight(period=form.period)
    board = reverse("proposals:board")
    context = {
        "form": form,
        "insight": insight,
        "tables": tables.tables_of(insight),
        "charts": charts.charts_of(insight),
        "query": _query(form),
        "board_url": f"{board}?{urlencode({'theme': form.period.theme})}"
        if form.period.theme
        else board,
        "exports": list(EXPORTS),
    }
    return render(request, "insight/page.html", context)


class _Echo:
    """csv.writer writes to this and gets each line back, to stream it."""

    def write(self, value: str) -> str:
        return value


# A spreadsheet app runs a cell that starts like a formula; member text (a title, a display
# name, a note) must never become one (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, str) and value.lstrip(" ").startswith(FORMULA_START):
        return "'" + value
    return value


def _csv_lines(columns: Iterable[str], rows: Iterable[Iterable]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"  # so that spreadsheet apps read the UTF-8 (Japanese) text right
    yield writer.writerow(columns)
    for row in rows:
        yield writer.writerow([_cell(cell) for cell in row])


def _attachment(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
@moderators_only
def insight_csv(request: HttpRequest, table: str) -> HttpResponse:
    if table not in tables.TABLES:
        raise Http404
    form = _form(request)
    if not form.is_valid():
        return render(request, "insight/page.html", {"form": form}, status=400)
    insight = selectors.community_insight(period=form.period)
    shown = tables.TABLES[table](insight)
    period = form.period
    response = StreamingHttpResponse(
        _csv_lines(shown.columns, shown.rows), content_type="text/csv; charset=utf-8"
    )
    return _attachment(
        response, f"insight-{table}-{period.start.isoformat()}-{period.last_day.isoformat()}.csv"
    )


def _json_lines(rows: Iterable[dict]) -> Iterator[str]:
    yield "["
    for index, row in enumerate(rows):
        yield ("," if index else "") + "\n" + json.dumps(row, ensure_ascii=False)
    yield "\n]\n"


@require_GET
@moderators_only
def export(request: HttpRequest, kind: str, fmt: str) -> HttpResponse:
    if kind not in EXPORTS or fmt not in ("csv", "json"):
        raise Http404
    chosen = EXPORTS[kind]
    if fmt == "csv":
        lines = _csv_lines(
            chosen.columns, ([row[name] for name in chosen.columns] for row in chosen.rows())
        )
        response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    else:
        response = StreamingHttpResponse(
            _json_lines(chosen.rows()), content_type="application/json; charset=utf-8"
        )
    return _attachment(response, f"{kind}-{timezone.localdate().isoformat()}.{fmt}")
