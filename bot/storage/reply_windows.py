"""Repository of reply windows: when each stored chat last wrote to the bot.

Some platforms let a bot write freely only for a while after the person's last message (WhatsApp: 24
hours; after that, only an approved template). Only chats already stored (someone who chose a setting,
subscribed or is in a campaign's audience) get a row: the bot never writes to the others unasked. A row
goes with its chat, so /forget deletes it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update

from bot.core.events import ChatRef
from bot.storage.db import Database
from bot.storage.dialect.upserts import insert_ignore
from bot.storage.tables import chats, reply_windows


class ReplyWindows:
    """When each chat last wrote, for the messenger that must know whether its window is open."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def heard_from(self, chat: ChatRef, at: datetime) -> bool:
        """Record that ``chat`` wrote at ``at`` (a later time wins); False when the chat is not stored."""
        async with self._db.begin() as connection:
            chat_id = (
                await connection.execute(
                    select(chats.c.id).where(
                        chats.c.platform == chat.platform, chats.c.platform_chat_id == chat.chat_id
                    )
                )
            ).scalar_one_or_none()
            if chat_id is None:
                return False
            await connection.execute(
                insert_ignore(self._db.backend, reply_windows, {"chat_id": chat_id, "last_inbound_at": at})
            )
            await connection.execute(
                update(reply_windows)
                .where(reply_windows.c.chat_id == chat_id, reply_windows.c.last_inbound_at < at)
                .values(last_inbound_at=at)
            )
        return True

    async def last_heard(self, chat: ChatRef) -> datetime | None:
        """When ``chat`` last wrote to the bot, if it is stored and has written since."""
        async with self._db.begin() as connection:
            return (
                await connection.execute(
                    select(reply_windows.c.last_inbound_at)
                    .join(chats, chats.c.id == reply_windows.c.chat_id)
                    .where(chats.c.platform == chat.platform, chats.c.platform_chat_id == chat.chat_id)
                )
            ).scalar_one_or_none()

    async def close(self, chat: ChatRef) -> None:
        """The platform says the window is closed (it refused a free-form message): forget the time."""
        async with self._db.begin() as connection:
            chat_id = select(chats.c.id).where(
                chats.c.platform == chat.platform, chats.c.platform_chat_id == chat.chat_id
            )
            await connection.execute(
                delete(reply_windows).where(reply_windows.c.chat_id.in_(chat_id.scalar_subquery()))
            )
