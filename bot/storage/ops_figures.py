"""What an operator's probes read from the database: is it there, how deep is the outbox, how far along
are the active campaigns. Aggregates only, over indexed columns; nothing about any person."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, text

from bot.storage.campaigns import ACTIVE, CampaignStatus
from bot.storage.db import Database
from bot.storage.deliveries import DeliveryStatus
from bot.storage.tables import campaigns, deliveries

CAMPAIGN_STATE: dict[str, str] = {
    DeliveryStatus.PENDING.value: "queued",
    DeliveryStatus.SENDING.value: "queued",
    DeliveryStatus.HELD.value: "queued",
    DeliveryStatus.SENT.value: "sent",
    DeliveryStatus.FAILED.value: "failed",
    DeliveryStatus.BLOCKED.value: "failed",
    DeliveryStatus.SKIPPED.value: "failed",
}
"""How each delivery status counts in ``safetybot_campaign_deliveries{state}`` (cancelled ones not at all)."""


class OpsFigures:
    """Read-only probes for /readyz and /metrics."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def ping(self) -> None:
        """One round trip to the database.

        Raises:
            DatabaseUnavailable, or the driver's error: when it does not answer.
        """
        async with self.db.begin() as connection:
            await connection.execute(text("SELECT 1"))

    async def outbox(self, now: datetime) -> tuple[int, float]:
        """(deliveries due and not sent, seconds since the oldest of them was due; 0 when none)."""
        query = select(func.count(), func.min(deliveries.c.next_attempt_at)).where(
            deliveries.c.status == DeliveryStatus.PENDING.value, deliveries.c.next_attempt_at <= now
        )
        async with self.db.begin() as connection:
            depth, oldest = (await connection.execute(query)).one()
        return int(depth or 0), (now - oldest).total_seconds() if oldest is not None else 0.0

    async def campaign_deliveries(self) -> dict[str, int]:
        """Deliveries of scheduled, running and paused campaigns per state (queued, sent, failed)."""
        counts = {"queued": 0, "sent": 0, "failed": 0}
        states = (*ACTIVE, CampaignStatus.PAUSED.value)
        async with self.db.begin() as connection:
            ids = (
                await connection.execute(select(campaigns.c.id).where(campaigns.c.status.in_(states)))
            ).scalars()
            for campaign_id in list(ids):
                rows = await connection.execute(
                    select(deliveries.c.status, func.count())
                    .where(deliveries.c.drop_id.like(f"campaign:{campaign_id}:%"))
                    .group_by(deliveries.c.status)
                )
                for status, count in rows:
                    if status in CAMPAIGN_STATE:
                        counts[CAMPAIGN_STATE[status]] += int(count)
        return counts
