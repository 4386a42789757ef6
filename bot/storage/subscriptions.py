"""Daily-tip subscriptions: one per chat, with its local time, zone, categories and next UTC due time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import BigInteger, Integer, Row, bindparam, func, select, type_coerce, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.types import TypeEngine

from bot.core.events import ChatRef, UserRef
from bot.storage.db import Database
from bot.storage.dialect.bulk import BulkWrite
from bot.storage.dialect.upserts import insert_ignore
from bot.storage.people import PeopleStore, person_key
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


class DueSubscription(NamedTuple):
    """A due subscription as a dispatcher tick reads it, a thousand at a time: plain column values (a
    tuple, not a model: no conversion per row), the due time in whole seconds since 1970."""

    id: int
    chat_row_id: int
    local_time: str
    timezone: str
    categories: list[str] | None
    weekdays_only: bool
    next_due: int
    rotation_cycle: int
    rotation_position: int
    language: str | None
    platform: str


class SubscriptionMove(NamedTuple):
    """Move subscription ``id`` from due time ``old`` to ``new`` (epoch seconds) with this rotation."""

    id: int
    old: int
    new: int
    rotation_cycle: int
    rotation_position: int


MOVE_COLUMNS: tuple[tuple[str, TypeEngine[Any]], ...] = (
    ("id", Integer()),
    ("old", BigInteger()),
    ("new", BigInteger()),
    ("rotation_cycle", Integer()),
    ("rotation_position", Integer()),
)
"""The fields of a SubscriptionMove, in order, with their SQL types."""


@dataclass
class PlannedBatch:
    """What a dispatcher tick decided for one batch of due subscriptions."""

    moves: list[SubscriptionMove] = field(default_factory=list)
    tips: list[tuple[str, int, str, str, str]] = field(default_factory=list)
    """Rows of ``bot.storage.deliveries.TIP_FIELDS``."""
    invalid: list[int] = field(default_factory=list)
    """Subscriptions whose time or zone is invalid (paused)."""
    skipped: int = 0
    """Runs missed by more than the grace period (moved on, not sent)."""


def categories_of(value: list[str] | None) -> list[str]:
    """A subscription's chosen categories (empty: all of them)."""
    return list(value or [])


def _row(row: Row[Any]) -> Subscription:
    values = row._mapping
    return Subscription(
        id=values["id"],
        chat_row_id=values["chat_id"],
        local_time=values["local_time"],
        timezone=values["timezone"],
        categories=categories_of(values["categories"]),
        weekdays_only=values["weekdays_only"],
        next_due_at=values["next_due_at"],
        active=values["active"],
        rotation_cycle=values["rotation_cycle"],
        rotation_position=values["rotation_position"],
    )


