"""Charts for the dashboard as inline SVG: line charts, stacked bar charts and progress bars.

Pure functions from numbers to markup, rendered on the server so the dashboard needs no script to show
them and works offline. Each chart is an accessible image (``role="img"``, ``<title>`` and ``<desc>``
referenced by ``aria-labelledby``), every bar and point carries its own ``<title>`` tooltip, and every
piece of text is escaped (characters XML forbids are dropped), so a hostile campaign or series name
stays text.

Colours: shapes are painted with ``currentColor`` and carry the classes ``series-0`` ... ``series-7``
(and ``grid``, ``axis-label``, ``line``, ``bar``, ``swatch``, ``progress-track``, ``progress-fill``),
which ``static/style.css`` colours for light and dark mode. Without the stylesheet everything is drawn in
the text colour, and lines stay apart by their dash patterns, bars by their opacity.

Words: the functions add none. Titles, descriptions and series names come from the caller (the
templates pass strings from the strings file); dates are shown through ``date_label`` (the renderer
passes one built from the strings file; the default is ISO ``MM-DD``).
"""

from __future__ import annotations

import hashlib
import html
import math
import re
from collections.abc import Callable, Mapping, Sequence
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
MARKERS_UP_TO = 45
"""Points get a marker (and its tooltip) when a line has at most this many."""
DESCRIBE_EVERY_POINT_UP_TO = 14
"""The default description lists every point of a line this short; longer ones, the first and last."""

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

Points = Sequence[tuple[date, float]]
DateLabel = Callable[[date], str]
ValueLabel = Callable[[float], str]


def _text(value: object) -> str:
    """Text safe inside an element or a quoted attribute: escaped, without characters XML forbids."""
    return html.escape(_NOT_XML.sub("", str(value)), quote=True)


def _num(value: float) -> str:
    """A coordinate with at most one decimal."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def format_value(value: float) -> str:
    """A value for a label: thousands separators, at most two decimals, no trailing zeros."""
    if not math.isfinite(value):
        return ""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _iso_day(day: date) -> str:
    return f"{day:%m-%d}"


def _chart_id(kind: str, *parts: object) -> str:
    """A stable id for the title and desc, derived from the chart's content (pure: no counter)."""
    digest = hashlib.sha256(repr((kind, *parts)).encode("utf-8", "surrogatepass")).hexdigest()
    return f"{kind}-{digest[:12]}"


def _finite(value: float) -> bool:
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
    if high - low < 1e-12:
        high = low + (1.0 if low == 0 else abs(low) * 0.5)
    span = high - low
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
    return [round(tick, 10) for tick in ticks]


def _svg_open(kind: str, chart_id: str, width: float, height: float) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{kind}" role="img" '
        f'width="{_num(width)}" height="{_num(height)}" viewBox="0 0 {_num(width)} {_num(height)}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" font-size="{FONT_SIZE}" direction="ltr">'
    )


def _title_desc(chart_id: str, title: str, desc: str) -> str:
    return (
        f'<title id="{chart_id}-title">{_text(title)}</title><desc id="{chart_id}-desc">{_text(desc)}</desc>'
    )


def _legend_layout(names: Sequence[str], width: float, left: float) -> list[list[tuple[int, str, float]]]:
    """Legend items (series index, name, x) wrapped into rows that fit ``width``."""
    rows: list[list[tuple[int, str, float]]] = [[]]
    x = left
    for index, name in enumerate(names):
        item = 22 + len(name) * CHAR_WIDTH + 18
        if rows[-1] and x + item > width - 8:
            rows.append([])
            x = left
        rows[-1].append((index, name, x))
        x += item
    return rows if rows[0] else []


def _legend(rows: list[list[tuple[int, str, float]]], top: float, *, line: bool) -> str:
    out = ['<g class="legend">']
    for row_index, row in enumerate(rows):
        y = top + row_index * LEGEND_ROW
        for index, name, x in row:
            series = f"series-{index % SERIES_CLASSES}"
            if line:
                dash = DASHES[index % len(DASHES)]
                dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
                out.append(
                    f'<line class="swatch {series}" x1="{_num(x)}" y1="{_num(y)}" x2="{_num(x + 16)}" '
                    f'y2="{_num(y)}" stroke="currentColor" stroke-width="3"{dash_attr}/>'
                )
            else:
                opacity = FALLBACK_OPACITY[index % len(FALLBACK_OPACITY)]
                out.append(
                    f'<rect class="swatch {series}" x="{_num(x)}" y="{_num(y - 6)}" width="12" height="12" '
                    f'fill="currentColor" fill-opacity="{opacity}"/>'
                )
            out.append(
                f'<text class="legend-label" x="{_num(x + 22)}" y="{_num(y + 4)}" '
                f'fill="currentColor">{_text(name)}</text>'
            )
    out.append("</g>")
    return "".join(out)


