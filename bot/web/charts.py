"""Charts for the dashboard as inline SVG: line charts, stacked bar charts and progress bars.

Pure functions from numbers to markup, rendered on the server so the dashboard needs no script to show
them and works offline. Each chart is an accessible image (``role="img"``, ``<title>`` and ``<desc>``
referenced by ``aria-labelledby``), every bar and point carries its own ``<title>`` tooltip, and every
piece of text is escaped (characters XML forbids are dropped), so a hostile campaign or series name
stays text. The SVG pieces the charts share (escaping, axes, legends, layout) are in :mod:`bot.web.svg`.

Colours: shapes are painted with ``currentColor`` and carry the classes ``series-0`` ... ``series-7``
(and ``grid``, ``axis-label``, ``line``, ``bar``, ``swatch``, ``progress-track``, ``progress-fill``),
which ``static/style.css`` colours for light and dark mode. Without the stylesheet everything is drawn in
the text colour, and lines stay apart by their dash patterns, bars by their opacity.

Words: the functions add none. Titles, descriptions and series names come from the caller (the
templates pass strings from the strings file); dates are shown through ``date_label`` (the renderer
passes one built from the strings file; the default is ISO ``MM-DD``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from datetime import date

from bot.web import svg

MARKERS_UP_TO = 45
"""Points get a marker (and its tooltip) when a line has at most this many."""
DESCRIBE_EVERY_POINT_UP_TO = 14
"""The default description lists every point of a line this short; longer ones, the first and last."""

Points = Sequence[tuple[date, float]]


def line_chart(
    series: Mapping[str, Points],
    *,
    title: str,
    width: int = 640,
    height: int = 220,
    desc: str = "",
    empty_text: str = "",
    date_label: svg.DateLabel = svg.iso_day,
    value_label: svg.ValueLabel = svg.format_value,
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
    values = [value for points in clean.values() for _, value in points if svg.finite(value)]
    days = sorted({day for points in clean.values() for day, _ in points})
    integers = all(value.is_integer() for value in values)
    ticks = svg.axis_ticks(min([0.0, *values]), max([0.0, *values]), integers=integers)
    names = list(clean)
    tick_labels = [value_label(tick) for tick in ticks]
    left, top, right, bottom, height_used, rows = svg.layout(names, tick_labels, width, height)
    chart_id = svg.chart_id("line", title, sorted(clean.items()), width, height)
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

    out = [svg.svg_open("line", chart_id, width, height_used), svg.title_desc(chart_id, title, desc)]
    out.append(svg.y_axis(ticks, left, right, y_of, value_label))
    if first and last:
        labels = svg.day_labels(first, last, left, right, x_of, date_label)
        out.append(svg.x_labels(labels, bottom + 18, width))
    else:
        out.append(svg.empty_note(empty_text, (left + right) / 2, (top + bottom) / 2))
    for index, (name, points) in enumerate(clean.items()):
        out.append(_line(index, name, points, (x_of, y_of), (date_label, value_label)))
    out.append(svg.legend(rows, bottom + 40, line=True))
    out.append("</svg>")
    return "".join(out)


def _line_summary(
    name: str, points: list[tuple[date, float]], date_label: svg.DateLabel, value_label: svg.ValueLabel
) -> str:
    finite = [(day, value) for day, value in points if svg.finite(value)]
    if not finite:
        return f"{name}: -"
    if len(finite) <= DESCRIBE_EVERY_POINT_UP_TO:
        return f"{name}: " + ", ".join(f"{date_label(day)} {value_label(value)}" for day, value in finite)
    (first_day, first_value), (last_day, last_value) = finite[0], finite[-1]
    return (
        f"{name}: {date_label(first_day)} {value_label(first_value)} … "
        f"{date_label(last_day)} {value_label(last_value)}"
    )


def _line(
    index: int,
    name: str,
    points: list[tuple[date, float]],
    scales: tuple[Callable[[date], float], Callable[[float], float]],
    labels: tuple[svg.DateLabel, svg.ValueLabel],
) -> str:
    x_of, y_of = scales
    date_label, value_label = labels
    series = f"series-{index % svg.SERIES_CLASSES}"
    segments: list[list[tuple[float, float]]] = [[]]
    for day, value in points:
        if svg.finite(value):
            segments[-1].append((x_of(day), y_of(value)))
        elif segments[-1]:
            segments.append([])
    dash = svg.DASHES[index % len(svg.DASHES)]
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    out = [f'<g class="series {series}">']
    for segment in segments:
        if not segment:
            continue
        path = " ".join(
            f"{'M' if i == 0 else 'L'}{svg.num(x)},{svg.num(y)}" for i, (x, y) in enumerate(segment)
        )
        out.append(
            f'<path class="line {series}" d="{path}" fill="none" stroke="currentColor" stroke-width="2" '
            f'stroke-linejoin="round" stroke-linecap="round"{dash_attr}/>'
        )
    finite = [(day, value) for day, value in points if svg.finite(value)]
    if len(finite) <= MARKERS_UP_TO:
        for day, value in finite:
            out.append(
                f'<circle class="marker {series}" cx="{svg.num(x_of(day))}" cy="{svg.num(y_of(value))}" '
                f'r="3" fill="currentColor">'
                f"<title>{svg.text(f'{name} · {date_label(day)}: {value_label(value)}')}</title></circle>"
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
    date_label: svg.DateLabel = svg.iso_day,
    value_label: svg.ValueLabel = svg.format_value,
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
        clean[str(name)] = [float(v) if svg.finite(v) and v > 0 else 0.0 for v in values]
    totals = [sum(values[i] for values in clean.values()) for i in range(len(days))]
    integers = all(v.is_integer() for values in clean.values() for v in values)
    ticks = svg.axis_ticks(0.0, max([0.0, *totals]), integers=integers)
    names = list(clean)
    tick_labels = [value_label(tick) for tick in ticks]
    left, top, right, bottom, height_used, rows = svg.layout(names, tick_labels, width, height)
    chart_id = svg.chart_id("bar", title, [d.isoformat() for d in days], sorted(clean.items()), width, height)
    if not desc:
        period = f" ({date_label(days[0])} – {date_label(days[-1])})" if days else ""
        desc = "; ".join(f"{name} {value_label(sum(values))}" for name, values in clean.items()) + period

    def y_of(value: float) -> float:
        return bottom - (value - ticks[0]) / (ticks[-1] - ticks[0]) * (bottom - top)

    slot = (right - left) / max(1, len(days))
    bar_width = max(1.0, min(48.0, slot * 0.72))

    def x_of(index: int) -> float:
        return left + slot * (index + 0.5)

    out = [svg.svg_open("bar", chart_id, width, height_used), svg.title_desc(chart_id, title, desc)]
    out.append(svg.y_axis(ticks, left, right, y_of, value_label))
    if days:
        every = max(1, math.ceil(len(days) / max(1, int((right - left) // svg.X_LABEL_SPACE))))
        labels = [(x_of(i), date_label(day)) for i, day in enumerate(days) if i % every == 0]
        out.append(svg.x_labels(labels, bottom + 18, width))
    else:
        out.append(svg.empty_note(empty_text, (left + right) / 2, (top + bottom) / 2))
    out.append('<g class="bars">')
    for i, day in enumerate(days):
        base = 0.0
        for index, (name, values) in enumerate(clean.items()):
            value = values[i]
            if value <= 0:
                continue
            y_top, y_bottom = y_of(base + value), y_of(base)
            series = f"series-{index % svg.SERIES_CLASSES}"
            opacity = svg.FALLBACK_OPACITY[index % len(svg.FALLBACK_OPACITY)]
            tooltip = svg.text(f"{name} · {date_label(day)}: {value_label(value)}")
            out.append(
                f'<rect class="bar {series}" x="{svg.num(x_of(i) - bar_width / 2)}" y="{svg.num(y_top)}" '
                f'width="{svg.num(bar_width)}" height="{svg.num(max(0.5, y_bottom - y_top))}" '
                f'fill="currentColor" fill-opacity="{opacity}"><title>{tooltip}</title></rect>'
            )
            base += value
    out.append("</g>")
    out.append(svg.legend(rows, bottom + 40, line=False))
    out.append("</svg>")
    return "".join(out)


def progress_bar(
    done: int, total: int, *, label: str, width: int = 220, value_label: svg.ValueLabel = svg.format_value
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
    chart_id = svg.chart_id("progress", label, done, total, width)
    bar_height = 10
    out = [
        svg.svg_open("progress", chart_id, width, 32),
        svg.title_desc(chart_id, label, reading),
        f'<rect class="progress-track" x="0" y="2" width="{width}" height="{bar_height}" rx="5" '
        f'fill="currentColor" fill-opacity="0.18"/>',
    ]
    if ratio > 0:
        out.append(
            f'<rect class="progress-fill" x="0" y="2" width="{svg.num(max(bar_height, width * ratio))}" '
            f'height="{bar_height}" rx="5" fill="currentColor"/>'
        )
    out.append(f'<text class="progress-text" x="0" y="28" fill="currentColor">{svg.text(reading)}</text>')
    out.append("</svg>")
    return "".join(out)
