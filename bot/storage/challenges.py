"""Repository of the challenge tables: rounds and their answers, dealt items, players, group posts and votes.

Every write that must happen once (an answer, a technique, moving a round on, a reveal) is guarded in its
WHERE clause or by a unique key, so a double press or two processes racing change nothing twice.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, ScalarSelect, and_, case, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.core.events import ChatRef, UserRef
from bot.services.challenges.discernment import MANIPULATIVE, Answer, current_streak, deal, next_streak
from bot.storage.db import Database
from bot.storage.dialect import insert_ignore
from bot.storage.people import PeopleStore
from bot.storage.tables import (
    challenge_players,
    challenge_posts,
    challenge_results,
    challenge_rounds,
    challenge_seen,
    challenge_votes,
    chats,
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


@dataclass(frozen=True, slots=True)
class Post:
    """An item posted in a group."""

    id: int
    chat_row_id: int
    item_id: str
    language: str
    reveal_due_at: datetime
    revealed: bool


@dataclass(frozen=True, slots=True)
class Standing:
    """One line of a leaderboard."""

    name: str | None
    score: int


def _chat_row(chat: ChatRef) -> ScalarSelect[int]:
    """The chat's row id as a subquery (no row: matches nothing)."""
    return (
        select(chats.c.id)
        .where(chats.c.platform == chat.platform, chats.c.platform_chat_id == chat.chat_id)
        .scalar_subquery()
    )


def _count_true(column: ColumnElement[Any]) -> ColumnElement[int]:
    """How many rows have this boolean column true (portable: no boolean sums)."""
    return func.coalesce(func.sum(case((column.is_(True), 1), else_=0)), 0)


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


def _post(row: Row[Any]) -> Post:
    return Post(
        row.id, row.chat_id, row.item_id, row.language, row.reveal_due_at, row.revealed_at is not None
    )


