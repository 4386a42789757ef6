"""A Messenger that records what it was asked to send and fails on cue, for outbox and sender tests."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.core.events import ChatRef
from bot.core.markup import plain_text
from bot.core.messenger import DeliveryFailed, RecipientGone, RetryLater
from bot.core.replies import Reply

Failure = Callable[[], Exception]


@dataclass
class RecordingMessenger:
    """Records (chat id, plain text) per delivery; ``fail[chat_id]`` lists errors to raise first."""

    platform: str = "test"
    sent: list[tuple[str, str]] = field(default_factory=list)
    replies: list[tuple[str, Reply]] = field(default_factory=list)
    fail: dict[str, list[Exception]] = field(default_factory=dict)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    async def deliver(self, chat: ChatRef, reply: Reply) -> str:
        queued = self.fail.get(chat.chat_id)
        if queued:
            raise queued.pop(0)
        self.sent.append((chat.chat_id, plain_text(reply.text)))
        self.replies.append((chat.chat_id, reply))
        return f"m{next(self._ids)}"

    def texts_to(self, chat_id: str) -> list[str]:
        return [text for target, text in self.sent if target == chat_id]


__all__ = ["DeliveryFailed", "RecipientGone", "RecordingMessenger", "RetryLater"]
