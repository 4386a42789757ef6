"""Campaigns in the database: scheduled with a snapshot of their messages, then paused, resumed, cancelled."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, and_, func, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.core.replies import Choice
from bot.storage.consent import MessageKind, opted_out, record_audience
from bot.storage.db import Database
from bot.storage.deliveries import DeliveryOutbox
from bot.storage.dialect.upserts import json_array_has
from bot.storage.tables import campaigns, chats, subscriptions, users


class CampaignStatus(StrEnum):
    """Where a campaign stands."""

    SCHEDULED = "scheduled"
    RUNNING = "running"
    PAUSED = "paused"
    CANCELLED = "cancelled"
    DONE = "done"


ACTIVE = (CampaignStatus.SCHEDULED.value, CampaignStatus.RUNNING.value)


@dataclass(frozen=True, slots=True)
class StoredCampaign:
    """A campaign row with its parsed spec (the file as scheduled, plus the rendered texts)."""

    id: str
    name: str
    spec: dict[str, Any]
    status: CampaignStatus
    next_run_index: int
    next_run_at: datetime | None
    created_at: datetime

    @property
    def drop_prefix(self) -> str:
        return f"campaign:{self.id}:"


def _stored(row: Row[Any]) -> StoredCampaign:
    values = row._mapping
    return StoredCampaign(
        id=values["id"],
        name=values["name"],
        spec=json.loads(values["spec"]),
        status=CampaignStatus(values["status"]),
        next_run_index=values["next_run_index"],
        next_run_at=values["next_run_at"],
        created_at=values["created_at"],
    )


@dataclass(frozen=True, slots=True)
class Recipients:
    """Who a campaign reaches: listed chats ("platform:chat id"), else every active subscriber, narrowed
    by platform, language and categories (a subscriber who chose no category takes every category)."""

    chats: Sequence[str] = ()
    platforms: Sequence[str] = ()
    languages: Sequence[str] = ()
    categories: Sequence[str] = ()


class CampaignStore:
    """Repository of the campaigns table and of the audiences campaigns reach."""

    def __init__(
        self, db: Database, outbox: DeliveryOutbox, *, default_language: str, default_timezone: str
    ) -> None:
        self.db = db
        self.outbox = outbox
        self.default_language = default_language
        self.default_timezone = default_timezone

    def _language(self) -> ColumnElement[str]:
        return func.coalesce(chats.c.language, users.c.language, literal(self.default_language))

    def _zone(self) -> ColumnElement[str]:
        return func.coalesce(chats.c.timezone, literal(self.default_timezone))

    def recipients(self, audience: Recipients) -> Select[Any]:
        """(chat row id, language) of every active chat in the audience."""
        language = self._language()
        query = select(chats.c.id, language).select_from(
            chats.outerjoin(users, users.c.id == chats.c.owner_user_id)
        )
        if audience.chats:
            wanted = [entry.split(":", 1) for entry in audience.chats]
            query = query.where(
                or_(*(and_(chats.c.platform == p, chats.c.platform_chat_id == c) for p, c in wanted))
            )
        else:
            query = query.join(subscriptions, subscriptions.c.chat_id == chats.c.id).where(
                subscriptions.c.active.is_(True)
            )
            if audience.categories:
                has = [
                    json_array_has(self.db.backend, subscriptions.c.categories, c)
                    for c in audience.categories
                ]
                query = query.where(or_(subscriptions.c.categories.is_(None), *has))
        query = query.where(chats.c.active.is_(True), ~opted_out(chats.c.id, MessageKind.CAMPAIGNS.value))
        if audience.platforms:
            query = query.where(chats.c.platform.in_(audience.platforms))
        if audience.languages:
            query = query.where(language.in_(audience.languages))
        return query

    async def count_recipients(self, audience: Recipients) -> dict[str, int]:
        """Recipients per platform."""
        source = self.recipients(audience).add_columns(chats.c.platform).subquery()
        async with self.db.begin() as connection:
            rows = await connection.execute(
                select(source.c.platform, func.count())
                .group_by(source.c.platform)
                .order_by(source.c.platform)
            )
            return {platform: int(count) for platform, count in rows}

    async def start_run(
        self,
        stored: StoredCampaign,
        next_run_at: datetime | None,
        drop_id: str,
        texts: dict[str, str],
        audience: Recipients,
        *,
        late: bool,
        not_before: datetime | Callable[[str], datetime],
        choices: dict[str, tuple[tuple[Choice, ...], ...]] | None = None,
        now: datetime | None = None,
    ) -> int:
        """Move the campaign to its next run and queue this run's drop, in one transaction; the number of
        deliveries queued. Only the process that moves the campaign queues (0 for the others, and for a
        run too ``late`` to send). ``not_before`` is a time, or a time per recipient's zone; ``choices``
        are each language's buttons; with ``now``, the chats reached for the first time are recorded as
        opted in by the campaign's audience rule. Chats that stopped campaign messages are left out."""
        async with self.db.begin() as connection:
            if not await self.advance(connection, stored, next_run_at) or late:
                return 0
            for lang, text in texts.items():
                buttons = (choices or {}).get(lang, ())
                await self.outbox.save_drop_messages(connection, drop_id, {lang: text}, choices=buttons)
            recipients = self.recipients(audience)
            if now is not None:
                await record_audience(connection, self.db.backend, recipients, stored.id, now)
            if not callable(not_before):
                return await self.outbox.enqueue_select(
                    connection, drop_id, recipients, not_before=not_before
                )
            zone = self._zone()
            in_audience = chats.c.id.in_(select(recipients.subquery().c[0]))
            names = [name for (name,) in await connection.execute(select(zone).distinct().where(in_audience))]
            added = 0
            for name in names:
                added += await self.outbox.enqueue_select(
                    connection, drop_id, recipients.where(zone == name), not_before=not_before(name)
                )
            return added

    async def create(
        self,
        name: str,
        spec: dict[str, Any],
        first_run_at: datetime,
        created_by: str,
        now: datetime,
        *,
        first_run_index: int = 0,
    ) -> str:
        """Store a campaign; runs before ``first_run_index`` (already past when scheduled) are never sent."""
        campaign_id = "c" + secrets.token_hex(4)
        async with self.db.begin() as connection:
            await connection.execute(
                campaigns.insert().values(
                    id=campaign_id,
                    name=name[:200],
                    spec=json.dumps(spec, ensure_ascii=False),
                    status=CampaignStatus.SCHEDULED.value,
                    next_run_index=first_run_index,
                    next_run_at=first_run_at,
                    created_by=created_by[:100],
                    created_at=now,
                )
            )
        return campaign_id

    async def get(self, campaign_id: str) -> StoredCampaign | None:
        async with self.db.begin() as connection:
            row = (await connection.execute(select(campaigns).where(campaigns.c.id == campaign_id))).first()
        return _stored(row) if row is not None else None

    async def all(self) -> list[StoredCampaign]:
        async with self.db.begin() as connection:
            rows = await connection.execute(select(campaigns).order_by(campaigns.c.created_at))
            return [_stored(row) for row in rows]

    async def due(self, now: datetime) -> list[StoredCampaign]:
        async with self.db.begin() as connection:
            rows = await connection.execute(
                select(campaigns)
                .where(campaigns.c.status.in_(ACTIVE), campaigns.c.next_run_at <= now)
                .order_by(campaigns.c.next_run_at)
            )
            return [_stored(row) for row in rows]

    async def advance(
        self,
        connection: AsyncConnection,
        campaign: StoredCampaign,
        next_run_at: datetime | None,
    ) -> bool:
        """Move to the next run; False when another process already did."""
        status = CampaignStatus.RUNNING if next_run_at is not None else CampaignStatus.DONE
        result = await connection.execute(
            update(campaigns)
            .where(
                campaigns.c.id == campaign.id,
                campaigns.c.next_run_index == campaign.next_run_index,
                campaigns.c.status.in_(ACTIVE),
            )
            .values(next_run_index=campaign.next_run_index + 1, next_run_at=next_run_at, status=status.value)
        )
        return bool(result.rowcount)

    async def set_status(
        self, campaign_id: str, status: CampaignStatus, *, only_from: tuple[str, ...]
    ) -> bool:
        async with self.db.begin() as connection:
            result = await connection.execute(
                update(campaigns)
                .where(campaigns.c.id == campaign_id, campaigns.c.status.in_(only_from))
                .values(status=status.value)
            )
        return bool(result.rowcount)
