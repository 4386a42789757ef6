"""Repository of what platforms report after they accepted a delivery: a message that failed later.

Some platforms accept a message and only report its failure afterwards (WhatsApp's ``failed`` status
callbacks: the 24-hour window had closed, a temporary error, an unreachable person). The delivery's row,
already ``sent``, is found by the message id the platform gave, and sent again later or marked failed,
so no scheduled message is lost silently. A row is sent again at most ``max_attempts`` times in all.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, update

from bot.storage.db import Database
from bot.storage.deliveries import DeliveryStatus
from bot.storage.tables import deliveries

MESSAGE_ID_KEPT = 64
"""The stored length of a platform's message id (``deliveries.platform_message_id``)."""


class DeliveryReceipts:
    """Late news about sent deliveries, by the platform's message id."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def failed_after_sending(
        self,
        platform: str,
        message_id: str,
        reason: str,
        now: datetime,
        *,
        retry_at: datetime | None,
        max_attempts: int = 5,
    ) -> str | None:
        """A sent delivery that did not arrive: queued again for ``retry_at`` (while it has attempts left)
        or marked failed. Returns its new status, or None when no sent delivery has that message id."""
        where = [
            deliveries.c.platform_message_id == message_id[:MESSAGE_ID_KEPT],
            or_(deliveries.c.platform == platform, deliveries.c.platform.is_(None)),
            deliveries.c.status == DeliveryStatus.SENT.value,
        ]
        async with self._db.begin() as connection:
            if retry_at is not None:
                requeued = await connection.execute(
                    update(deliveries)
                    .where(*where, deliveries.c.attempts < max_attempts)
                    .values(
                        status=DeliveryStatus.PENDING.value,
                        next_attempt_at=retry_at,
                        platform_message_id=None,
                        finished_at=None,
                        error=reason[:200],
                    )
                )
                if requeued.rowcount:
                    return DeliveryStatus.PENDING.value
            failed = await connection.execute(
                update(deliveries)
                .where(*where)
                .values(status=DeliveryStatus.FAILED.value, finished_at=now, error=reason[:200])
            )
            return DeliveryStatus.FAILED.value if failed.rowcount else None
