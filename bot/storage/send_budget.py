"""A platform's overall sending rate shared by every sender process (the database keeps the clock).

Each sender reserves a block of send slots at a time: the row's next free slot moves forward by the
block's length, atomically (the UPDATE locks the row on PostgreSQL; SQLite runs writers one at a
time), so blocks reserved by different processes never overlap and together never exceed the rate.
"""

from __future__ import annotations

from sqlalchemy import literal, update

from bot.storage.db import Database
from bot.storage.dialect.upserts import greatest, insert_ignore
from bot.storage.tables import send_budgets


class SharedSendBudget:
    """Hands out blocks of send slots for a platform, across processes."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def reserve(self, platform: str, count: int, interval: float, now: float) -> float:
        """Reserve ``count`` slots ``interval`` seconds apart; the first slot's time (seconds since 1970).

        The block starts at ``now`` or where the last reserved block ends, whichever is later.
        """
        span = count * interval
        free_from = greatest(self.db.backend, send_budgets.c.next_free, literal(now))
        async with self.db.begin() as connection:
            await connection.execute(
                insert_ignore(self.db.backend, send_budgets, {"platform": platform, "next_free": 0.0})
            )
            end = (
                await connection.execute(
                    update(send_budgets)
                    .where(send_budgets.c.platform == platform)
                    .values(next_free=free_from + span)
                    .returning(send_budgets.c.next_free)
                )
            ).scalar_one()
        return float(end) - span
