"""Figures for organizers (the command line's stats, the dashboard): counts only, never a person."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, func, select

from bot.storage.db import Database
from bot.storage.tables import chats, deliveries, subscriptions


class Reports:
    """Aggregate queries over subscriptions and deliveries."""

    def __init__(self, db: Database, default_language: str) -> None:
        self.db = db
        self.default_language = default_language

    async def subscribers(self) -> list[tuple[str, str, int]]:
        """(platform, language, active subscribers), by platform."""
        language = func.coalesce(chats.c.language, self.default_language)
        async with self.db.begin() as connection:
            rows = await connection.execute(
                select(chats.c.platform, language, func.count())
                .join(subscriptions, subscriptions.c.chat_id == chats.c.id)
                .where(subscriptions.c.active.is_(True), chats.c.active.is_(True))
                .group_by(chats.c.platform, language)
                .order_by(chats.c.platform)
            )
            return [(platform, lang, int(count)) for platform, lang, count in rows]

    async def deliveries_per_day(self, since: datetime) -> dict[str, dict[str, int]]:
        """Day (YYYY-MM-DD, UTC) -> status -> deliveries created that day."""
        day = func.substr(func.cast(deliveries.c.created_at, String()), 1, 10)
        async with self.db.begin() as connection:
            rows = await connection.execute(
                select(day, deliveries.c.status, func.count())
                .where(deliveries.c.created_at >= since)
                .group_by(day, deliveries.c.status)
                .order_by(day)
            )
            days: dict[str, dict[str, int]] = {}
            for when, status, count in rows:
                days.setdefault(str(when), {})[status] = int(count)
            return days
