"""Repository of private challenge rounds: rounds, their answers and the items dealt in them.

Every write that must happen once (an answer, a technique, moving a round on) is guarded in its WHERE
clause or by a unique key, so a double press or two processes racing change nothing twice.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.core.discernment import MANIPULATIVE, Answer, deal
from bot.core.events import ChatRef, UserRef
from bot.storage.db import Database
from bot.storage.dialect.upserts import insert_ignore
from bot.storage.people import PeopleStore
from bot.storage.tables import (
    challenge_results,
    challenge_rounds,
    challenge_seen,
    users,
)

ACTIVE = "active"
FINISHED = "finished"
ENDED = "ended"


@dataclass(frozen=True, slots=True)
class Round:
    """A private round as stored."""

    id: int
    user_row_id: int
    language: str
    items: list[str]
    position: int
    status: str
    active_at: datetime


@dataclass(frozen=True, slots=True)
class Result:
    """One stored answer of a round."""

    position: int
    item_id: str
    answer: str
    technique: str | None
    picked_technique: str | None


def _round(row: Row[Any]) -> Round:
    return Round(
        id=row.id,
        user_row_id=row.user_id,
        language=row.language,
        items=json.loads(row.items),
        position=row.position,
        status=row.status,
        active_at=row.active_at,
    )


class ChallengeRounds:
    """Reads and writes private rounds; people's rows come from ``PeopleStore``."""

    def __init__(self, db: Database, people: PeopleStore) -> None:
        self._db = db
        self._people = people

    async def start_round(
        self,
        user: UserRef,
        chat: ChatRef,
        language: str,
        all_items: Sequence[str],
        size: int,
        now: datetime,
        rng: random.Random,
    ) -> Round:
        """End the player's unfinished rounds and deal a new one from the items they have not seen."""
        async with self._db.begin() as connection:
            chat_row_id = await self._people.ensure_chat(connection, chat, user, now)
            user_row_id = await self._people.ensure_user(connection, user, now)
            unfinished = await connection.execute(
                select(challenge_rounds).where(
                    challenge_rounds.c.user_id == user_row_id, challenge_rounds.c.status == ACTIVE
                )
            )
            for row in unfinished.all():
                await self._end(connection, _round(row))
            seen = set(
                (
                    await connection.execute(
                        select(challenge_seen.c.item_id).where(challenge_seen.c.user_id == user_row_id)
                    )
                ).scalars()
            )
            dealt = deal(all_items, seen, size, rng)
            if dealt.new_cycle:
                await connection.execute(
                    delete(challenge_seen).where(challenge_seen.c.user_id == user_row_id)
                )
            await connection.execute(
                insert_ignore(
                    self._db.backend,
                    challenge_seen,
                    [{"user_id": user_row_id, "item_id": item} for item in dealt.items],
                )
            )
            inserted = await connection.execute(
                challenge_rounds.insert()
                .values(
                    user_id=user_row_id,
                    chat_id=chat_row_id,
                    language=language,
                    items=json.dumps(dealt.items),
                    position=0,
                    status=ACTIVE,
                    started_at=now,
                    active_at=now,
                )
                .returning(challenge_rounds.c.id)
            )
            round_id = inserted.scalar_one()
        return Round(round_id, user_row_id, language, dealt.items, 0, ACTIVE, now)

    async def _end(self, connection: AsyncConnection, stale: Round) -> None:
        """Mark a round ended and give back the items it dealt but never showed."""
        result = await connection.execute(
            update(challenge_rounds)
            .where(challenge_rounds.c.id == stale.id, challenge_rounds.c.status == ACTIVE)
            .values(status=ENDED)
        )
        unshown = stale.items[stale.position + 1 :]
        if result.rowcount and unshown:
            await connection.execute(
                delete(challenge_seen).where(
                    challenge_seen.c.user_id == stale.user_row_id, challenge_seen.c.item_id.in_(unshown)
                )
            )

    async def end_round(self, stale: Round) -> None:
        """An abandoned round timed out: end it."""
        async with self._db.begin() as connection:
            await self._end(connection, stale)

    async def round_of(self, user: UserRef, round_id: int) -> Round | None:
        """The round, if it exists and belongs to this person."""
        async with self._db.begin() as connection:
            row = (
                await connection.execute(
                    select(challenge_rounds)
                    .join(users, users.c.id == challenge_rounds.c.user_id)
                    .where(
                        challenge_rounds.c.id == round_id,
                        users.c.platform == user.platform,
                        users.c.platform_user_id == user.user_id,
                    )
                )
            ).first()
        return _round(row) if row is not None else None

    async def result_at(self, round_id: int, position: int) -> Result | None:
        """The stored answer at a position of a round, if any."""
        rows = await self.results(round_id)
        return next((result for result in rows if result.position == position), None)

    async def results(self, round_id: int) -> list[Result]:
        """A round's answers in order."""
        async with self._db.begin() as connection:
            rows = await connection.execute(
                select(challenge_results)
                .where(challenge_results.c.round_id == round_id)
                .order_by(challenge_results.c.position)
            )
            return [
                Result(row.position, row.item_id, row.answer, row.technique, row.picked_technique)
                for row in rows
            ]

    async def record_verdict(
        self,
        current: Round,
        *,
        answer: str,
        correct: bool,
        technique: str | None,
        now: datetime,
    ) -> bool:
        """Store the answer to the round's current item; False when it was answered already."""
        async with self._db.begin() as connection:
            inserted = await connection.execute(
                insert_ignore(
                    self._db.backend,
                    challenge_results,
                    {
                        "round_id": current.id,
                        "user_id": current.user_row_id,
                        "position": current.position,
                        "item_id": current.items[current.position],
                        "answer": answer,
                        "correct": correct,
                        "technique": technique,
                        "answered_at": now,
                    },
                )
            )
            await connection.execute(
                update(challenge_rounds).where(challenge_rounds.c.id == current.id).values(active_at=now)
            )
            return bool(inserted.rowcount)

    async def record_technique(self, current: Round, picked: str, now: datetime) -> bool:
        """Store the technique named for the current item; False when one was named already."""
        async with self._db.begin() as connection:
            changed = await connection.execute(
                update(challenge_results)
                .where(
                    challenge_results.c.round_id == current.id,
                    challenge_results.c.position == current.position,
                    challenge_results.c.answer == MANIPULATIVE,
                    challenge_results.c.technique.is_not(None),
                    challenge_results.c.picked_technique.is_(None),
                )
                .values(
                    picked_technique=picked,
                    technique_correct=challenge_results.c.technique == picked,
                )
            )
            return bool(changed.rowcount)

    async def advance(self, current: Round, now: datetime) -> bool:
        """Move the round past its current item (finishing it after the last); False when already moved."""
        finished = current.position + 1 >= len(current.items)
        values: dict[str, object] = {"position": current.position + 1, "active_at": now}
        if finished:
            values.update(status=FINISHED, finished_at=now)
        async with self._db.begin() as connection:
            changed = await connection.execute(
                update(challenge_rounds)
                .where(
                    challenge_rounds.c.id == current.id,
                    challenge_rounds.c.position == current.position,
                    challenge_rounds.c.status == ACTIVE,
                )
                .values(**values)
            )
            return bool(changed.rowcount)


def answers_of(results: Sequence[Result], verdicts: dict[str, str]) -> list[Answer]:
    """Stored results as ``Answer``s for the arithmetic (``verdicts``: item id -> real verdict)."""
    return [
        Answer(verdicts[r.item_id], r.answer, r.technique, r.picked_technique)
        for r in results
        if r.item_id in verdicts
    ]