class SubscriptionStore:
    """Repository of the subscriptions table (chats' rows come from ``PeopleStore``)."""

    def __init__(self, db: Database, people: PeopleStore) -> None:
        self.db = db
        self.people = people
        due_at = type_coerce(subscriptions.c.next_due_at, BigInteger)
        self._due = (
            select(
                subscriptions.c.id,
                subscriptions.c.chat_id,
                subscriptions.c.local_time,
                subscriptions.c.timezone,
                subscriptions.c.categories,
                subscriptions.c.weekdays_only,
                due_at.label("next_due"),
                subscriptions.c.rotation_cycle,
                subscriptions.c.rotation_position,
                func.coalesce(chats.c.language, users.c.language).label("chat_language"),
                chats.c.platform,
            )
            .join(chats, chats.c.id == subscriptions.c.chat_id)
            .outerjoin(users, users.c.id == chats.c.owner_user_id)
            .where(subscriptions.c.active.is_(True), due_at <= bindparam("now"), chats.c.active.is_(True))
            .order_by(subscriptions.c.next_due_at, subscriptions.c.id)  # the same order in every process
        )
        self._advance_many = BulkWrite(
            db.engine.dialect,
            MOVE_COLUMNS,
            lambda move: (
                update(subscriptions)
                .where(subscriptions.c.id == move["id"], due_at == move["old"])
                .values(
                    next_due_at=move["new"],
                    rotation_cycle=move["rotation_cycle"],
                    rotation_position=move["rotation_position"],
                )
            ),
            name="move",
        )

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
        chosen = list(categories) or None
        values: dict[str, object] = {
            "local_time": local_time,
            "timezone": timezone,
            "categories": chosen,
            "weekdays_only": weekdays_only,
            "next_due_at": next_due_at,
            "active": True,
            "set_by": set_by,
        }
        new_row = {"chat_id": chat_row_id, "rotation_cycle": 0, "rotation_position": 0, "created_at": now}
        await connection.execute(insert_ignore(self.db.backend, subscriptions, {**new_row, **values}))
        current = await connection.execute(
            select(subscriptions.c.categories).where(subscriptions.c.chat_id == chat_row_id)
        )
        previous = current.scalar_one()
        if (previous or None) != chosen:
            values.update(rotation_cycle=0, rotation_position=0)
        await connection.execute(
            update(subscriptions).where(subscriptions.c.chat_id == chat_row_id).values(**values)
        )

    async def subscribe(
        self,
        chat: ChatRef,
        user: UserRef,
        language: str,
        *,
        zone: str | None,
        default_zone: str,
        local_time: str,
        categories: list[str],
        weekdays_only: bool,
        due: Callable[[str], datetime],
        now: datetime,
    ) -> int:
        """A chat's daily tip, set in one transaction: the chat keeps ``language`` unless it chose one, and
        the zone (``zone``, else the chat's own, else ``default_zone``) becomes the chat's; ``due`` gives
        the first due time in that zone. Returns the chat's row id."""
        async with self.db.begin() as connection:
            chat_row_id = await self.people.ensure_chat(connection, chat, user, now)
            await self.people.keep_delivery_language(connection, chat, user, chat_row_id, language)
            zone_name = zone or await self.people.chat_timezone(connection, chat_row_id) or default_zone
            await self.people.set_chat_timezone(connection, chat_row_id, zone_name)
            await self.save(
                connection,
                chat_row_id,
                local_time=local_time,
                timezone=zone_name,
                categories=categories,
                weekdays_only=weekdays_only,
                next_due_at=due(zone_name),
                set_by=person_key(user),
                now=now,
            )
        return chat_row_id

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

    async def due(self, connection: AsyncConnection, now: int, limit: int) -> list[DueSubscription]:
        """Active subscriptions of reachable chats due at ``now`` (epoch seconds), earliest first.

        Indexed on (active, next_due_at); only the columns a tick needs, read as plain values.
        """
        rows = await connection.execute(self._due.limit(limit), {"now": now})
        return [DueSubscription._make(row) for row in rows]

    async def advance_many(self, connection: AsyncConnection, moves: list[SubscriptionMove]) -> int:
        """Move many subscriptions in one bulk write, each only if its due time is still the one read (so
        of two processes ticking at once only one moves it). Returns how many moved."""
        return await self._advance_many.execute(connection, moves)

    async def dispatch_batch(
        self,
        due_by: int,
        limit: int,
        plan: Callable[[list[DueSubscription]], PlannedBatch],
        tips: BulkWrite,
        now: datetime,
    ) -> tuple[bool, PlannedBatch, int]:
        """One batch of a dispatcher tick, in one transaction: read up to ``limit`` due subscriptions,
        let ``plan`` decide, pause the invalid ones, move them all (guarded) and queue their tips.

        Returns whether more are due, the plan, and how many tips were queued."""
        async with self.db.begin() as connection:
            # One row more than a batch tells whether another batch follows, without a query more.
            due = await self.due(connection, due_by, limit + 1)
            planned = plan(due[:limit])
            for subscription_id in planned.invalid:
                await self.pause(connection, subscription_id)
            await self.advance_many(connection, planned.moves)
            added = await tips.execute(connection, planned.tips, {"now": now})
        return len(due) > limit, planned, added

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
