"""Charts drawn on the server as SVG: no script and no CDN, readable by screen readers.

Each chart is an `<svg role="img">` named by its own `<title>` and `<desc>` (aria-labelledby), drawn
in a viewBox at 100% width so it scales down to a phone, in the Okabe–Ito palette (told apart by
people with every common kind of colour blindness). The exact numbers are in the table beside each
chart; the chart only shows their shape.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from math import ceil

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from proposals.choices import Status

from .selectors import FLOW_STAGES, Insight

# Okabe & Ito (2008), "Color Universal Design".
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
BLUISH_GREEN = "#009E73"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
REDDISH_PURPLE = "#CC79A7"
GREY = "#999999"
INK = "#222222"

WIDTH = 480
FONT = 14
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 12, 34
MOST_X_LABELS = 6


@dataclass(frozen=True)
class Series:
    name: str
    colour: str
    values: Sequence[int | float]


def _svg(template: str, *args) -> SafeString:
    """format_html with coordinates written short (one decimal at most)."""
    return format_html(
        template,
        *(f"{arg:.1f}".removesuffix(".0") if isinstance(arg, float) else arg for arg in args),
    )


def _svg_join(template: str, rows) -> SafeString:
    return mark_safe("".join(_svg(template, *row) for row in rows))  # each row escaped by _svg


def _step(top: float) -> int:
    """A round step for about four gridlines up to `top`."""
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10_000):
        if top / step <= 4:
            return step
    return ceil(top / 4)


def _frame(chart_id: str, title: str, desc: str, height: int, body: SafeString) -> SafeString:
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="insight-chart" viewBox="0 0 {} {}" '
        'width="100%" role="img" aria-labelledby="{}-title {}-desc" '
        'font-family="system-ui, sans-serif" font-size="{}">'
        '<title id="{}-title">{}</title><desc id="{}-desc">{}</desc>{}</svg>',
        WIDTH,
        height,
        chart_id,
        chart_id,
        FONT,
        chart_id,
        title,
        chart_id,
        desc,
        body,
    )


def _axes(labels: Sequence[str], top_value: float, height: int, plot_top: int) -> SafeString:
    """Gridlines with their values on the left, and every few x labels along the bottom."""
    bottom = height - BOTTOM
    step = _step(top_value)
    plot_height = bottom - plot_top
    lines = []
    for value in range(0, int(top_value) + 1, step):
        y = bottom - plot_height * value / top_value
        lines.append(
            _svg(
                '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#dddddd"/>'
                '<text x="{}" y="{}" text-anchor="end" fill="{}">{}</text>',
                LEFT,
                WIDTH - RIGHT,
                y,
                y,
                LEFT - 6,
                y + FONT / 3,
                INK,
                value,
            )
        )
    slot = (WIDTH - LEFT - RIGHT) / max(len(labels), 1)
    every = max(1, ceil(len(labels) / MOST_X_LABELS))
    for index in range(0, len(labels), every):
        lines.append(
            _svg(
                '<text x="{}" y="{}" text-anchor="middle" fill="{}">{}</text>',
                LEFT + slot * (index + 0.5),
                height - BOTTOM + FONT + 6,
                INK,
                labels[index],
            )
        )
    return mark_safe("".join(lines))  # each piece was escaped by format_html


def _scale_top(values: Sequence[float]) -> float:
    top = max(values, default=0)
    step = _step(top or 1)
    return max(step, ceil(top / step) * step)


def bar_chart(
    *, chart_id: str, title: str, desc: str, labels: Sequence[str], values: Sequence[int]
) -> SafeString:
    """Vertical bars, one per label (ideas per week)."""
    height = 240
    bottom = height - BOTTOM
    top_value = _scale_top(values)
    slot = (WIDTH - LEFT - RIGHT) / max(len(values), 1)
    bars = _svg_join(
        '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}: {}</title></rect>',
        (
            (
                LEFT + slot * index + slot * 0.15,
                bottom - (bottom - TOP) * value / top_value,
                slot * 0.7,
                (bottom - TOP) * value / top_value,
                BLUE,
                label,
                value,
            )
            for index, (label, value) in enumerate(zip(labels, values, strict=True))
        ),
    )
    body = format_html("{}{}", _axes(labels, top_value, height, TOP), bars)
    return _frame(chart_id, title, desc, height, body)


def _legend(series: Sequence[Series], y: int) -> SafeString:
    per_row = 3
    column = (WIDTH - LEFT) / per_row
    return _svg_join(
        '<rect x="{}" y="{}" width="12" height="12" fill="{}"/>'
        '<text x="{}" y="{}" fill="{}">{}</text>',
        (
            (
                LEFT + column * (index % per_row),
                y + 20 * (index // per_row),
                item.colour,
                LEFT + column * (index % per_row) + 18,
                y + 20 * (index // per_row) + 11,
                INK,
                item.name,
            )
            for index, item in enumerate(series)
        ),
    )


def stacked_bars(
    *, chart_id: str, title: str, desc: str, labels: Sequence[str], series: Sequence[Series]
) -> SafeString:
    """Bars stacked from the first series up (the cumulative flow: each stage a band)."""
    legend_rows = ceil(len(series) / 3)
    plot_top = TOP + 20 * legend_rows + 8
    height = 260 + 20 * legend_rows
    bottom = height - BOTTOM
    totals = [sum(item.values[index] for item in series) for index in range(len(labels))]
    top_value = _scale_top(totals)
    slot = (WIDTH - LEFT - RIGHT) / max(len(labels), 1)
    pieces = []
    for index, label in enumerate(labels):
        base = 0
        for item in series:
            value = item.values[index]
            if value:
                y_top = bottom - (bottom - plot_top) * (base + value) / top_value
                pieces.append(
                    _svg(
                        '<rect x="{}" y="{}" width="{}" height="{}" fill="{}">'
                        "<title>{} · {}: {}</title></rect>",
                        LEFT + slot * index + slot * 0.1,
                        y_top,
                        slot * 0.8,
                        (bottom - plot_top) * value / top_value,
                        item.colour,
                        label,
                        item.name,
                        value,
                    )
                )
            base += value
    body = format_html(
        "{}{}{}",
        _legend(series, TOP),
        _axes(labels, top_value, height, plot_top),
        mark_safe("".join(pieces)),  # each piece was escaped by format_html
    )
    return _frame(chart_id, title, desc, height, body)


def horizontal_bars(
    *,
    chart_id: str,
    title: str,
    desc: str,
    labels: Sequence[str],
    percents: Sequence[float],
    notes: Sequence[str],
) -> SafeString:
    """One bar per row, as a share of 100% (the conversion funnel), its note at the bar's end."""
    row, label_width = 34, 130
    height = TOP * 2 + row * len(labels)
    track = WIDTH - label_width - RIGHT - 90
    rows = _svg_join(
        '<text x="{}" y="{}" text-anchor="end" fill="{}">{}</text>'
        '<rect x="{}" y="{}" width="{}" height="20" fill="#eeeeee"/>'
        '<rect x="{}" y="{}" width="{}" height="20" fill="{}"/>'
        '<text x="{}" y="{}" fill="{}">{}</text>',
        (
            (
                label_width - 8,
                TOP + row * index + 15,
                INK,
                label,
                label_width,
                TOP + row * index,
                track,
                label_width,
                TOP + row * index,
                track * min(max(percent, 0), 100) / 100,
                BLUISH_GREEN,
                label_width + track + 6,
                TOP + row * index + 15,
                INK,
                note,
            )
            for index, (label, percent, note) in enumerate(
                zip(labels, percents, notes, strict=True)
            )
        ),
    )
    return _frame(chart_id, title, desc, height, rows)