def _y_axis(
    ticks: list[float], left: float, right: float, scale: Callable[[float], float], value_label: ValueLabel
) -> str:
    out = ['<g class="y-axis">']
    for tick in ticks:
        y = scale(tick)
        out.append(
            f'<line class="grid" x1="{_num(left)}" y1="{_num(y)}" x2="{_num(right)}" y2="{_num(y)}" '
            f'stroke="currentColor" stroke-opacity="0.2"/>'
        )
        out.append(
            f'<text class="axis-label" x="{_num(left - 6)}" y="{_num(y + 4)}" text-anchor="end" '
            f'fill="currentColor">{_text(value_label(tick))}</text>'
        )
    out.append("</g>")
    return "".join(out)


def _x_labels(labels: list[tuple[float, str]], y: float) -> str:
    out = ['<g class="x-axis">']
    for x, label in labels:
        out.append(
            f'<text class="axis-label" x="{_num(x)}" y="{_num(y)}" text-anchor="middle" '
            f'fill="currentColor">{_text(label)}</text>'
        )
    out.append("</g>")
    return "".join(out)


def _empty_note(text: str, x: float, y: float) -> str:
    if not text:
        return ""
    return (
        f'<text class="chart-empty" x="{_num(x)}" y="{_num(y)}" text-anchor="middle" '
        f'fill="currentColor">{_text(text)}</text>'
    )


def _layout(
    names: Sequence[str], y_labels: Sequence[str], width: float, height: float
) -> tuple[float, float, float, float, float, list[list[tuple[int, str, float]]]]:
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


def line_chart(
    series: Mapping[str, Points],
    *,
    title: str,
    width: int = 640,
    height: int = 220,
    desc: str = "",
    empty_text: str = "",
    date_label: DateLabel = _iso_day,
    value_label: ValueLabel = format_value,
) -> str:
    """Several lines over days, with a y axis of 3 to 5 round ticks and a legend.

    Days are placed on a calendar scale (a missing day leaves a proportional gap); a non-finite value
    breaks its line.

    Args:
        series: Name -> (day, value) points; the name is shown in the legend and tooltips.
        title: The chart's accessible name.
        width: Width in pixels (the SVG scales down with its container).
        height: Height in pixels; grows when a long legend needs room.
        desc: The accessible description; by default a language-neutral summary of the data.
        empty_text: Shown in the middle when there is no data.
        date_label: How a day is written on the x axis and in tooltips.
        value_label: How a value is written on the y axis and in tooltips.

    Returns:
        The ``<svg>`` element as a string.
    """
    clean = {
        str(name): sorted((day, float(value)) for day, value in points if isinstance(day, date))
        for name, points in series.items()
    }
    values = [value for points in clean.values() for _, value in points if _finite(value)]
    days = sorted({day for points in clean.values() for day, _ in points})
    integers = all(value.is_integer() for value in values)
    ticks = axis_ticks(min([0.0, *values]), max([0.0, *values]), integers=integers)
    names = list(clean)
    tick_labels = [value_label(tick) for tick in ticks]
    left, top, right, bottom, height_used, rows = _layout(names, tick_labels, width, height)
    chart_id = _chart_id("line", title, sorted(clean.items()), width, height)
    if not desc:
        desc = "; ".join(_line_summary(name, pts, date_label, value_label) for name, pts in clean.items())

    def y_of(value: float) -> float:
        return bottom - (value - ticks[0]) / (ticks[-1] - ticks[0]) * (bottom - top)

    first, last = (days[0], days[-1]) if days else (None, None)
    span = (last - first).days if first and last else 0

    def x_of(day: date) -> float:
        if not first or span == 0:
            return (left + right) / 2
        return left + (day - first).days / span * (right - left)

    out = [_svg_open("line", chart_id, width, height_used), _title_desc(chart_id, title, desc)]
    out.append(_y_axis(ticks, left, right, y_of, value_label))
    if first and last:
        out.append(_x_labels(_day_labels(first, last, left, right, x_of, date_label), bottom + 18))
    else:
        out.append(_empty_note(empty_text, (left + right) / 2, (top + bottom) / 2))
    for index, (name, points) in enumerate(clean.items()):
        out.append(_line(index, name, points, (x_of, y_of), (date_label, value_label)))
    out.append(_legend(rows, bottom + 40, line=True))
    out.append("</svg>")
    return "".join(out)


