"""Repository of challenge players: daily streaks, figures for /stats, and the leaderboard opt-out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.core.discernment import current_streak, next_streak
from bot.core.events import UserRef
from bot.storage.db import Database
from bot.storage.dialect.upserts import insert_ignore
from bot.storage.lookups import count_true, user_row
from bot.storage.people import PeopleStore
from bot.storage.tables import (
    challenge_players,
    challenge_posts,
    challenge_results,
    challenge_rounds,
    challenge_votes,
)

FINISHED = "finished"


@dataclass(frozen=True, slots=True)
class PlayerStats:
    """What /stats shows."""

    rounds: int
    answered: int
    right: int
    techniques_asked: int
    techniques_right: int
    group_right: int
    streak: int
    best_streak: int
    hidden: bool


class ChallengePlayers:
    """Reads and writes players' streaks and preferences; people's rows come from ``PeopleStore``."""

    def __init__(self, db: Database, people: PeopleStore) -> None:
        self._db = db
        self._people = people

    async def ensure(self, connection: AsyncConnection, user_row_id: int) -> None:
        """The player's row, created when missing."""
        await connection.execute(
            insert_ignore(
                self._db.backend,
                challenge_players,
                {"user_id": user_row_id, "hidden": False, "streak": 0, "best_streak": 0},
            )
        )

    async def finish_day(self, user_row_id: int, today: date) -> int:
        """Count a finished round towards the player's daily streak; the streak afterwards."""
        async with self._db.begin() as connection:
            await self.ensure(connection, user_row_id)
            row = (
                await connection.execute(
                    select(challenge_players).where(challenge_players.c.user_id == user_row_id)
                )
            ).one()
            streak = next_streak(row.streak, row.last_round_date, today)
            await connection.execute(
                update(challenge_players)
                .where(challenge_players.c.user_id == user_row_id)
                .values(streak=streak, best_streak=max(streak, row.best_streak), last_round_date=today)
            )
            return streak

    async def stats(self, user: UserRef, today: date) -> PlayerStats:
        """The player's figures (all zero for someone who never played)."""
        async with self._db.begin() as connection:
            user_row_id = (await connection.execute(select(user_row(user)))).scalar_one_or_none()
            if user_row_id is None:
                return PlayerStats(0, 0, 0, 0, 0, 0, 0, 0, False)
            rounds = (
                await connection.execute(
                    select(func.count()).where(
                        challenge_rounds.c.user_id == user_row_id, challenge_rounds.c.status == FINISHED
                    )
                )
            ).scalar_one()
            answered, right, asked, named = (
                await connection.execute(
                    select(
                        func.count(),
                        count_true(challenge_results.c.correct),
                        func.count(challenge_results.c.picked_technique),
                        count_true(challenge_results.c.technique_correct),
                    ).where(challenge_results.c.user_id == user_row_id)
                )
            ).one()
            group_right = (
                await connection.execute(
                    select(func.count())
                    .select_from(challenge_votes.join(challenge_posts))
                    .where(
                        challenge_votes.c.user_id == user_row_id,
                        challenge_votes.c.correct.is_(True),
                        challenge_posts.c.revealed_at.is_not(None),
                    )
                )
            ).scalar_one()
            player = (
                await connection.execute(
                    select(challenge_players).where(challenge_players.c.user_id == user_row_id)
                )
            ).first()
        streak = current_streak(player.streak, player.last_round_date, today) if player else 0
        return PlayerStats(
            rounds=rounds,
            answered=answered,
            right=int(right),
            techniques_asked=asked,
            techniques_right=int(named),
            group_right=group_right,
            streak=streak,
            best_streak=player.best_streak if player else 0,
            hidden=bool(player.hidden) if player else False,
        )

    async def set_hidden(self, user: UserRef, hidden: bool, now: datetime) -> None:
        """Take the player off leaderboards, or put them back."""
        async with self._db.begin() as connection:
            user_row_id = await self._people.ensure_user(connection, user, now)
            await self.ensure(connection, user_row_id)
            await connection.execute(
                update(challenge_players)
                .where(challenge_players.c.user_id == user_row_id)
                .values(hidden=hidden)
            )
