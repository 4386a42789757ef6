"""Deliveries (daily tips, campaign drops) shown in the console chat, like any other recipient."""

from __future__ import annotations

import itertools

from adapters.console.chat import ConsoleChat
from bot.core.events import ChatRef
from bot.core.replies import Outgoing, Reply


class ConsoleMessenger:
    """Prints a delivered message in the running console chat."""

    platform = "console"

    def __init__(self, chat: ConsoleChat) -> None:
        self.chat = chat
        self._ids = itertools.count(1)

    async def deliver(self, chat: ChatRef, reply: Reply) -> str:
        self.chat.show([Outgoing(chat, reply)])
        return f"console-{next(self._ids)}"
