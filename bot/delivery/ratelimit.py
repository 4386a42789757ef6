"""Pacing for proactive sends: an overall rate per platform, shared by the concurrent sends of a sender."""

from __future__ import annotations

import asyncio
import time


class SendPacer:
    """Spaces sends evenly at ``per_second`` (None: no limit). Safe to share between tasks."""

    def __init__(self, per_second: float | None) -> None:
        self.interval = 1.0 / per_second if per_second else 0.0
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        """Return when the next send may go."""
        if not self.interval:
            return
        async with self._lock:
            now = time.monotonic()
            slot = max(now, self._next)
            self._next = slot + self.interval
        delay = slot - now
        if delay > 0:
            await asyncio.sleep(delay)