# The insight page's four charts ----------------------------------------------------------------

STAGE_COLOURS = {
    Status.IDEA: SKY_BLUE,
    Status.DISCUSSION: ORANGE,
    Status.TEAM_FORMING: BLUE,
    Status.RUNNING: BLUISH_GREEN,
    Status.DONE: REDDISH_PURPLE,
    Status.ARCHIVED: GREY,
}


@dataclass(frozen=True)
class Step:
    short: str  # the chart's label (its rows are narrow)
    label: str  # the table's
    people: int
    percent: float  # of the people who came


def after_meetup_steps(insight: Insight) -> list[Step]:
    """Meetup → cheer → join, step by step, for the chart and its table alike."""
    figure = insight.meetups
    days = {"days": figure.within_days}
    return [
        Step(
            _("Came"),
            _("Came to a meetup"),
            figure.attendees,
            figure.percent(figure.attendees),
        ),
        Step(
            _("Gave a cheer"),
            _("Cheered a proposal within %(days)s days") % days,
            figure.cheered,
            figure.percent(figure.cheered),
        ),
        Step(
            _("Joined a team"),
            _("Joined a team within %(days)s days") % days,
            figure.joined,
            figure.percent(figure.joined),
        ),
    ]


def _week_label(day) -> str:
    return f"{day.month}/{day.day}"


def charts_of(insight: Insight) -> dict[str, SafeString]:
    weeks = [_week_label(week.week_start) for week in insight.ideas_per_week]
    conversion = insight.conversion
    steps = after_meetup_steps(insight)
    return {
        "ideas": bar_chart(
            chart_id="chart-ideas",
            title=_("Ideas per week"),
            desc=_("New ideas shared in each week of the period, %(total)s in all.")
            % {"total": insight.created},
            labels=weeks,
            values=[week.count for week in insight.ideas_per_week],
        ),
        "conversion": horizontal_bars(
            chart_id="chart-conversion",
            title=_("How far this period's ideas got"),
            desc=_(
                "Of the %(total)s ideas shared in the period, the share that reached each stage "
                "by the period's end."
            )
            % {"total": insight.created},
            labels=[str(Status(row.stage).label) for row in conversion],
            percents=[row.percent for row in conversion],
            notes=[f"{row.count} · {row.percent:g}%" for row in conversion],
        ),
        "flow": stacked_bars(
            chart_id="chart-flow",
            title=_("Proposals in each stage, week by week"),
            desc=_(
                "For each week of the period, how many proposals were in each stage at its end."
            ),
            labels=weeks,
            series=[
                Series(
                    name=str(Status(stage).label),
                    colour=STAGE_COLOURS[stage],
                    values=[getattr(point, stage) for point in insight.flow],
                )
                for stage in FLOW_STAGES
            ],
        ),
        "after_meetups": horizontal_bars(
            chart_id="chart-after-meetups",
            title=_("From a meetup to a cheer and a team"),
            desc=_(
                "Of the %(people)s people who came to a meetup in the period, the share who "
                "cheered a proposal and who joined a team within %(days)s days."
            )
            % {"people": insight.meetups.attendees, "days": insight.meetups.within_days},
            labels=[step.short for step in steps],
            percents=[step.percent for step in steps],
            notes=[f"{step.people} · {step.percent:g}%" for step in steps],
        ),
    }
