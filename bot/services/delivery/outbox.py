"""The delivery outbox: one row per (drop, recipient), so enqueueing twice adds nothing.

A drop is one thing to send to many chats ("tip:<subscription>:<local date>", "campaign:<id>:<run>").
Rows move pending -> sending (claimed with a lease) -> sent | blocked | failed, or back to pending with
a later ``next_attempt_at`` to retry. A row whose sender died is claimed again when its lease runs out.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Select, bindparam, func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.core.events import ChatKind, ChatRef
from bot.core.replies import Choice, Reply
from bot.storage.db import Database
from bot.storage.dialect import insert_ignore, insert_select_ignore, lock_for_claim
from bot.storage.tables import chats, deliveries, drop_messages, subscriptions


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


@dataclass(frozen=True, slots=True)
class ClaimedDelivery:
    """A row a sender has claimed, with what it needs to send it."""

    id: int
    drop_id: str
    chat_row_id: int
    chat: ChatRef
    language: str
    tip_id: str | None
    attempts: int


class DeliveryOutbox:
    """Repository of the deliveries and drop_messages tables."""

    def __init__(self, db: Database) -> None:
        self.db = db

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
        result = await connection.execute(
            insert_ignore(
                self.db.dialect,
                deliveries,
                {
                    "drop_id": drop_id,
                    "chat_id": chat_row_id,
                    "platform": select(chats.c.platform).where(chats.c.id == chat_row_id).scalar_subquery(),
                    "language": language,
                    "tip_id": tip_id,
                    "status": DeliveryStatus.PENDING.value,
                    "attempts": 0,
                    "next_attempt_at": not_before,
                    "created_at": not_before,
                },
            )
        )
        return bool(result.rowcount)

    async def enqueue_select(
        self, connection: AsyncConnection, drop_id: str, recipients: Select[Any], *, not_before: datetime
    ) -> int:
        """Add one delivery per row of ``recipients`` (columns: chat row id, language) in one statement.

        Set-based, so a drop to a million chats is one INSERT ... SELECT; rows that exist are skipped.
        """
        source = recipients.subquery()
        rows = select(
            literal(drop_id),
            source.c[0],
            chats.c.platform,
            source.c[1],
            literal(DeliveryStatus.PENDING.value),
            literal(0),
            literal(not_before, type_=deliveries.c.next_attempt_at.type),
            literal(not_before, type_=deliveries.c.created_at.type),
        ).join(chats, chats.c.id == source.c[0])
        columns = [
            "drop_id",
            "chat_id",
            "platform",
            "language",
            "status",
            "attempts",
            "next_attempt_at",
            "created_at",
        ]
        result = await connection.execute(insert_select_ignore(self.db.dialect, deliveries, columns, rows))
        return int(result.rowcount or 0)

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
            await connection.execute(insert_ignore(self.db.dialect, drop_messages, rows))

    async def drop_replies(self, drop_id: str) -> dict[str, Reply]:
        """A drop's snapshot, as a reply per language."""
        async with self.db.begin() as connection:
            rows = await connection.execute(
                select(drop_messages.c.language, drop_messages.c.text, drop_messages.c.choices).where(
                    drop_messages.c.drop_id == drop_id
                )
            )
            replies: dict[str, Reply] = {}
            for row in rows:
                buttons = tuple(
                    tuple(Choice(label, payload) for label, payload in line)
                    for line in json.loads(row.choices or "[]")
                )
                replies[row.language] = Reply(row.text, buttons)
            return replies

    async def claim(
        self, worker: str, platforms: Sequence[str], *, now: datetime, limit: int, lease: timedelta
    ) -> list[ClaimedDelivery]:
        """Claim up to ``limit`` due rows for these platforms (and rows whose lease ran out)."""
        if not platforms:
            return []
        # Two index-friendly picks (status, next_attempt_at) rather than one OR: rows whose sender died
        # (lease expired), then due pending rows in due order.
        for_platforms = deliveries.c.platform.in_(platforms)
        expired = lock_for_claim(
            self.db.dialect,
            select(deliveries.c.id)
            .where(
                deliveries.c.status == DeliveryStatus.SENDING.value,
                deliveries.c.lease_until < now,
                for_platforms,
            )
            .limit(limit),
        )
        pending = lock_for_claim(
            self.db.dialect,
            select(deliveries.c.id)
            .where(
                deliveries.c.status == DeliveryStatus.PENDING.value,
                deliveries.c.next_attempt_at <= now,
                for_platforms,
            )
            .order_by(deliveries.c.next_attempt_at)
            .limit(limit),
        )
        async with self.db.begin() as connection:
            picked = [row.id for row in await connection.execute(expired)]
            if len(picked) < limit:
                picked += [row.id for row in await connection.execute(pending.limit(limit - len(picked)))]
            if not picked:
                return []
            claimed = await connection.execute(
                update(deliveries)
                .where(deliveries.c.id.in_(picked))
                .values(
                    status=DeliveryStatus.SENDING.value,
                    lease_until=now + lease,
                    claimed_by=worker,
                    attempts=deliveries.c.attempts + 1,
                )
                .returning(deliveries.c.id)
            )
            ids = [row.id for row in claimed]
            if not ids:
                return []
            rows = await connection.execute(
                select(
                    deliveries.c.id,
                    deliveries.c.drop_id,
                    deliveries.c.chat_id,
                    deliveries.c.language,
                    deliveries.c.tip_id,
                    deliveries.c.attempts,
                    chats.c.platform,
                    chats.c.platform_chat_id,
                    chats.c.kind,
                )
                .join(chats, chats.c.id == deliveries.c.chat_id)
                .where(deliveries.c.id.in_(ids))
                .order_by(deliveries.c.next_attempt_at, deliveries.c.id)
            )
            return [
                ClaimedDelivery(
                    id=row.id,
                    drop_id=row.drop_id,
                    chat_row_id=row.chat_id,
                    chat=ChatRef(row.platform, row.platform_chat_id, ChatKind(row.kind)),
                    language=row.language,
                    tip_id=row.tip_id,
                    attempts=row.attempts,
                )
                for row in rows
            ]

    async def record(
        self,
        worker: str,
        *,
        sent: list[tuple[int, str]],
        retry: list[tuple[int, datetime, str]],
        failed: list[tuple[int, str]],
        now: datetime,
    ) -> None:
        """Record many outcomes in one transaction (the sender's batches), only for rows this worker holds."""
        mine = [deliveries.c.id == bindparam("b_id"), deliveries.c.claimed_by == worker]
        async with self.db.begin() as connection:
            if sent:
                await connection.execute(
                    update(deliveries)
                    .where(*mine)
                    .values(
                        status=DeliveryStatus.SENT.value,
                        platform_message_id=bindparam("b_message"),
                        finished_at=now,
                        lease_until=None,
                        error=None,
                    ),
                    [{"b_id": delivery_id, "b_message": message[:64]} for delivery_id, message in sent],
                )
            if retry:
                await connection.execute(
                    update(deliveries)
                    .where(*mine)
                    .values(
                        status=DeliveryStatus.PENDING.value,
                        next_attempt_at=bindparam("b_at"),
                        lease_until=None,
                        claimed_by=None,
                        error=bindparam("b_error"),
                    ),
                    [
                        {"b_id": delivery_id, "b_at": at, "b_error": reason[:200]}
                        for delivery_id, at, reason in retry
                    ],
                )
            if failed:
                await connection.execute(
                    update(deliveries)
                    .where(*mine)
                    .values(
                        status=DeliveryStatus.FAILED.value,
                        finished_at=now,
                        lease_until=None,
                        error=bindparam("b_error"),
                    ),
                    [{"b_id": delivery_id, "b_error": reason[:200]} for delivery_id, reason in failed],
                )

    async def mark_blocked(self, claimed: ClaimedDelivery, worker: str, now: datetime) -> str | None:
        """The chat is gone: this row is blocked, the chat inactive, its subscription paused.

        Returns who set the subscription ("platform:user id"), if one was just paused, so they can be told.
        """
        async with self.db.begin() as connection:
            paused = await connection.execute(
                select(subscriptions.c.set_by_user_id).where(
                    subscriptions.c.chat_id == claimed.chat_row_id, subscriptions.c.active.is_(True)
                )
            )
            set_by = paused.scalar_one_or_none()
            await connection.execute(
                update(deliveries)
                .where(deliveries.c.id == claimed.id, deliveries.c.claimed_by == worker)
                .values(
                    status=DeliveryStatus.BLOCKED.value, finished_at=now, lease_until=None, error="blocked"
                )
            )
            await connection.execute(
                update(chats).where(chats.c.id == claimed.chat_row_id).values(active=False)
            )
            await connection.execute(
                update(subscriptions)
                .where(subscriptions.c.chat_id == claimed.chat_row_id)
                .values(active=False)
            )
        return set_by

    async def release(self, worker: str) -> int:
        """Give back rows this worker claimed but did not finish (graceful shutdown)."""
        async with self.db.begin() as connection:
            result = await connection.execute(
                update(deliveries)
                .where(deliveries.c.claimed_by == worker, deliveries.c.status == DeliveryStatus.SENDING.value)
                .values(status=DeliveryStatus.PENDING.value, lease_until=None, claimed_by=None)
            )
            return int(result.rowcount or 0)

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
