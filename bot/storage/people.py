"""Users and chats: the little the bot keeps about people (language, time zone), and /forget."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.core.events import ChatRef, UserRef
from bot.storage.db import Database
from bot.storage.dialect.upserts import insert_ignore
from bot.storage.tables import challenge_schedules, chats, flood_windows, subscriptions, users


@dataclass(frozen=True, slots=True)
class ChatSettings:
    """What is stored about a chat."""

    id: int
    language: str | None
    timezone: str | None
    active: bool


def person_key(user: UserRef) -> str:
    """How a person is named where a setting records who made it: "platform:user id"."""
    return f"{user.platform}:{user.user_id}"


def flood_key(user: UserRef) -> str:
    """The key of a person's flood-control counters (deleted by /forget)."""
    return f"{user.platform}:{user.user_id}"


class PeopleStore:
    """Repository of the users and chats tables."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def _user_id(self, connection: AsyncConnection, user: UserRef) -> int | None:
        row = await connection.execute(
            select(users.c.id).where(
                users.c.platform == user.platform, users.c.platform_user_id == user.user_id
            )
        )
        return row.scalar_one_or_none()

    async def ensure_user(self, connection: AsyncConnection, user: UserRef, now: datetime) -> int:
        """The user's row id, creating the row when missing (safe under concurrent calls)."""
        await connection.execute(
            insert_ignore(
                self._db.backend,
                users,
                {"platform": user.platform, "platform_user_id": user.user_id, "created_at": now},
            )
        )
        user_id = await self._user_id(connection, user)
        assert user_id is not None
        return user_id

    async def ensure_chat(
        self, connection: AsyncConnection, chat: ChatRef, user: UserRef | None, now: datetime
    ) -> int:
        """The chat's row id, creating it when missing; a private chat belongs to its user (for /forget),
        so ``user`` is needed for a private chat and may be None for a group."""
        if chat.is_private and user is None:
            raise ValueError("a private chat needs its person")
        owner = await self.ensure_user(connection, user, now) if chat.is_private and user else None
        await connection.execute(
            insert_ignore(
                self._db.backend,
                chats,
                {
                    "platform": chat.platform,
                    "platform_chat_id": chat.chat_id,
                    "kind": chat.kind.value,
                    "active": True,
                    "owner_user_id": owner,
                    "created_at": now,
                },
            )
        )
        row = await connection.execute(
            select(chats.c.id).where(
                chats.c.platform == chat.platform, chats.c.platform_chat_id == chat.chat_id
            )
        )
        return row.scalar_one()

    async def keep_delivery_language(
        self, connection: AsyncConnection, chat: ChatRef, user: UserRef, chat_row_id: int, language: str
    ) -> None:
        """Scheduled messages go out in the chat's language: when nobody chose one yet, keep the language
        this conversation is in (the person's for a private chat, the group's for a group)."""
        if chat.is_private:
            await connection.execute(
                update(users)
                .where(
                    users.c.platform == user.platform,
                    users.c.platform_user_id == user.user_id,
                    users.c.language.is_(None),
                )
                .values(language=language)
            )
        else:
            await connection.execute(
                update(chats)
                .where(chats.c.id == chat_row_id, chats.c.language.is_(None))
                .values(language=language)
            )

    async def chat_timezone(self, connection: AsyncConnection, chat_row_id: int) -> str | None:
        row = await connection.execute(select(chats.c.timezone).where(chats.c.id == chat_row_id))
        return row.scalar_one_or_none()

    async def set_chat_timezone(self, connection: AsyncConnection, chat_row_id: int, timezone: str) -> None:
        await connection.execute(update(chats).where(chats.c.id == chat_row_id).values(timezone=timezone))

    async def chat_row_id(self, chat: ChatRef) -> int | None:
        """The chat's row id, if the chat is stored."""
        async with self._db.begin() as connection:
            row = await connection.execute(
                select(chats.c.id).where(
                    chats.c.platform == chat.platform, chats.c.platform_chat_id == chat.chat_id
                )
            )
            return row.scalar_one_or_none()

    async def language_of(self, user: UserRef) -> str | None:
        """The language the person chose with /language, if any."""
        async with self._db.begin() as connection:
            row = await connection.execute(
                select(users.c.language).where(
                    users.c.platform == user.platform, users.c.platform_user_id == user.user_id
                )
            )
            return row.scalar_one_or_none()

    async def set_language(self, user: UserRef, language: str, now: datetime) -> None:
        """Remember the person's language."""
        async with self._db.begin() as connection:
            user_id = await self.ensure_user(connection, user, now)
            await connection.execute(update(users).where(users.c.id == user_id).values(language=language))

    async def set_chat_language(self, chat: ChatRef, user: UserRef, language: str, now: datetime) -> None:
        """Remember a group's language (its admins choose it)."""
        async with self._db.begin() as connection:
            chat_id = await self.ensure_chat(connection, chat, user, now)
            await connection.execute(update(chats).where(chats.c.id == chat_id).values(language=language))

    async def chat_settings(self, chat: ChatRef) -> ChatSettings | None:
        """What is stored about a chat, if anything."""
        async with self._db.begin() as connection:
            row = (
                await connection.execute(
                    select(chats.c.id, chats.c.language, chats.c.timezone, chats.c.active).where(
                        chats.c.platform == chat.platform, chats.c.platform_chat_id == chat.chat_id
                    )
                )
            ).first()
        return ChatSettings(row.id, row.language, row.timezone, row.active) if row else None

    async def mark_chat_inactive(self, chat: ChatRef, now: datetime) -> None:
        """The platform says we may no longer write here (blocked, removed): stop sending to it.

        The chat is recorded even when it was not stored before, so no later delivery tries it; for a
        private chat the platform's chat id is the person's id, so /forget removes it too.
        """
        async with self._db.begin() as connection:
            owner = UserRef(chat.platform, chat.chat_id)
            chat_id = await self.ensure_chat(connection, chat, owner, now)
            await connection.execute(update(chats).where(chats.c.id == chat_id).values(active=False))

    async def chat_gone(self, chat_row_id: int) -> str | None:
        """A chat the bot can no longer reach: inactive, its daily tip paused. Returns who set that
        subscription ("platform:user id"), when one was just paused, so they can be told."""
        async with self._db.begin() as connection:
            set_by = (
                await connection.execute(
                    select(subscriptions.c.set_by).where(
                        subscriptions.c.chat_id == chat_row_id, subscriptions.c.active.is_(True)
                    )
                )
            ).scalar_one_or_none()
            await connection.execute(update(chats).where(chats.c.id == chat_row_id).values(active=False))
            await connection.execute(
                update(subscriptions).where(subscriptions.c.chat_id == chat_row_id).values(active=False)
            )
        return set_by

    async def reactivate_chat(self, chat: ChatRef) -> None:
        """The person wrote again (unblocked the bot, or re-added it): the chat is reachable again."""
        async with self._db.begin() as connection:
            await connection.execute(
                update(chats)
                .where(
                    chats.c.platform == chat.platform,
                    chats.c.platform_chat_id == chat.chat_id,
                    chats.c.active.is_(False),
                )
                .values(active=True)
            )

    async def forget(self, user: UserRef) -> None:
        """Delete everything stored about a person: their row, their private chats, their counters.

        Later features add their own rows keyed by the user and chat; they cascade from these. Group
        settings the person made stay with the group, but no longer say who made them.
        """
        async with self._db.begin() as connection:
            user_id = await self._user_id(connection, user)
            await connection.execute(delete(flood_windows).where(flood_windows.c.user_key == flood_key(user)))
            for table in (subscriptions, challenge_schedules):
                await connection.execute(
                    update(table).where(table.c.set_by == person_key(user)).values(set_by=None)
                )
            if user_id is None:
                return
            await connection.execute(delete(chats).where(chats.c.owner_user_id == user_id))
            await connection.execute(delete(users).where(users.c.id == user_id))

    async def rows_about(self, user: UserRef) -> int:
        """How many rows mention this person (used by tests and /forget's confirmation)."""
        async with self._db.begin() as connection:
            user_id = await self._user_id(connection, user)
            count = len(
                (
                    await connection.execute(
                        select(flood_windows.c.user_key).where(flood_windows.c.user_key == flood_key(user))
                    )
                ).all()
            )
            if user_id is not None:
                count += 1
                count += len(
                    (
                        await connection.execute(select(chats.c.id).where(chats.c.owner_user_id == user_id))
                    ).all()
                )
            return count