def _line_summary(
    name: str, points: list[tuple[date, float]], date_label: DateLabel, value_label: ValueLabel
) -> str:
    finite = [(day, value) for day, value in points if _finite(value)]
    if not finite:
        return f"{name}: -"
    if len(finite) <= DESCRIBE_EVERY_POINT_UP_TO:
        return f"{name}: " + ", ".join(f"{date_label(day)} {value_label(value)}" for day, value in finite)
    (first_day, first_value), (last_day, last_value) = finite[0], finite[-1]
    return (
        f"{name}: {date_label(first_day)} {value_label(first_value)} … "
        f"{date_label(last_day)} {value_label(last_value)}"
    )


def _day_labels(
    first: date,
    last: date,
    left: float,
    right: float,
    x_of: Callable[[date], float],
    date_label: DateLabel,
) -> list[tuple[float, str]]:
    span = (last - first).days
    if span == 0:
        return [(x_of(first), date_label(first))]
    most = max(2, int((right - left) // X_LABEL_SPACE))
    step = max(1, math.ceil(span / (most - 1)))
    days = [first.fromordinal(first.toordinal() + offset) for offset in range(0, span + 1, step)]
    if (last - days[-1]).days * (right - left) / span >= X_LABEL_SPACE:
        days.append(last)
    return [(x_of(day), date_label(day)) for day in days]


def _line(
    index: int,
    name: str,
    points: list[tuple[date, float]],
    scales: tuple[Callable[[date], float], Callable[[float], float]],
    labels: tuple[DateLabel, ValueLabel],
) -> str:
    x_of, y_of = scales
    date_label, value_label = labels
    series = f"series-{index % SERIES_CLASSES}"
    segments: list[list[tuple[float, float]]] = [[]]
    for day, value in points:
        if _finite(value):
            segments[-1].append((x_of(day), y_of(value)))
        elif segments[-1]:
            segments.append([])
    dash = DASHES[index % len(DASHES)]
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    out = [f'<g class="series {series}">']
    for segment in segments:
        if not segment:
            continue
        path = " ".join(f"{'M' if i == 0 else 'L'}{_num(x)},{_num(y)}" for i, (x, y) in enumerate(segment))
        out.append(
            f'<path class="line {series}" d="{path}" fill="none" stroke="currentColor" stroke-width="2" '
            f'stroke-linejoin="round" stroke-linecap="round"{dash_attr}/>'
        )
    finite = [(day, value) for day, value in points if _finite(value)]
    if len(finite) <= MARKERS_UP_TO:
        for day, value in finite:
            out.append(
                f'<circle class="marker {series}" cx="{_num(x_of(day))}" cy="{_num(y_of(value))}" r="3" '
                f'fill="currentColor"><title>{_text(f"{name} · {date_label(day)}: {value_label(value)}")}'
                "</title></circle>"
            )
    out.append("</g>")
    return "".join(out)


def bar_chart(
    days: Sequence[date],
    stacks: Mapping[str, Sequence[float]],
    *,
    title: str,
    width: int = 640,
    height: int = 220,
    desc: str = "",
    empty_text: str = "",
    date_label: DateLabel = _iso_day,
    value_label: ValueLabel = format_value,
) -> str:
    """Stacked bars, one per day (e.g. deliveries by outcome), with a y axis and a legend.

    Stacks are drawn bottom to top in the mapping's order, which is also the legend's order.
    Negative and non-finite values count as 0.

    Args:
        days: The days, one bar each, in the order to draw them.
        stacks: Name -> one value per day (same length as ``days``).
        title: The chart's accessible name.
        width: Width in pixels (the SVG scales down with its container).
        height: Height in pixels; grows when a long legend needs room.
        desc: The accessible description; by default a language-neutral summary of the totals.
        empty_text: Shown in the middle when there are no days.
        date_label: How a day is written on the x axis and in tooltips.
        value_label: How a value is written on the y axis and in tooltips.

    Returns:
        The ``<svg>`` element as a string.

    Raises:
        ValueError: When a stack does not have one value per day.
    """
    days = list(days)
    clean: dict[str, list[float]] = {}
    for name, values in stacks.items():
        if len(values) != len(days):
            raise ValueError(f"stack {name!r} has {len(values)} values for {len(days)} days")
        clean[str(name)] = [float(v) if _finite(v) and v > 0 else 0.0 for v in values]
    totals = [sum(values[i] for values in clean.values()) for i in range(len(days))]
    integers = all(v.is_integer() for values in clean.values() for v in values)
    ticks = axis_ticks(0.0, max([0.0, *totals]), integers=integers)
    names = list(clean)
    tick_labels = [value_label(tick) for tick in ticks]
    left, top, right, bottom, height_used, rows = _layout(names, tick_labels, width, height)
    chart_id = _chart_id("bar", title, [d.isoformat() for d in days], sorted(clean.items()), width, height)
    if not desc:
        period = f" ({date_label(days[0])} – {date_label(days[-1])})" if days else ""
        desc = "; ".join(f"{name} {value_label(sum(values))}" for name, values in clean.items()) + period

    def y_of(value: float) -> float:
        return bottom - (value - ticks[0]) / (ticks[-1] - ticks[0]) * (bottom - top)

    slot = (right - left) / max(1, len(days))
    bar_width = max(1.0, min(48.0, slot * 0.72))

    def x_of(index: int) -> float:
        return left + slot * (index + 0.5)

    out = [_svg_open("bar", chart_id, width, height_used), _title_desc(chart_id, title, desc)]
    out.append(_y_axis(ticks, left, right, y_of, value_label))
    if days:
        every = max(1, math.ceil(len(days) / max(1, int((right - left) // X_LABEL_SPACE))))
        labels = [(x_of(i), date_label(day)) for i, day in enumerate(days) if i % every == 0]
        out.append(_x_labels(labels, bottom + 18))
    else:
        out.append(_empty_note(empty_text, (left + right) / 2, (top + bottom) / 2))
    out.append('<g class="bars">')
    for i, day in enumerate(days):
        base = 0.0
        for index, (name, values) in enumerate(clean.items()):
            value = values[i]
            if value <= 0:
                continue
            y_top, y_bottom = y_of(base + value), y_of(base)
            series = f"series-{index % SERIES_CLASSES}"
            opacity = FALLBACK_OPACITY[index % len(FALLBACK_OPACITY)]
            tooltip = _text(f"{name} · {date_label(day)}: {value_label(value)}")
            out.append(
                f'<rect class="bar {series}" x="{_num(x_of(i) - bar_width / 2)}" y="{_num(y_top)}" '
                f'width="{_num(bar_width)}" height="{_num(max(0.5, y_bottom - y_top))}" fill="currentColor" '
                f'fill-opacity="{opacity}"><title>{tooltip}</title></rect>'
            )
            base += value
    out.append("</g>")
    out.append(_legend(rows, bottom + 40, line=False))
    out.append("</svg>")
    return "".join(out)


def progress_bar(
    done: int, total: int, *, label: str, width: int = 220, value_label: ValueLabel = format_value
) -> str:
    """A progress bar with ``done / total`` and the percentage (rounded down) written beside it.

    Valid for any numbers: a total of 0 draws an empty bar reading ``0 / 0``; ``done`` is clamped to
    ``0 .. total`` for the bar (the text shows the numbers as given, negatives as 0).

    Args:
        done: Finished items (e.g. deliveries sent, blocked or failed).
        total: All items.
        label: The accessible name (e.g. the campaign's name with "progress").
        width: Width of the bar in pixels.
        value_label: How the numbers are written.

    Returns:
        The ``<svg>`` element as a string.
    """
    done, total = max(0, int(done)), max(0, int(total))
    ratio = min(1.0, done / total) if total else 0.0
    percent = f" · {done * 100 // total if done <= total else 100}%" if total else ""
    reading = f"{value_label(done)} / {value_label(total)}{percent}"
    chart_id = _chart_id("progress", label, done, total, width)
    bar_height = 10
    out = [
        _svg_open("progress", chart_id, width, 32),
        _title_desc(chart_id, label, reading),
        f'<rect class="progress-track" x="0" y="2" width="{width}" height="{bar_height}" rx="5" '
        f'fill="currentColor" fill-opacity="0.18"/>',
    ]
    if ratio > 0:
        out.append(
            f'<rect class="progress-fill" x="0" y="2" width="{_num(max(bar_height, width * ratio))}" '
            f'height="{bar_height}" rx="5" fill="currentColor"/>'
        )
    out.append(f'<text class="progress-text" x="0" y="28" fill="currentColor">{_text(reading)}</text>')
    out.append("</svg>")
    return "".join(out)
