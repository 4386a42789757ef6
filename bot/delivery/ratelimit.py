"""Pacing for proactive sends: an overall rate per platform, and a minimum gap between two sends to the
same chat (Telegram: about one a second in a private chat, 20 a minute in a group)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from bot.events import ChatRef


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
    ) -> None:
        self.interval = 1.0 / per_second if per_second else 0.0
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
            slot = max(now, self._next)
            if chat is not None:
                slot = max(slot, self._next_in_chat.get(chat.chat_id, 0.0))
                gap = self.private_gap if chat.is_private else self.group_gap
                self._next_in_chat[chat.chat_id] = slot + gap
                if len(self._next_in_chat) > 100_000:
                    self._next_in_chat = {key: at for key, at in self._next_in_chat.items() if at > now}
            if self.interval:
                self._next = slot + self.interval
        delay = slot - now
        if delay > 0:
            await self._sleep(delay)
