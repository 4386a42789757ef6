"""The delivery outbox, enqueueing side: one row per (drop, recipient), so enqueueing twice adds nothing.

A drop is one thing to send to many chats ("tip:<subscription>:<local date>", "campaign:<id>:<run>").
Every delivery row is written through ``DeliveryOutbox.insertion`` (one shape, one path); the sender's
side (claims, outcomes) is ``bot.storage.delivery_claims``.
"""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, String, bindparam, func, literal, null, select, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.dml import Insert

from bot.core.replies import Choice, Reply
from bot.storage.db import Database
from bot.storage.dialect.bulk import BulkWrite
from bot.storage.dialect.upserts import insert_ignore, insert_select_ignore
from bot.storage.tables import chats, deliveries, drop_messages


class DeliveryStatus(StrEnum):
    """Where a delivery row stands."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    BLOCKED = "blocked"
    FAILED = "failed"
    HELD = "held"
    """Waiting while its campaign is paused."""
    CANCELLED = "cancelled"
    SKIPPED = "skipped"
    """Not sent and never will be: the chat stopped this kind of message after it was queued (its
    ``error`` says why: "opted out")."""


TIP_FIELDS = ("drop_id", "chat_id", "platform", "language", "tip_id")
"""The fields of each daily tip queued in bulk, in order."""


class DeliveryOutbox:
    """Repository of the deliveries and drop_messages tables."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def insertion(
        self,
        drop_id: ColumnElement[Any],
        chat_id: ColumnElement[Any],
        language: ColumnElement[Any],
        not_before: ColumnElement[Any],
        *,
        tip_id: ColumnElement[Any] | None = None,
        platform: ColumnElement[Any] | None = None,
        source: Select[Any] | None = None,
    ) -> Insert:
        """The one way a delivery row is written: INSERT ... SELECT of one row per source row (a single
        row when there is no ``source``), pending, not before ``not_before``; a drop that already has a
        row for the chat is skipped. Without ``platform`` the chat's own is read."""
        rows = select(
            drop_id,
            chat_id,
            language,
            tip_id if tip_id is not None else null(),
            not_before,
            not_before,
            platform if platform is not None else chats.c.platform,
            literal(DeliveryStatus.PENDING.value),
            literal(0),
        )
        if source is not None:
            rows = rows.select_from(
                source if platform is not None else source.join(chats, chats.c.id == chat_id)
            )
        elif platform is None:
            rows = rows.where(chats.c.id == chat_id)
        names = ["drop_id", "chat_id", "language", "tip_id", "next_attempt_at", "created_at"]
        names += ["platform", "status", "attempts"]
        return insert_select_ignore(self.db.backend, deliveries, names, rows)

    async def enqueue(
        self,
        connection: AsyncConnection,
        drop_id: str,
        chat_row_id: int,
        language: str,
        *,
        not_before: datetime,
        tip_id: str | None = None,
    ) -> bool:
        """Add one delivery; False when this drop already has a row for this chat."""
        when = literal(not_before, type_=deliveries.c.next_attempt_at.type)
        statement = self.insertion(
            literal(drop_id),
            literal(chat_row_id),
            literal(language),
            when,
            tip_id=literal(tip_id) if tip_id is not None else None,
        )
        return bool((await connection.execute(statement)).rowcount)

    async def enqueue_select(
        self, connection: AsyncConnection, drop_id: str, recipients: Select[Any], *, not_before: datetime
    ) -> int:
        """Add one delivery per row of ``recipients`` (columns: chat row id, language) in one statement.

        Set-based, so a drop to a million chats is one INSERT ... SELECT; rows that exist are skipped.
        """
        source = recipients.subquery()
        when = literal(not_before, type_=deliveries.c.next_attempt_at.type)
        statement = self.insertion(literal(drop_id), source.c[0], source.c[1], when, source=source)
        return int((await connection.execute(statement)).rowcount or 0)

    def tips_writer(self) -> BulkWrite:
        """Daily tips queued by the hundred in one bulk write (rows of TIP_FIELDS; shared: ``now``)."""
        now = bindparam("now", type_=deliveries.c.next_attempt_at.type)
        return BulkWrite(
            self.db.engine.dialect,
            [(name, Integer() if name == "chat_id" else String()) for name in TIP_FIELDS],
            lambda tip: self.insertion(
                tip["drop_id"],
                tip["chat_id"],
                tip["language"],
                now,
                tip_id=tip["tip_id"],
                platform=tip["platform"],
            ),
            name="tip",
        )

    async def save_drop_messages(
        self,
        connection: AsyncConnection,
        drop_id: str,
        texts: dict[str, str],
        *,
        choices: tuple[tuple[Choice, ...], ...] = (),
    ) -> None:
        """Snapshot a drop's message per language and its buttons (later source edits change nothing)."""
        buttons = json.dumps([[[c.label, c.payload] for c in row] for row in choices]) if choices else None
        rows = [
            {"drop_id": drop_id, "language": lang, "text": text, "choices": buttons}
            for lang, text in texts.items()
        ]
        if rows:
            await connection.execute(insert_ignore(self.db.backend, drop_messages, rows))

    async def enqueue_reply(
        self, drop_id: str, chat_row_id: int, language: str, reply: Reply, *, not_before: datetime
    ) -> bool:
        """Snapshot one reply (text and buttons) as a drop for one chat and queue it; False when queued."""
        async with self.db.begin() as connection:
            await self.save_drop_messages(connection, drop_id, {language: reply.text}, choices=reply.choices)
            return await self.enqueue(connection, drop_id, chat_row_id, language, not_before=not_before)

    async def set_status_of_drops(
        self, drop_prefix: str, from_status: DeliveryStatus, to_status: DeliveryStatus
    ) -> int:
        """Move every row of these drops from one status to another (pausing, resuming, cancelling)."""
        async with self.db.begin() as connection:
            result = await connection.execute(
                update(deliveries)
                .where(deliveries.c.drop_id.like(f"{drop_prefix}%"), deliveries.c.status == from_status.value)
                .values(status=to_status.value)
            )
            return int(result.rowcount or 0)

    async def counts(self, drop_prefix: str | None = None) -> dict[str, int]:
        """Rows per status (pending rows that failed before count as "retrying")."""
        query = select(
            deliveries.c.status, (deliveries.c.attempts > 0).label("tried"), func.count()
        ).group_by(deliveries.c.status, "tried")
        if drop_prefix is not None:
            query = query.where(deliveries.c.drop_id.like(f"{drop_prefix}%"))
        result: dict[str, int] = {status.value: 0 for status in DeliveryStatus}
        result["retrying"] = 0
        async with self.db.begin() as connection:
            for status, tried, count in await connection.execute(query):
                key = "retrying" if status == DeliveryStatus.PENDING.value and tried else status
                result[key] = result.get(key, 0) + int(count)
        return result