class ChallengeStore:
    """Reads and writes challenge state; people's rows come from ``PeopleStore``."""

    def __init__(self, db: Database, people: PeopleStore) -> None:
        self._db = db
        self._people = people

    async def _user_row(self, connection: AsyncConnection, user: UserRef) -> int | None:
        row = await connection.execute(
            select(users.c.id).where(
                users.c.platform == user.platform, users.c.platform_user_id == user.user_id
            )
        )
        return row.scalar_one_or_none()

    async def _ensure_player(self, connection: AsyncConnection, user_row_id: int) -> None:
        await connection.execute(
            insert_ignore(
                self._db.dialect,
                challenge_players,
                {"user_id": user_row_id, "hidden": False, "streak": 0, "best_streak": 0},
            )
        )

    # Private rounds

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
                    self._db.dialect,
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
                    self._db.dialect,
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

    async def finish_day(self, user_row_id: int, today: date) -> int:
        """Count a finished round towards the player's daily streak; the streak afterwards."""
        async with self._db.begin() as connection:
            await self._ensure_player(connection, user_row_id)
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
            user_row_id = await self._user_row(connection, user)
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
                        _count_true(challenge_results.c.correct),
                        func.count(challenge_results.c.picked_technique),
                        _count_true(challenge_results.c.technique_correct),
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

    # Groups

    async def open_post(self, chat: ChatRef) -> Post | None:
        """The group's newest unrevealed post, if any."""
        async with self._db.begin() as connection:
            row = (
                await connection.execute(
                    select(challenge_posts)
                    .where(
                        challenge_posts.c.chat_id == _chat_row(chat), challenge_posts.c.revealed_at.is_(None)
                    )
                    .order_by(challenge_posts.c.id.desc())
                    .limit(1)
                )
            ).first()
        return _post(row) if row is not None else None

    async def due_posts(self, chat: ChatRef, now: datetime) -> list[Post]:
        """The group's unrevealed posts whose reveal time has passed."""
        async with self._db.begin() as connection:
            rows = await connection.execute(
                select(challenge_posts)
                .where(
                    challenge_posts.c.chat_id == _chat_row(chat),
                    challenge_posts.c.revealed_at.is_(None),
                    challenge_posts.c.reveal_due_at <= now,
                )
                .order_by(challenge_posts.c.id)
            )
            return [_post(row) for row in rows]

    async def create_post(
        self,
        chat: ChatRef,
        user: UserRef,
        language: str,
        all_items: Sequence[str],
        now: datetime,
        reveal_due_at: datetime,
        rng: random.Random,
    ) -> Post:
        """Post an item in a group: one the group has not had yet, else one it had longest ago."""
        async with self._db.begin() as connection:
            chat_row_id = await self._people.ensure_chat(connection, chat, user, now)
            last_posted = {
                row.item_id: row.last
                for row in await connection.execute(
                    select(challenge_posts.c.item_id, func.max(challenge_posts.c.posted_at).label("last"))
                    .where(challenge_posts.c.chat_id == chat_row_id)
                    .group_by(challenge_posts.c.item_id)
                )
            }
            fresh = [item for item in all_items if item not in last_posted]
            item_id = rng.choice(fresh) if fresh else min(all_items, key=lambda item: last_posted[item])
            inserted = await connection.execute(
                challenge_posts.insert()
                .values(
                    chat_id=chat_row_id,
                    item_id=item_id,
                    language=language,
                    posted_at=now,
                    reveal_due_at=reveal_due_at,
                )
                .returning(challenge_posts.c.id)
            )
            post_id = inserted.scalar_one()
        return Post(post_id, chat_row_id, item_id, language, reveal_due_at, False)

    async def post(self, chat: ChatRef, post_id: int) -> Post | None:
        """A post of this group by id (None for another group's)."""
        async with self._db.begin() as connection:
            row = (
                await connection.execute(
                    select(challenge_posts).where(
                        challenge_posts.c.id == post_id, challenge_posts.c.chat_id == _chat_row(chat)
                    )
                )
            ).first()
        return _post(row) if row is not None else None

    async def vote(
        self, post: Post, user: UserRef, display_name: str | None, answer: str, correct: bool, now: datetime
    ) -> bool:
        """Record a person's answer to a group post; False when they answered already."""
        async with self._db.begin() as connection:
            user_row_id = await self._people.ensure_user(connection, user, now)
            await self._ensure_player(connection, user_row_id)
            await connection.execute(
                update(challenge_players)
                .where(challenge_players.c.user_id == user_row_id)
                .values(display_name=display_name)
            )
            inserted = await connection.execute(
                insert_ignore(
                    self._db.dialect,
                    challenge_votes,
                    {
                        "post_id": post.id,
                        "user_id": user_row_id,
                        "answer": answer,
                        "correct": correct,
                        "answered_at": now,
                    },
                )
            )
            return bool(inserted.rowcount)

    async def reveal(self, post: Post, now: datetime) -> dict[str, int] | None:
        """Mark a post revealed and return its votes per answer; None when it was revealed already."""
        async with self._db.begin() as connection:
            changed = await connection.execute(
                update(challenge_posts)
                .where(challenge_posts.c.id == post.id, challenge_posts.c.revealed_at.is_(None))
                .values(revealed_at=now)
            )
            if not changed.rowcount:
                return None
            rows = await connection.execute(
                select(challenge_votes.c.answer, func.count())
                .where(challenge_votes.c.post_id == post.id)
                .group_by(challenge_votes.c.answer)
            )
            return {row[0]: row[1] for row in rows}

    async def leaderboard(self, chat: ChatRef, since: datetime | None, limit: int = 10) -> list[Standing]:
        """The group's top players by right answers to revealed posts (hidden players left out)."""
        score = func.count().label("score")
        conditions = [
            challenge_posts.c.chat_id == _chat_row(chat),
            challenge_posts.c.revealed_at.is_not(None),
            challenge_votes.c.correct.is_(True),
            challenge_players.c.hidden.is_(False),
        ]
        if since is not None:
            conditions.append(challenge_votes.c.answered_at >= since)
        async with self._db.begin() as connection:
            rows = await connection.execute(
                select(challenge_players.c.display_name, score)
                .select_from(
                    challenge_votes.join(challenge_posts).join(
                        challenge_players, challenge_players.c.user_id == challenge_votes.c.user_id
                    )
                )
                .where(and_(*conditions))
                .group_by(challenge_votes.c.user_id, challenge_players.c.display_name)
                .order_by(score.desc(), func.min(challenge_votes.c.answered_at))
                .limit(limit)
            )
            return [Standing(row.display_name, row.score) for row in rows]

    async def set_hidden(self, user: UserRef, hidden: bool, now: datetime) -> None:
        """Take the player off leaderboards, or put them back."""
        async with self._db.begin() as connection:
            user_row_id = await self._people.ensure_user(connection, user, now)
            await self._ensure_player(connection, user_row_id)
            await connection.execute(
                update(challenge_players)
                .where(challenge_players.c.user_id == user_row_id)
                .values(hidden=hidden)
            )

    async def rows_about(self, user_row_id: int) -> int:
        """How many challenge rows belong to a users row id (for tests of /forget)."""
        total = 0
        async with self._db.begin() as connection:
            for table in (
                challenge_rounds,
                challenge_results,
                challenge_seen,
                challenge_players,
                challenge_votes,
            ):
                total += (
                    await connection.execute(select(func.count()).where(table.c.user_id == user_row_id))
                ).scalar_one()
        return total

    async def user_row_id(self, user: UserRef) -> int | None:
        async with self._db.begin() as connection:
            return await self._user_row(connection, user)


def answers_of(results: Sequence[Result], verdicts: dict[str, str]) -> list[Answer]:
    """Stored results as ``Answer``s for the arithmetic (``verdicts``: item id -> real verdict)."""
    return [
        Answer(verdicts[r.item_id], r.answer, r.technique, r.picked_technique)
        for r in results
        if r.item_id in verdicts
    ]
