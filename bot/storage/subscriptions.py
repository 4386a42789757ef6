"""Daily-tip subscriptions: one per chat, with its local time, zone, categories and next UTC due time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.db import Database
from bot.storage.dialect import insert_ignore
from bot.storage.tables import chats, subscriptions, users


@dataclass(frozen=True, slots=True)
class Subscription:
    """A chat's daily tip settings."""

    id: int
    chat_row_id: int
    local_time: str
    timezone: str
    categories: list[str]
    weekdays_only: bool
    next_due_at: datetime
    active: bool
    rotation_cycle: int
    rotation_position: int


@dataclass(frozen=True, slots=True)
class DueSubscription:
    """A subscription whose time has come, with its chat's language."""

    subscription: Subscription
    language: str | None
    platform: str


def _categories(value: str | None) -> list[str]:
    return [part for part in (value or "").split(",") if part]


def _row(row: Row[Any]) -> Subscription:
    values = row._mapping
    return Subscription(
        id=values["id"],
        chat_row_id=values["chat_id"],
        local_time=values["local_time"],
        timezone=values["timezone"],
        categories=_categories(values["categories"]),
        weekdays_only=values["weekdays_only"],
        next_due_at=values["next_due_at"],
        active=values["active"],
        rotation_cycle=values["rotation_cycle"],
        rotation_position=values["rotation_position"],
    )


UNUSED_WHEN_DUE = {"created_at", "set_by_user_id"}
"""Columns a dispatcher tick does not read (each datetime parsed costs time on a tick with thousands due)."""


class SubscriptionStore:
    """Repository of the subscriptions table."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def save(
        self,
        connection: AsyncConnection,
        chat_row_id: int,
        *,
        local_time: str,
        timezone: str,
        categories: list[str],
        weekdays_only: bool,
        next_due_at: datetime,
        set_by: str,
        now: datetime,
    ) -> None:
        """Create or change a chat's subscription (a new category choice starts a new tip cycle)."""
        joined = ",".join(categories) or None
        values: dict[str, object] = {
            "local_time": local_time,
            "timezone": timezone,
            "categories": joined,
            "weekdays_only": weekdays_only,
            "next_due_at": next_due_at,
            "active": True,
            "set_by_user_id": set_by,
        }
        new_row = {"chat_id": chat_row_id, "rotation_cycle": 0, "rotation_position": 0, "created_at": now}
        await connection.execute(insert_ignore(self.db.dialect, subscriptions, {**new_row, **values}))
        current = await connection.execute(
            select(subscriptions.c.categories).where(subscriptions.c.chat_id == chat_row_id)
        )
        previous = current.scalar_one()
        if previous != joined:
            values.update(rotation_cycle=0, rotation_position=0)
        await connection.execute(
            update(subscriptions).where(subscriptions.c.chat_id == chat_row_id).values(**values)
        )

    async def of_chat(self, chat_row_id: int) -> Subscription | None:
        async with self.db.begin() as connection:
            row = (
                await connection.execute(select(subscriptions).where(subscriptions.c.chat_id == chat_row_id))
            ).first()
        return _row(row) if row is not None else None

    async def stop(self, chat_row_id: int) -> bool:
        """Pause a chat's subscription; False when it had none active."""
        async with self.db.begin() as connection:
            result = await connection.execute(
                update(subscriptions)
                .where(subscriptions.c.chat_id == chat_row_id, subscriptions.c.active.is_(True))
                .values(active=False)
            )
        return bool(result.rowcount)

    async def due(self, connection: AsyncConnection, now: datetime, limit: int) -> list[DueSubscription]:
        """Active subscriptions of reachable chats whose time has come (indexed on active, next_due_at)."""
        language = func.coalesce(chats.c.language, users.c.language)
        rows = await connection.execute(
            select(
                *(column for column in subscriptions.c if column.name not in UNUSED_WHEN_DUE),
                language.label("chat_language"),
                chats.c.platform.label("chat_platform"),
            )
            .join(chats, chats.c.id == subscriptions.c.chat_id)
            .outerjoin(users, users.c.id == chats.c.owner_user_id)
            .where(
                subscriptions.c.active.is_(True),
                subscriptions.c.next_due_at <= now,
                chats.c.active.is_(True),
            )
            .order_by(subscriptions.c.next_due_at)
            .limit(limit)
        )
        return [DueSubscription(_row(row), row.chat_language, row.chat_platform) for row in rows]

    async def pause(self, connection: AsyncConnection, subscription_id: int) -> None:
        await connection.execute(
            update(subscriptions).where(subscriptions.c.id == subscription_id).values(active=False)
        )

    async def advance(
        self,
        connection: AsyncConnection,
        subscription: Subscription,
        *,
        next_due_at: datetime,
        cycle: int,
        position: int,
    ) -> bool:
        """Move a subscription to its next due time; False when another process already did."""
        result = await connection.execute(
            update(subscriptions)
            .where(
                subscriptions.c.id == subscription.id, subscriptions.c.next_due_at == subscription.next_due_at
            )
            .values(next_due_at=next_due_at, rotation_cycle=cycle, rotation_position=position)
        )
        return bool(result.rowcount)
