"""Pacing for proactive sends: an overall rate per platform, and a minimum gap between two sends to the
same chat (Telegram: about one a second in a private chat, 20 a minute in a group).

With several sender processes the overall rate is shared: a pacer given ``reserve`` takes its slots in
blocks from a clock every process shares (``bot.storage.send_budget``), so the processes together keep
to the platform's rate. Per-chat gaps stay local (a chat's deliveries are rarely split between
processes, and a 429 is still waited out)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from bot.core.events import ChatRef

Reserve = Callable[[int, float, float], Awaitable[float]]
"""Reserve (count, interval, now as seconds since 1970) -> the block's first slot, seconds since 1970."""

_log = logging.getLogger(__name__)


class SendPacer:
    """Spaces sends evenly at ``per_second`` overall and keeps a gap per chat. Safe to share between tasks.

    Args:
        per_second: overall sends a second (None: no overall limit).
        private_gap: seconds between two sends to one private chat.
        group_gap: seconds between two sends to one group or channel.
    """

    def __init__(
        self,
        per_second: float | None,
        *,
        private_gap: float = 1.0,
        group_gap: float = 3.0,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        reserve: Reserve | None = None,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.interval = 1.0 / per_second if per_second else 0.0
        self.block = max(1, round(per_second)) if per_second else 0
        """Slots reserved from the shared clock at a time: a second's worth."""
        self._reserve = reserve if per_second else None
        self._wall = wall
        self._left_in_block = 0
        self._block_end = 0.0
        self._monotonic = monotonic
        self._sleep = sleep
        self.private_gap = private_gap
        self.group_gap = group_gap
        self._next = 0.0
        self._next_in_chat: dict[str, float] = {}
        self._lock = asyncio.Lock()

    async def wait(self, chat: ChatRef | None = None) -> None:
        """Return when the next send (to ``chat``) may go."""
        async with self._lock:
            now = self._monotonic()
            if self._reserve is not None and (self._left_in_block == 0 or now >= self._block_end):
                await self._take_block(now)
            slot = max(now, self._next)
            if chat is not None:
                slot = max(slot, self._next_in_chat.get(chat.chat_id, 0.0))
                gap = self.private_gap if chat.is_private else self.group_gap
                self._next_in_chat[chat.chat_id] = slot + gap
                if len(self._next_in_chat) > 100_000:
                    self._next_in_chat = {key: at for key, at in self._next_in_chat.items() if at > now}
            if self.interval:
                self._next = slot + self.interval
                self._left_in_block = max(0, self._left_in_block - 1)
        delay = slot - now
        if delay > 0:
            await self._sleep(delay)

    async def _take_block(self, now: float) -> None:
        """Reserve the next block of shared slots; its first slot becomes this pacer's next one."""
        assert self._reserve is not None
        wall_now = self._wall()
        try:
            start = await self._reserve(self.block, self.interval, wall_now)
        except Exception:  # the database is away: pace locally rather than stop sending
            _log.warning("could not reserve shared send slots; pacing this process alone for now")
            self._left_in_block = self.block
            self._block_end = now + self.block * self.interval
            return
        self._next = max(self._next, now + (start - wall_now))
        self._block_end = now + (start - wall_now) + self.block * self.interval
        self._left_in_block = self.block
