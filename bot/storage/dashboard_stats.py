"""The dashboard's figures: daily rollups kept in small tables, so the overview never scans the big ones.

``refresh`` recounts only what can still change: deliveries from the oldest day that still has one
waiting (at most ``LOOKBACK_DAYS`` back), today's subscribers, recent opt-outs and the period's
challenge answers. ``overview`` reads the rollups only. :class:`LiveFigures` counts the same figures
from the base tables (full scans): the baseline the benchmark compares with, and a check in tests.
Counts only: never a person, a platform id or a message.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, delete, distinct, func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.consent_tables import consent_events
from bot.storage.dashboard_tables import (
    stats_challenges,
    stats_deliveries_daily,
    stats_opt_outs_daily,
    stats_subscribers_daily,
)
from bot.storage.db import Database
from bot.storage.dialect.days import utc_day
from bot.storage.dialect.upserts import insert_ignore
from bot.storage.tables import (
    app_state,
    campaigns,
    challenge_results,
    challenge_rounds,
    chats,
    deliveries,
    subscriptions,
    users,
)

PERIOD_DAYS = 30
"""The overview's period."""
LOOKBACK_DAYS = 35
"""Deliveries older than this are counted as they were when they last changed here (frozen)."""
OPEN = ("pending", "sending", "held")
"""Statuses a delivery can still leave (the others are final)."""
REFRESHED_KEY = "dashboard.refreshed_at"
ACTIVE_CAMPAIGNS = ("scheduled", "running")


@dataclass
class Overview:
    """What the overview page shows, read from the rollups (or counted live)."""

    days: list[str]
    subscribers: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)
    """(platform, language) -> day -> active subscriptions."""
    deliveries: dict[str, dict[str, int]] = field(default_factory=dict)
    """status -> day -> deliveries created that day."""
    opt_outs: dict[str, dict[str, int]] = field(default_factory=dict)
    """platform -> day -> chats that opted out or blocked the bot."""
    challenges: list[dict[str, Any]] = field(default_factory=list)
    campaigns_active: int = 0
    refreshed_at: datetime | None = None


def period_days(now: datetime, days: int = PERIOD_DAYS) -> list[str]:
    """The last ``days`` UTC days up to today, oldest first, as ``YYYY-MM-DD``."""
    today = now.astimezone(UTC).date()
    return [(today - timedelta(days=offset)).isoformat() for offset in range(days - 1, -1, -1)]


