"""Flood control: more than N messages a minute from one person gets one notice, then silence.

Counters live in the database, so several bot processes share them.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import delete

from bot.core.events import UserRef
from bot.storage.db import Database
from bot.storage.dialect import insert_or_increment
from bot.storage.people import flood_key
from bot.storage.tables import flood_windows


class FloodVerdict(StrEnum):
    """What to do with a message."""

    ALLOW = "allow"
    NOTIFY = "notify"
    """The first message over the limit this minute: answer with one notice."""
    DROP = "drop"


class FloodGate:
    """Counts messages per person per calendar minute."""

    def __init__(self, db: Database, limit_per_minute: int) -> None:
        self._db = db
        self.limit = limit_per_minute

    async def check(self, user: UserRef, now: datetime) -> FloodVerdict:
        """Count this message and say whether to answer it."""
        window = int(now.timestamp()) // 60
        async with self._db.begin() as connection:
            result = await connection.execute(
                insert_or_increment(
                    self._db.dialect,
                    flood_windows,
                    {"user_key": flood_key(user), "window_start": window, "count": 1},
                    keys=["user_key", "window_start"],
                    counter="count",
                )
            )
            count = int(result.scalar_one())
            if count == 1:
                await connection.execute(
                    delete(flood_windows).where(flood_windows.c.window_start < window - 1)
                )
        if count <= self.limit:
            return FloodVerdict.ALLOW
        return FloodVerdict.NOTIFY if count == self.limit + 1 else FloodVerdict.DROP
