"""Repository of flood-control counters: messages per person per calendar minute, shared by processes."""

from __future__ import annotations

from sqlalchemy import delete

from bot.storage.db import Database
from bot.storage.dialect.upserts import insert_or_increment
from bot.storage.tables import flood_windows


class FloodCounters:
    """Counts a person's messages in the minute they fall in; older minutes are dropped as it goes."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def count(self, key: str, window: int) -> int:
        """Add one message to ``key``'s count for minute ``window``; the count afterwards."""
        async with self._db.begin() as connection:
            result = await connection.execute(
                insert_or_increment(
                    self._db.backend,
                    flood_windows,
                    {"user_key": key, "window_start": window, "count": 1},
                    keys=["user_key", "window_start"],
                    counter="count",
                )
            )
            count = int(result.scalar_one())
            if count == 1:
                await connection.execute(
                    delete(flood_windows).where(flood_windows.c.window_start < window - 1)
                )
        return count
