"""Repository of group challenge posts: items posted in groups, people's votes, reveals, leaderboards."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, func, select, update

from bot.core.events import ChatKind, ChatRef, UserRef
from bot.storage.challenge_players import ChallengePlayers
from bot.storage.db import Database
from bot.storage.dialect.upserts import insert_ignore
from bot.storage.lookups import chat_row
from bot.storage.people import PeopleStore
from bot.storage.tables import challenge_players, challenge_posts, challenge_votes, chats


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


@dataclass(frozen=True, slots=True)
class DueGroup:
    """A group with posts whose reveal time has passed."""

    chat_row_id: int
    chat: ChatRef
    language: str | None
    first_post: int


def _post(row: Row[Any]) -> Post:
    return Post(
        row.id, row.chat_id, row.item_id, row.language, row.reveal_due_at, row.revealed_at is not None
    )


class GroupPosts:
    """Reads and writes group posts and votes; people's rows come from ``PeopleStore``."""

    def __init__(self, db: Database, people: PeopleStore, players: ChallengePlayers) -> None:
        self._db = db
        self._people = people
        self._players = players

    async def open_post(self, chat: ChatRef) -> Post | None:
        """The group's newest unrevealed post, if any."""
        async with self._db.begin() as connection:
            row = (
                await connection.execute(
                    select(challenge_posts)
                    .where(
                        challenge_posts.c.chat_id == chat_row(chat), challenge_posts.c.revealed_at.is_(None)
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
                    challenge_posts.c.chat_id == chat_row(chat),
                    challenge_posts.c.revealed_at.is_(None),
                    challenge_posts.c.reveal_due_at <= now,
                )
                .order_by(challenge_posts.c.id)
            )
            return [_post(row) for row in rows]

    async def create_post(
        self,
        chat: ChatRef,
        language: str,
        all_items: Sequence[str],
        now: datetime,
        reveal_due_at: datetime,
        rng: random.Random,
    ) -> Post:
        """Post an item in a group: one the group has not had yet, else one it had longest ago."""
        async with self._db.begin() as connection:
            chat_row_id = await self._people.ensure_chat(connection, chat, None, now)
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
                        challenge_posts.c.id == post_id, challenge_posts.c.chat_id == chat_row(chat)
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
            await self._players.ensure(connection, user_row_id)
            await connection.execute(
                update(challenge_players)
                .where(challenge_players.c.user_id == user_row_id)
                .values(display_name=display_name)
            )
            inserted = await connection.execute(
                insert_ignore(
                    self._db.backend,
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

    async def due_groups(self, now: datetime) -> list[DueGroup]:
        """Every group with an unrevealed post whose reveal time has passed (the clock's reveal round)."""
        async with self._db.begin() as connection:
            rows = await connection.execute(
                select(
                    chats.c.id,
                    chats.c.platform,
                    chats.c.platform_chat_id,
                    chats.c.language,
                    func.min(challenge_posts.c.id).label("first_post"),
                )
                .join(challenge_posts, challenge_posts.c.chat_id == chats.c.id)
                .where(challenge_posts.c.revealed_at.is_(None), challenge_posts.c.reveal_due_at <= now)
                .group_by(chats.c.id, chats.c.platform, chats.c.platform_chat_id, chats.c.language)
            )
            return [
                DueGroup(
                    row.id,
                    ChatRef(row.platform, row.platform_chat_id, ChatKind.GROUP),
                    row.language,
                    row.first_post,
                )
                for row in rows
            ]

    async def leaderboard(self, chat: ChatRef, since: datetime | None, limit: int = 10) -> list[Standing]:
        """The group's top players by right answers to revealed posts (hidden players left out)."""
        score = func.count().label("score")
        conditions = [
            challenge_posts.c.chat_id == chat_row(chat),
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
