"""Whether a member administers a group, asked with getChatMember and cached briefly."""

from __future__ import annotations

import time

from telegram import Bot, ChatMember

from bot.core.events import Incoming


class AdminCache:
    """Caches getChatMember answers for a short time (a cache, not state: any process may ask again)."""

    def __init__(self, bot: Bot, ttl_seconds: float) -> None:
        self.bot = bot
        self.ttl = ttl_seconds
        self._cache: dict[tuple[str, str], tuple[bool, float]] = {}

    async def is_admin(self, event: Incoming) -> bool:
        key = (event.chat.chat_id, event.user.user_id)
        cached = self._cache.get(key)
        now = time.monotonic()
        if cached is not None and cached[1] > now:
            return cached[0]
        member = await self.bot.get_chat_member(chat_id=event.chat.chat_id, user_id=int(event.user.user_id))
        answer = member.status in (ChatMember.ADMINISTRATOR, ChatMember.OWNER)
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[key] = (answer, now + self.ttl)
        return answer
