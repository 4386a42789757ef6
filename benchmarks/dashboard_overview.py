"""How fast the dashboard's overview page renders with 1,000,000 subscriptions and 5,000,000 deliveries
on SQLite, next to a naive baseline measured in the same run.

The data set is built with set-based SQL (recursive CTEs, indexes created after the load): 1,000,000
chats on three platforms in four languages, one daily-tip subscription each (95% active), 5,000,000
deliveries over 60 days (mostly sent; some blocked, failed, skipped, pending), 20,000 challenge rounds
with 100,000 answers and 10,000 opt-outs.

Measured through the real ASGI app (a signed-in GET /dashboard/, template and SVG charts included):

- rollups: the page reads the dashboard's rollup tables (``DashboardStats``), refreshed in the
  background; the first refresh (a backfill over everything) and a later one are timed too;
- naive: the same page with every figure counted from the base tables on each request (``LiveFigures``:
  group-bys over subscriptions x chats x users and over the deliveries).

    .venv/bin/python benchmarks/dashboard_overview.py [--scale 1.0] [--requests 20] [--db PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import text

from bot.app.dashboard_server import build_dashboard
from bot.app.settings import load_settings
from bot.app.wiring import build_core
from bot.storage.dashboard_stats import DashboardStats, LiveFigures
from bot.web.context import COOKIE, DashboardContext
from bot.web.tokens import ORGANIZER, Session, new_csrf

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
STAMP = "'2026-10-01 00:00:00.000000'"


def series(count: int) -> str:
    return f"WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < {count}) "


def build_sql(chats: int, deliveries: int, rounds: int) -> list[str]:
    """The statements that fill an empty, migrated database."""
    moment = "datetime('2026-12-06 11:00:00', '-' || (i % 60) || ' days', '-' || (i % 36000) || ' seconds')"
    return [
        series(chats)
        + "INSERT INTO chats (id, platform, platform_chat_id, kind, language, timezone, active, "
        "created_at) SELECT i + 1, CASE WHEN i % 10 < 6 THEN 'telegram' WHEN i % 10 < 9 THEN 'discord' "
        "ELSE 'whatsapp' END, CAST(i AS TEXT), 'private', CASE i % 4 WHEN 0 THEN 'en' WHEN 1 THEN 'es' "
        f"WHEN 2 THEN 'fr' ELSE 'ar' END, 'UTC', 1, {STAMP} FROM n",
        series(chats)
        + "INSERT INTO subscriptions (chat_id, local_time, timezone, categories, weekdays_only, "
        "next_due_at, active, rotation_cycle, rotation_position, created_at) SELECT i + 1, '09:00', 'UTC', "
        f"NULL, 0, 1796547600 + (i % 86400), i % 20 != 0, 0, 0, {STAMP} FROM n",
        "DROP INDEX IF EXISTS ix_deliveries_claim",
        "DROP INDEX IF EXISTS ix_deliveries_chat",
        "DROP INDEX IF EXISTS ix_deliveries_created",
        series(deliveries)
        + "INSERT INTO deliveries (drop_id, chat_id, platform, language, status, attempts, "
        f"next_attempt_at, created_at, finished_at) SELECT 'tip:' || (i / {chats}) || ':' || (i % 60), "
        f"i % {chats} + 1, CASE WHEN i % 10 < 6 THEN 'telegram' WHEN i % 10 < 9 THEN 'discord' ELSE "
        "'whatsapp' END, 'en', CASE WHEN i % 60 = 0 AND i % 7 = 0 THEN 'pending' WHEN i % 50 = 0 THEN "
        "'blocked' WHEN i % 97 = 0 THEN 'failed' WHEN i % 89 = 0 THEN 'skipped' ELSE 'sent' END, 1, "
        f"{moment} || '.000000', {moment} || '.000000', {moment} || '.000000' FROM n",
        "CREATE INDEX ix_deliveries_claim ON deliveries (status, next_attempt_at)",
        "CREATE INDEX ix_deliveries_chat ON deliveries (chat_id)",
        "CREATE INDEX ix_deliveries_created ON deliveries (created_at)",
        series(20_000) + "INSERT INTO users (id, platform, platform_user_id, language, created_at) "
        f"SELECT i + 1, 'telegram', 'u' || i, 'en', {STAMP} FROM n",
        series(rounds) + "INSERT INTO challenge_rounds (id, user_id, language, items, position, status, "
        f"started_at, active_at) SELECT i + 1, i % 20000 + 1, CASE i % 4 WHEN 0 THEN 'en' WHEN 1 THEN 'es' "
        f"WHEN 2 THEN 'fr' ELSE 'ar' END, '[]', 5, 'finished', {moment} || '.000000', "
        f"{moment} || '.000000' FROM n",
        series(rounds * 5) + "INSERT INTO challenge_results (round_id, user_id, position, item_id, answer, "
        "correct, answered_at) SELECT i / 5 + 1, (i / 5) % 20000 + 1, i % 5, 'item' || (i % 5), CASE WHEN "
        f"i % 3 = 0 THEN 'reliable' ELSE 'manipulative' END, i % 4 != 0, {moment} || '.000000' FROM n",
        series(10_000) + "INSERT INTO consent_events (chat_id, kind, change, how, at) SELECT i * 97 % "
        f"{chats} + 1, 'tips', 'out', 'stop_button', {moment} || '.000000' FROM n",
    ]


async def timed_get(client: httpx.AsyncClient, count: int) -> list[float]:
    times = []
    for _ in range(count):
        start = time.perf_counter()
        response = await client.get("/dashboard/")
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
    return times


async def main(args: argparse.Namespace) -> None:
    folder = Path(args.db).parent if args.db else Path(tempfile.mkdtemp(prefix="safetybot-bench-"))
    path = Path(args.db) if args.db else folder / "dashboard.db"
    chats, deliveries = int(1_000_000 * args.scale), int(5_000_000 * args.scale)
    settings = load_settings(
        database_url=f"sqlite+aiosqlite:///{path}",
        safetybot_data_dir=folder,
        safetybot_encoder="none",
        safetybot_admins=("telegram:1",),
        safetybot_dashboard_port=8080,
        _env_file=None,
    )
    fresh = not path.exists()
    core = await build_core(settings, understanding=None, platforms={})
    try:
        if fresh:
            start = time.perf_counter()
            async with core.db.engine.begin() as connection:
                await connection.execute(text("PRAGMA synchronous=OFF"))
                for statement in build_sql(chats, deliveries, int(20_000 * args.scale) or 1):
                    await connection.execute(text(statement))
            took = time.perf_counter() - start
            print(f"built {chats:,} subscriptions and {deliveries:,} deliveries in {took:.1f} s")
        app, context = await build_dashboard(core)
        stats = context.stats
        start = time.perf_counter()
        await stats.refresh(NOW)
        first = time.perf_counter() - start
        start = time.perf_counter()
        await stats.refresh(NOW)
        later = time.perf_counter() - start
        start = time.perf_counter()
        await stats.refresh(NOW, subscribers=False)
        light = time.perf_counter() - start
        print(f"rollup refresh: first (backfill) {first:.2f} s, next {later:.2f} s, ", end="")
        print(f"without recounting subscribers {light:.2f} s")
        label = context.access.label("telegram:1")
        cookie = context.access.sessions.dump(Session(label, ORGANIZER, new_csrf(), datetime.now(UTC)))
        context.clock = type("Now", (), {"now": staticmethod(lambda: NOW)})()
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://bench", cookies={COOKIE: cookie}
        ) as client:
            await timed_get(client, 2)
            fast = await timed_get(client, args.requests)
            naive_context: DashboardContext = app.state.dashboard
            rollups: DashboardStats = naive_context.stats
            naive_context.stats = LiveFigures(core.db, "en")  # type: ignore[assignment]
            slow = await timed_get(client, 3)
            naive_context.stats = rollups
        for name, times in (("rollups", fast), ("naive, counted from the base tables", slow)):
            ordered = sorted(times)
            p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
            print(
                f"overview page, {name}: median {statistics.median(times):.1f} ms, 95th percentile "
                f"{p95:.1f} ms, slowest {ordered[-1]:.1f} ms over {len(times)} requests"
            )
        size = path.stat().st_size / 1e9
        print(
            f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python "
            f"{platform.python_version()}, SQLite file {size:.1f} GB at {path}"
        )
    finally:
        await core.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scale", type=float, default=1.0, help="1.0: 1,000,000 subscriptions, 5,000,000 deliveries"
    )
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--db", help="reuse (or create) this SQLite file instead of a temporary one")
    asyncio.run(main(parser.parse_args()))
