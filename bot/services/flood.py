"""Flood control: more than N messages a minute from one person gets one notice, then silence.

Counters live in the database, so several bot processes share them.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from bot.core.events import UserRef
from bot.storage.flood_windows import FloodCounters
from bot.storage.people import flood_key


class FloodVerdict(StrEnum):
    """What to do with a message."""

    ALLOW = "allow"
    NOTIFY = "notify"
    """The first message over the limit this minute: answer with one notice."""
    DROP = "drop"


class FloodGate:
    """Counts messages per person per calendar minute."""

    def __init__(self, counters: FloodCounters, limit_per_minute: int) -> None:
        self._counters = counters
        self.limit = limit_per_minute

    async def check(self, user: UserRef, now: datetime) -> FloodVerdict:
        """Count this message and say whether to answer it."""
        count = await self._counters.count(flood_key(user), int(now.timestamp()) // 60)
        if count <= self.limit:
            return FloodVerdict.ALLOW
        return FloodVerdict.NOTIFY if count == self.limit + 1 else FloodVerdict.DROP
