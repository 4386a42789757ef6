"""Counting rows in the database, for tests that check what is stored (and what /forget deletes)."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.core.events import UserRef
from bot.storage.db import Database
from bot.storage.lookups import user_row
from bot.storage.tables import (
    challenge_players,
    challenge_results,
    challenge_rounds,
    challenge_seen,
    challenge_votes,
)


class ChallengeRows:
    """The challenge rows that belong to people."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def user_row_id(self, user: UserRef) -> int | None:
        async with self.db.begin() as connection:
            return (await connection.execute(select(user_row(user)))).scalar_one_or_none()

    async def rows_about(self, user_row_id: int) -> int:
        """How many challenge rows belong to a users row id."""
        total = 0
        async with self.db.begin() as connection:
            for table in (
                challenge_rounds,
                challenge_results,
                challenge_seen,
                challenge_players,
                challenge_votes,
            ):
                query = select(func.count()).where(table.c.user_id == user_row_id)
                total += (await connection.execute(query)).scalar_one()
        return total
