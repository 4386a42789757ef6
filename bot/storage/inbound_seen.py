"""Repository of the ids of messages received, so a message a platform delivers twice is handled once,
whichever process each copy reaches (WhatsApp delivers webhooks at least once, and retries for days).

Only the platform's message id and when it came are kept (never the sender or the text), for a week.
"""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta

from sqlalchemy import delete

from bot.storage.db import Database
from bot.storage.dialect.upserts import insert_ignore
from bot.storage.tables import inbound_seen

KEPT_FOR = timedelta(days=7)
"""How long an id is remembered: as long as Meta retries a webhook."""
CLEAN_EVERY = 500
"""On average, one new id in this many also deletes the ids older than ``KEPT_FOR``."""


class InboundSeen:
    """Message ids received so far, per platform."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def first_time(self, platform: str, message_id: str, now: datetime) -> bool:
        """Record the id; True the first time it is offered (by any process), False after."""
        seconds = math.floor(now.timestamp())
        async with self._db.begin() as connection:
            added = await connection.execute(
                insert_ignore(
                    self._db.backend,
                    inbound_seen,
                    {"platform": platform, "message_id": message_id[:128], "seen_at": seconds},
                )
            )
            if added.rowcount and random.randrange(CLEAN_EVERY) == 0:
                oldest = seconds - int(KEPT_FOR.total_seconds())
                await connection.execute(delete(inbound_seen).where(inbound_seen.c.seen_at < oldest))
        return bool(added.rowcount)
