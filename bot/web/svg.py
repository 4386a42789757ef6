"""SVG building blocks for the dashboard's charts: escaping, numbers, axis ticks, axes, legends, layout.

Pure functions that write pieces of an ``<svg>`` element as strings, shared by the charts in
:mod:`bot.web.charts`: escaping text (dropping characters XML forbids), writing coordinates and values,
choosing round axis ticks and date labels, the opening tag with its accessible title and description,
the y axis with its grid, the x axis labels, the legend, the empty-chart note and the plot's layout.

Colours come from the classes ``series-0`` ... ``series-7`` (see :mod:`bot.web.charts`); without a
stylesheet, lines stay apart by ``DASHES`` and bars by ``FALLBACK_OPACITY``.
"""

from __future__ import annotations

import hashlib
import html
import math
import re
from collections.abc import Callable, Sequence
from datetime import date

SERIES_CLASSES = 8
"""Series colours cycle through ``series-0`` ... ``series-7``."""
DASHES = ("", "6 3", "2 3", "8 3 2 3", "1 3", "10 4", "4 2 1 2", "3 3")
"""A dash pattern per series, so lines stay apart without colour."""
FALLBACK_OPACITY = (1.0, 0.72, 0.5, 0.34, 0.86, 0.6, 0.42, 0.26)
"""Stacked segments' opacity when no stylesheet colours them (style.css resets it to 1)."""

FONT_SIZE = 12
CHAR_WIDTH = 7.0
"""An estimate of one character's width at ``FONT_SIZE`` for layout (legends, axis labels)."""
LEGEND_ROW = 20
X_LABEL_SPACE = 72
"""At most one date label per this many pixels of axis."""

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

DateLabel = Callable[[date], str]
ValueLabel = Callable[[float], str]
LegendRows = list[list[tuple[int, str, float]]]
"""Legend items (series index, name, x) in rows."""


def text(value: object) -> str:
    """Text safe inside an element or a quoted attribute: escaped, without characters XML forbids."""
    return html.escape(_NOT_XML.sub("", str(value)), quote=True)


