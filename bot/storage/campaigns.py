"""Campaigns in the database: scheduled with a snapshot of their messages, then paused, resumed, cancelled."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Row, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.db import Database
from bot.storage.tables import campaigns


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


class CampaignStore:
    """Repository of the campaigns table."""

    def __init__(self, db: Database) -> None:
        self.db = db

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

    async def due(self, connection: AsyncConnection, now: datetime) -> list[StoredCampaign]:
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