def _start(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


class _Queries:
    """The counting queries shared by the rollup and the live figures."""

    def __init__(self, db: Database, default_language: str) -> None:
        self.db = db
        self.default_language = default_language

    def day_of(self, column: ColumnElement[Any]) -> ColumnElement[str]:
        return utc_day(self.db.backend, column)

    def subscribers(self) -> Select[Any]:
        """(platform, language, active subscriptions) as a campaign's audience counts them."""
        language = func.coalesce(chats.c.language, users.c.language, literal(self.default_language))
        return (
            select(chats.c.platform, language.label("language"), func.count().label("count"))
            .select_from(
                subscriptions.join(chats, chats.c.id == subscriptions.c.chat_id).outerjoin(
                    users, users.c.id == chats.c.owner_user_id
                )
            )
            .where(subscriptions.c.active.is_(True), chats.c.active.is_(True))
            .group_by(chats.c.platform, language)
        )

    def deliveries(self, since: datetime | None) -> Select[Any]:
        """(day, status, count) of deliveries created since then (all when None)."""
        day = self.day_of(deliveries.c.created_at)
        query = select(day.label("day"), deliveries.c.status, func.count().label("count"))
        if since is not None:
            query = query.where(deliveries.c.created_at >= since)
        return query.group_by(day, deliveries.c.status)

    def opt_outs(self, since: datetime | None) -> Select[Any]:
        """(day, platform, count) of deliveries that found the chat gone (blocked, left, opted out)."""
        day = self.day_of(deliveries.c.finished_at)
        platform = func.coalesce(deliveries.c.platform, literal("unknown"))
        query = select(day.label("day"), platform.label("platform"), func.count().label("count")).where(
            deliveries.c.status == "blocked", deliveries.c.finished_at.is_not(None)
        )
        if since is not None:
            query = query.where(deliveries.c.finished_at >= since)
        return query.group_by(day, platform)

    def consent_opt_outs(self, since: datetime | None) -> Select[Any]:
        """(day, platform, count) of opt-outs people made (a Stop button, a STOP word, /unsubscribe)."""
        day = self.day_of(consent_events.c.at)
        query = (
            select(day.label("day"), chats.c.platform, func.count().label("count"))
            .join(chats, chats.c.id == consent_events.c.chat_id)
            .where(consent_events.c.change == "out")
        )
        if since is not None:
            query = query.where(consent_events.c.at >= since)
        return query.group_by(day, chats.c.platform)

    async def all_opt_outs(
        self, connection: AsyncConnection, since: datetime | None
    ) -> dict[tuple[str, str], int]:
        """(day, platform) -> opt-outs made plus chats found gone (blocked the bot)."""
        found: dict[tuple[str, str], int] = {}
        for query in (self.consent_opt_outs(since), self.opt_outs(since)):
            for day, platform, count in await connection.execute(query):
                found[(day, platform)] = found.get((day, platform), 0) + int(count)
        return found

    def challenges(self, since: datetime) -> Select[Any]:
        """Per language: rounds, players and how answers split, for answers since then."""
        results = challenge_results.c
        reliable = case((results.answer == "reliable", results.correct), else_=~results.correct)

        def total(condition: ColumnElement[bool]) -> ColumnElement[int]:
            return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

        return (
            select(
                challenge_rounds.c.language,
                func.count(distinct(results.round_id)).label("rounds"),
                func.count(distinct(results.user_id)).label("players"),
                total(reliable).label("reliable_shown"),
                total(and_(results.answer == "reliable", results.correct)).label("reliable_trusted"),
                total(~reliable).label("manipulative_shown"),
                total(and_(results.answer == "manipulative", results.correct)).label("manipulative_caught"),
            )
            .select_from(challenge_results.join(challenge_rounds, challenge_rounds.c.id == results.round_id))
            .where(results.answered_at >= since)
            .group_by(challenge_rounds.c.language)
        )

    async def campaigns_active(self, connection: AsyncConnection) -> int:
        query = select(func.count()).where(campaigns.c.status.in_(ACTIVE_CAMPAIGNS))
        return int((await connection.execute(query)).scalar_one())


def _fill(target: dict[Any, dict[str, int]], key: Any, day: str, count: int) -> None:
    target.setdefault(key, {})[day] = target.get(key, {}).get(day, 0) + int(count)


class DashboardStats(_Queries):
    """Repository of the rollup tables: refreshed in the background, read by the overview."""

    async def refresh(self, now: datetime, *, subscribers: bool = True) -> None:
        """Recount what may have changed since the last refresh (the first one counts everything)."""
        today = now.astimezone(UTC).date().isoformat()
        async with self.db.begin() as connection:
            since = await self._deliveries_since(connection, now)
            since_day = since.date().isoformat() if since is not None else None
            for table in (stats_deliveries_daily, stats_opt_outs_daily):
                cleared = delete(table)
                if since_day is not None:
                    cleared = cleared.where(table.c.day >= since_day)
                await connection.execute(cleared)
            columns = ["day", "status", "count"]
            await connection.execute(
                stats_deliveries_daily.insert().from_select(columns, self.deliveries(since))
            )
            opt_outs = await self.all_opt_outs(connection, since)
            if opt_outs:
                await connection.execute(
                    stats_opt_outs_daily.insert(),
                    [{"day": d, "platform": p, "count": n} for (d, p), n in opt_outs.items()],
                )
            if subscribers:
                await connection.execute(
                    delete(stats_subscribers_daily).where(stats_subscribers_daily.c.day == today)
                )
                counted = self.subscribers().subquery()
                await connection.execute(
                    stats_subscribers_daily.insert().from_select(
                        ["day", "platform", "language", "count"],
                        select(literal(today), counted.c.platform, counted.c.language, counted.c.count),
                    )
                )
            await connection.execute(delete(stats_challenges))
            columns = [column.name for column in stats_challenges.columns]
            window = _start(period_days(now)[0])
            await connection.execute(stats_challenges.insert().from_select(columns, self.challenges(window)))
            await self._stamp(connection, now)

    async def _deliveries_since(self, connection: AsyncConnection, now: datetime) -> datetime | None:
        """From when deliveries must be recounted: None the first time (no rollup yet)."""
        stamp = (
            await connection.execute(select(app_state.c.value).where(app_state.c.key == REFRESHED_KEY))
        ).scalar()
        if stamp is None:
            return None
        last = datetime.fromisoformat(stamp)
        oldest_open = (
            await connection.execute(
                select(func.min(deliveries.c.created_at)).where(deliveries.c.status.in_(OPEN))
            )
        ).scalar()
        since = last - timedelta(days=1)
        if oldest_open is not None:
            since = min(since, oldest_open.replace(tzinfo=UTC) if oldest_open.tzinfo is None else oldest_open)
        since = max(since, now - timedelta(days=LOOKBACK_DAYS))
        return _start(since.astimezone(UTC).date().isoformat())

    async def _stamp(self, connection: AsyncConnection, now: datetime) -> None:
        value = now.astimezone(UTC).isoformat()
        await connection.execute(
            insert_ignore(self.db.backend, app_state, {"key": REFRESHED_KEY, "value": value})
        )
        await connection.execute(
            update(app_state).where(app_state.c.key == REFRESHED_KEY).values(value=value)
        )

    async def overview(self, now: datetime, days: int = PERIOD_DAYS) -> Overview:
        """The overview's figures from the rollups: a few hundred rows at most."""
        result = Overview(period_days(now, days))
        first = result.days[0]
        async with self.db.begin() as connection:
            rows = await connection.execute(
                select(stats_subscribers_daily).where(stats_subscribers_daily.c.day >= first)
            )
            for row in rows:
                _fill(result.subscribers, (row.platform, row.language), row.day, row.count)
            rows = await connection.execute(
                select(stats_deliveries_daily).where(stats_deliveries_daily.c.day >= first)
            )
            for row in rows:
                _fill(result.deliveries, row.status, row.day, row.count)
            rows = await connection.execute(
                select(stats_opt_outs_daily).where(stats_opt_outs_daily.c.day >= first)
            )
            for row in rows:
                _fill(result.opt_outs, row.platform, row.day, row.count)
            rows = await connection.execute(select(stats_challenges).order_by(stats_challenges.c.language))
            result.challenges = [dict(row._mapping) for row in rows]
            result.campaigns_active = await self.campaigns_active(connection)
            stamp = (
                await connection.execute(select(app_state.c.value).where(app_state.c.key == REFRESHED_KEY))
            ).scalar()
        result.refreshed_at = datetime.fromisoformat(stamp) if stamp else None
        return result


class LiveFigures(_Queries):
    """The overview's figures counted from the base tables on every call (full scans): the baseline.

    Subscribers over time cannot be counted back from the base tables, so only today's count is given.
    """

    async def overview(self, now: datetime, days: int = PERIOD_DAYS) -> Overview:
        result = Overview(period_days(now, days))
        first = _start(result.days[0])
        today = result.days[-1]
        async with self.db.begin() as connection:
            for platform, language, count in await connection.execute(self.subscribers()):
                _fill(result.subscribers, (platform, language), today, count)
            for day, status, count in await connection.execute(self.deliveries(first)):
                _fill(result.deliveries, status, day, count)
            for (day, platform), count in (await self.all_opt_outs(connection, first)).items():
                _fill(result.opt_outs, platform, day, count)
            rows = await connection.execute(self.challenges(first))
            result.challenges = [dict(row._mapping) for row in rows]
            result.campaigns_active = await self.campaigns_active(connection)
        result.refreshed_at = now
        return result


def series(by_day: dict[str, int], days: Sequence[str]) -> list[int]:
    """One count per day of ``days`` (0 where none)."""
    return [by_day.get(day, 0) for day in days]