def num(value: float) -> str:
    """A coordinate with at most one decimal."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def format_value(value: float) -> str:
    """A value for a label: thousands separators, at most two decimals, no trailing zeros."""
    if not math.isfinite(value):
        return ""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def iso_day(day: date) -> str:
    """A day as ISO ``MM-DD`` (the charts' default date label)."""
    return f"{day:%m-%d}"


def chart_id(kind: str, *parts: object) -> str:
    """A stable id for the title and desc, derived from the chart's content (pure: no counter)."""
    digest = hashlib.sha256(repr((kind, *parts)).encode("utf-8", "surrogatepass")).hexdigest()
    return f"{kind}-{digest[:12]}"


def finite(value: float) -> bool:
    """Whether ``value`` is a finite int or float."""
    return isinstance(value, int | float) and math.isfinite(value)


def axis_ticks(low: float, high: float, *, integers: bool = False) -> list[float]:
    """Three to five round tick values covering ``low`` .. ``high`` (steps of 1, 2, 2.5 or 5 x 10^n).

    Args:
        low: The smallest value to cover.
        high: The largest value to cover.
        integers: Only whole-number steps (for counts).
    """
    if not (math.isfinite(low) and math.isfinite(high)):
        low, high = 0.0, 1.0
    low, high = min(low, high), max(low, high)
    if high - low < 1e-9 * max(1.0, abs(low)):
        high = low + max(1.0, abs(low) * 0.5)
    span = high - low
    if not math.isfinite(span):
        low, high, span = 0.0, 1.0, 1.0
    exponent = math.floor(math.log10(span / 4))
    steps = sorted(
        mantissa * 10.0**power
        for power in range(exponent - 1, exponent + 3)
        for mantissa in (1.0, 2.0, 2.5, 5.0)
        if not integers or (mantissa * 10.0**power >= 1 and float(mantissa * 10.0**power).is_integer())
    )
    if integers and not steps:
        steps = [1.0]
    for step in steps:
        first = math.floor(low / step + 1e-9) * step
        last = math.ceil(high / step - 1e-9) * step
        count = round((last - first) / step) + 1
        if count <= 5:
            break
    ticks = [first + i * step for i in range(count)]
    while len(ticks) < 3:
        ticks.append(ticks[-1] + step)
    digits = max(0, 2 - math.floor(math.log10(step)))
    return [round(tick, digits) + 0.0 for tick in ticks]


def day_labels(
    first: date,
    last: date,
    left: float,
    right: float,
    x_of: Callable[[date], float],
    date_label: DateLabel,
) -> list[tuple[float, str]]:
    """Date labels (x, text) for a calendar axis ``first`` .. ``last``: at most one per ``X_LABEL_SPACE``."""
    span = (last - first).days
    if span == 0:
        return [(x_of(first), date_label(first))]
    most = max(2, int((right - left) // X_LABEL_SPACE))
    step = max(1, math.ceil(span / (most - 1)))
    days = [first.fromordinal(first.toordinal() + offset) for offset in range(0, span + 1, step)]
    if (last - days[-1]).days * (right - left) / span >= X_LABEL_SPACE:
        days.append(last)
    return [(x_of(day), date_label(day)) for day in days]


def svg_open(kind: str, chart_id: str, width: float, height: float) -> str:
    """The opening ``<svg>`` tag of an accessible image labelled by its title and desc."""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{kind}" role="img" '
        f'width="{num(width)}" height="{num(height)}" viewBox="0 0 {num(width)} {num(height)}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" font-size="{FONT_SIZE}" direction="ltr">'
    )


def title_desc(chart_id: str, title: str, desc: str) -> str:
    """The chart's ``<title>`` and ``<desc>``, with the ids ``svg_open`` refers to."""
    return f'<title id="{chart_id}-title">{text(title)}</title><desc id="{chart_id}-desc">{text(desc)}</desc>'


def _legend_layout(names: Sequence[str], width: float, left: float) -> LegendRows:
    """Legend items (series index, name, x) wrapped into rows that fit ``width``."""
    rows: LegendRows = [[]]
    x = left
    for index, name in enumerate(names):
        item = 22 + len(name) * CHAR_WIDTH + 18
        if rows[-1] and x + item > width - 8:
            rows.append([])
            x = left
        rows[-1].append((index, name, x))
        x += item
    return rows if rows[0] else []


def legend(rows: LegendRows, top: float, *, line: bool) -> str:
    """The legend: a swatch (a dashed line, or a square for bars) and the name of each series."""
    out = ['<g class="legend">']
    for row_index, row in enumerate(rows):
        y = top + row_index * LEGEND_ROW
        for index, name, x in row:
            series = f"series-{index % SERIES_CLASSES}"
            if line:
                dash = DASHES[index % len(DASHES)]
                dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
                out.append(
                    f'<line class="swatch {series}" x1="{num(x)}" y1="{num(y)}" x2="{num(x + 16)}" '
                    f'y2="{num(y)}" stroke="currentColor" stroke-width="3"{dash_attr}/>'
                )
            else:
                opacity = FALLBACK_OPACITY[index % len(FALLBACK_OPACITY)]
                out.append(
                    f'<rect class="swatch {series}" x="{num(x)}" y="{num(y - 6)}" width="12" height="12" '
                    f'fill="currentColor" fill-opacity="{opacity}"/>'
                )
            out.append(
                f'<text class="legend-label" x="{num(x + 22)}" y="{num(y + 4)}" '
                f'fill="currentColor">{text(name)}</text>'
            )
    out.append("</g>")
    return "".join(out)


def y_axis(
    ticks: list[float], left: float, right: float, scale: Callable[[float], float], value_label: ValueLabel
) -> str:
    """The y axis: a grid line and a label per tick."""
    out = ['<g class="y-axis">']
    for tick in ticks:
        y = scale(tick)
        out.append(
            f'<line class="grid" x1="{num(left)}" y1="{num(y)}" x2="{num(right)}" y2="{num(y)}" '
            f'stroke="currentColor" stroke-opacity="0.2"/>'
        )
        out.append(
            f'<text class="axis-label" x="{num(left - 6)}" y="{num(y + 4)}" text-anchor="end" '
            f'fill="currentColor">{text(value_label(tick))}</text>'
        )
    out.append("</g>")
    return "".join(out)


def x_labels(labels: list[tuple[float, str]], y: float, width: float) -> str:
    """The x axis labels, centred on their x and kept inside the chart's width."""
    out = ['<g class="x-axis">']
    for x_center, label in labels:
        half = len(label) * CHAR_WIDTH / 2
        x = min(max(x_center, half + 2), width - half - 2)
        out.append(
            f'<text class="axis-label" x="{num(x)}" y="{num(y)}" text-anchor="middle" '
            f'fill="currentColor">{text(label)}</text>'
        )
    out.append("</g>")
    return "".join(out)


def empty_note(note: str, x: float, y: float) -> str:
    """A note centred at (x, y) for a chart without data; nothing when ``note`` is empty."""
    if not note:
        return ""
    return (
        f'<text class="chart-empty" x="{num(x)}" y="{num(y)}" text-anchor="middle" '
        f'fill="currentColor">{text(note)}</text>'
    )


def layout(
    names: Sequence[str], y_labels: Sequence[str], width: float, height: float
) -> tuple[float, float, float, float, float, LegendRows]:
    """Plot box (left, top, right, bottom), total height and legend rows; the height grows when needed."""
    left = 10 + max((len(label) for label in y_labels), default=1) * CHAR_WIDTH
    rows = _legend_layout(names, width, left)
    top = 10.0
    legend_space = len(rows) * LEGEND_ROW + (6 if rows else 0)
    bottom = height - 24 - legend_space
    if bottom - top < 80:
        bottom = top + 80
        height = bottom + 24 + legend_space
    return left, top, width - 14, bottom, height, rows
