"""The sender's side of the outbox: claim due deliveries with a lease, record each outcome, give back
what a stopping sender did not finish, and read a drop's snapshot to send.

Rows move pending -> sending (claimed with a lease) -> sent | blocked | failed, or back to pending with
a later ``next_attempt_at`` to retry. A row whose sender died is claimed again when its lease runs out.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, update

from bot.core.events import ChatKind, ChatRef
from bot.core.replies import Choice, Reply
from bot.storage.consent import OPTED_OUT, drop_kind, opted_out
from bot.storage.db import Database
from bot.storage.deliveries import DeliveryStatus
from bot.storage.dialect.locks import lock_for_claim
from bot.storage.tables import chats, deliveries, drop_messages


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


class DeliveryClaims:
    """What a sender process does with the outbox (the enqueueing side is ``DeliveryOutbox``)."""

    def __init__(self, db: Database) -> None:
        self.db = db

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
            self.db.backend,
            select(deliveries.c.id)
            .where(
                deliveries.c.status == DeliveryStatus.SENDING.value,
                deliveries.c.lease_until < now,
                for_platforms,
            )
            .limit(limit),
        )
        pending = lock_for_claim(
            self.db.backend,
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
            # Opt-out is enforced here, when a delivery is about to go, not only when it was queued: rows
            # whose chat has stopped their kind of message since are skipped for good.
            await connection.execute(
                update(deliveries)
                .where(
                    deliveries.c.id.in_(picked),
                    opted_out(deliveries.c.chat_id, drop_kind(deliveries.c.drop_id)),
                )
                .values(
                    status=DeliveryStatus.SKIPPED.value,
                    error=OPTED_OUT,
                    finished_at=now,
                    lease_until=None,
                    claimed_by=None,
                )
            )
            claimed = await connection.execute(
                update(deliveries)
                .where(deliveries.c.id.in_(picked), deliveries.c.status != DeliveryStatus.SKIPPED.value)
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
        skipped: list[tuple[int, str]] | None = None,
    ) -> None:
        """Record many outcomes in one transaction (the sender's batches), only for rows this worker holds;
        ``skipped`` rows (their chat opted out while they were held) are finished without being sent."""
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
            for status, finished in (
                (DeliveryStatus.FAILED, failed),
                (DeliveryStatus.SKIPPED, skipped or []),
            ):
                if finished:
                    await connection.execute(
                        update(deliveries)
                        .where(*mine)
                        .values(
                            status=status.value, finished_at=now, lease_until=None, error=bindparam("b_error")
                        ),
                        [{"b_id": delivery_id, "b_error": reason[:200]} for delivery_id, reason in finished],
                    )

    async def mark_gone(self, claimed: ClaimedDelivery, worker: str, now: datetime) -> None:
        """The chat is gone (blocked the bot, removed it): this row is not sent, and will not be."""
        async with self.db.begin() as connection:
            await connection.execute(
                update(deliveries)
                .where(deliveries.c.id == claimed.id, deliveries.c.claimed_by == worker)
                .values(
                    status=DeliveryStatus.BLOCKED.value, finished_at=now, lease_until=None, error="blocked"
                )
            )

    async def release(self, worker: str) -> int:
        """Give back rows this worker claimed but did not finish (graceful shutdown)."""
        async with self.db.begin() as connection:
            result = await connection.execute(
                update(deliveries)
                .where(deliveries.c.claimed_by == worker, deliveries.c.status == DeliveryStatus.SENDING.value)
                .values(status=DeliveryStatus.PENDING.value, lease_until=None, claimed_by=None)
            )
            return int(result.rowcount or 0)
