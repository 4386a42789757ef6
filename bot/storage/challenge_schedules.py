"""Repository of groups' daily challenge times: one per group, with its next due time in UTC."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from bot.core.events import ChatKind, ChatRef, UserRef
from bot.storage.db import Database
from bot.storage.dialect.upserts import insert_ignore
from bot.storage.people import PeopleStore, person_key
from bot.storage.tables import challenge_schedules, chats


@dataclass(frozen=True, slots=True)
class DailyPost:
    """A group's daily challenge time."""

    local_time: str
    timezone: str
    next_due_at: datetime
    active: bool


@dataclass(frozen=True, slots=True)
class DueSchedule:
    """A daily challenge whose time has come, with the group it belongs to."""

    id: int
    chat_row_id: int
    chat: ChatRef
    language: str | None
    local_time: str
    timezone: str
    next_due_at: datetime


class ChallengeSchedules:
    """Reads and writes daily challenge times; people's and chats' rows come from ``PeopleStore``."""

    def __init__(self, db: Database, people: PeopleStore) -> None:
        self._db = db
        self._people = people

    async def set(
        self,
        chat: ChatRef,
        user: UserRef,
        local_time: str,
        zone: str,
        due: datetime,
        language: str,
        now: datetime,
    ) -> None:
        """Start or move a group's daily challenge; the group keeps ``language`` unless it chose one."""
        async with self._db.begin() as connection:
            chat_row_id = await self._people.ensure_chat(connection, chat, user, now)
            await self._people.keep_delivery_language(connection, chat, user, chat_row_id, language)
            values = {
                "local_time": local_time,
                "timezone": zone,
                "next_due_at": due,
                "active": True,
                "set_by": person_key(user),
            }
            await connection.execute(
                insert_ignore(
                    self._db.backend,
                    challenge_schedules,
                    {"chat_id": chat_row_id, "created_at": now, **values},
                )
            )
            await connection.execute(
                update(challenge_schedules)
                .where(challenge_schedules.c.chat_id == chat_row_id)
                .values(**values)
            )

    async def stop(self, chat: ChatRef) -> bool:
        """Stop a group's daily challenge; False when it had none running."""
        chat_row_id = await self._people.chat_row_id(chat)
        if chat_row_id is None:
            return False
        async with self._db.begin() as connection:
            result = await connection.execute(
                update(challenge_schedules)
                .where(challenge_schedules.c.chat_id == chat_row_id, challenge_schedules.c.active.is_(True))
                .values(active=False)
            )
        return bool(result.rowcount)

    async def of(self, chat: ChatRef) -> DailyPost | None:
        chat_row_id = await self._people.chat_row_id(chat)
        if chat_row_id is None:
            return None
        async with self._db.begin() as connection:
            row = (
                await connection.execute(
                    select(challenge_schedules).where(challenge_schedules.c.chat_id == chat_row_id)
                )
            ).first()
        return DailyPost(row.local_time, row.timezone, row.next_due_at, row.active) if row else None

    async def due(self, now: datetime) -> list[DueSchedule]:
        """Active daily challenges of reachable groups whose time has come."""
        async with self._db.begin() as connection:
            rows = await connection.execute(
                select(challenge_schedules, chats.c.platform, chats.c.platform_chat_id, chats.c.language)
                .join(chats, chats.c.id == challenge_schedules.c.chat_id)
                .where(
                    challenge_schedules.c.active.is_(True),
                    challenge_schedules.c.next_due_at <= now,
                    chats.c.active.is_(True),
                )
                .order_by(challenge_schedules.c.next_due_at, challenge_schedules.c.id)
            )
            return [
                DueSchedule(
                    row.id,
                    row.chat_id,
                    ChatRef(row.platform, row.platform_chat_id, ChatKind.GROUP),
                    row.language,
                    row.local_time,
                    row.timezone,
                    row.next_due_at,
                )
                for row in rows
            ]

    async def advance(self, schedule: DueSchedule, next_due_at: datetime) -> bool:
        """Move a due challenge to its next time; False when another process already did (it posts)."""
        async with self._db.begin() as connection:
            moved = await connection.execute(
                update(challenge_schedules)
                .where(
                    challenge_schedules.c.id == schedule.id,
                    challenge_schedules.c.next_due_at == schedule.next_due_at,
                )
                .values(next_due_at=next_due_at)
            )
        return bool(moved.rowcount)
