"""The overview page and the CSV files of its tables (and of the campaigns' figures).

The figures come from the rollups (:class:`bot.storage.dashboard_stats.DashboardStats`), refreshed in
the background, so a page reads a few hundred rows whatever the number of subscribers. A CSV applies the
same privacy rule as the page: a count of people below 5 is written ``< 5``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.storage.dashboard_stats import Overview, series
from bot.web.context import DashboardContext, notice_of
from bot.web.render import PEOPLE_THRESHOLD

OUTCOMES = ("sent", "pending", "sending", "retrying", "held", "skipped", "blocked", "failed", "cancelled")
"""Delivery outcomes in the order they are stacked and listed."""


def _context(request: Request) -> DashboardContext:
    context: DashboardContext = request.app.state.dashboard
    return context


def people_cell(count: int, renderer_few: str) -> str:
    """A count of people for a CSV cell: ``< 5`` below the threshold."""
    return renderer_few if count < PEOPLE_THRESHOLD else str(count)


def page_values(figures: Overview) -> dict[str, Any]:
    """The overview template's variables (see the comment atop overview.html)."""
    days = [date.fromisoformat(day) for day in figures.days]
    latest = max((day for by_day in figures.subscribers.values() for day in by_day), default=None)
    subscriber_rows = [
        {"platform": platform, "language": language, "count": by_day.get(latest, 0)}
        for (platform, language), by_day in sorted(figures.subscribers.items())
        if latest is not None and by_day.get(latest, 0)
    ]
    deliveries = {
        outcome: series(figures.deliveries[outcome], figures.days)
        for outcome in OUTCOMES
        if outcome in figures.deliveries
    }
    opt_outs = {
        platform: series(by_day, figures.days) for platform, by_day in sorted(figures.opt_outs.items())
    }
    return {
        "period_days": len(days),
        "subscribers": {
            f"{platform}:{language}": [
                (date.fromisoformat(day), count) for day, count in sorted(by_day.items())
            ]
            for (platform, language), by_day in sorted(figures.subscribers.items())
        },
        "subscriber_rows": subscriber_rows,
        "delivery_days": days if deliveries else [],
        "deliveries": deliveries,
        "opt_out_days": days if opt_outs else [],
        "opt_outs": opt_outs,
        "challenge_rows": figures.challenges,
        "totals": {
            "subscribers": sum(row["count"] for row in subscriber_rows),
            "sent": sum(deliveries.get("sent", [])),
            "opt_outs": sum(sum(values) for values in opt_outs.values()),
            "rounds": sum(int(row["rounds"]) for row in figures.challenges),
            "campaigns_active": figures.campaigns_active,
        },
    }


async def page(request: Request) -> Response:
    context = _context(request)
    visitor = context.viewer_of(request)
    now = context.clock.now()
    figures = await context.stats.overview(now)
    values = page_values(figures)
    return context.html(
        "overview.html",
        **visitor.page("overview", notice=notice_of(request)),
        generated_at=figures.refreshed_at or now,
        **values,
    )


def csv_response(name: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> Response:
    """A CSV download (UTF-8 with a byte order mark, so spreadsheet programs read accents right)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return Response(
        "\ufeff" + buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def overview_table(name: str, figures: Overview, few: str) -> tuple[list[str], list[list[object]]] | None:
    """The header and rows of one of the overview's tables, by CSV name (None for an unknown name)."""
    values = page_values(figures)
    if name == "subscribers":
        rows: list[list[object]] = [
            [day, platform, language, people_cell(count, few)]
            for (platform, language), by_day in sorted(figures.subscribers.items())
            for day, count in sorted(by_day.items())
        ]
        return ["day", "platform", "language", "subscribers"], rows
    if name == "deliveries":
        outcomes = list(values["deliveries"])
        rows = [[day, *(values["deliveries"][o][i] for o in outcomes)] for i, day in enumerate(figures.days)]
        return ["day", *outcomes], rows
    if name == "opt-outs":
        platforms = list(values["opt_outs"])
        rows = [
            [day, *(people_cell(values["opt_outs"][p][i], few) for p in platforms)]
            for i, day in enumerate(figures.days)
        ]
        return ["day", *platforms], rows
    if name == "challenges":
        header = ["language", "rounds", "players", "reliable_shown", "reliable_trusted"]
        header += ["manipulative_shown", "manipulative_caught"]
        rows = []
        for row in figures.challenges:
            hidden = int(row["players"]) < PEOPLE_THRESHOLD
            rows.append(
                [row["language"], row["rounds"], people_cell(int(row["players"]), few)]
                + [few if hidden else row[key] for key in header[3:]]
            )
        return header, rows
    return None


async def overview_csv(request: Request) -> Response:
    context = _context(request)
    visitor = context.viewer_of(request)
    name = request.path_params["name"]
    few = f"< {PEOPLE_THRESHOLD}"
    table = overview_table(name, await context.stats.overview(context.clock.now()), few)
    if table is None:
        return context.message("not_found", 404, visitor)
    await context.record(visitor, "csv_downloaded", f"{name}.csv")
    header, rows = table
    return csv_response(f"safetybot-{name}.csv", header, rows)


def routes() -> list[BaseRoute]:
    return [Route("/overview/{name}.csv", overview_csv)]
