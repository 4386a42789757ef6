"""Replies to people on Telegram: sent through the one send path (``adapters.telegram.messenger``),
with a short inline retry, since the person is waiting.

RetryLater with a short wait is waited out (longer waits are given up and logged); network errors are
retried with backoff; a chat that is gone is reported to the core and the rest of its replies dropped;
anything else is logged (never with text) and the next reply goes on.
"""

from __future__ import annotations

import asyncio
import logging
import random
from datetime import UTC, datetime

from telegram import Bot, Message
from telegram.error import TelegramError

from adapters.telegram.messenger import send_reply
from bot.app.platforms import ChatPort
from bot.core.events import ChatRef
from bot.core.messenger import DeliveryFailed, RecipientGone, RetryLater
from bot.core.replies import Outgoing

_log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
MAX_RETRY_AFTER = 120.0
"""Longer waits than this are not waited out inline; the send is given up and logged."""


def backoff(attempt: int) -> float:
    """Exponential backoff with jitter: about 0.5 s, 1 s, 2 s, 4 s."""
    return min(8.0, 0.5 * 2**attempt) * random.uniform(0.8, 1.2)


class TelegramSender:
    """Sends core replies to Telegram chats."""

    def __init__(self, bot: Bot, port: ChatPort) -> None:
        self.bot = bot
        self.port = port

    async def send(self, outgoing: Outgoing, *, thread_id: int | None = None) -> None:
        """Send one reply, retrying briefly; RecipientGone when the chat is gone (the core is told)."""
        sent: list[Message] = []
        for attempt in range(MAX_ATTEMPTS):
            try:
                await send_reply(self.bot, outgoing.chat, outgoing.reply, sent=sent, thread_id=thread_id)
                return
            except RecipientGone:
                await self.port.chat_unreachable(outgoing.chat, datetime.now(UTC))
                _log.info("telegram chat is no longer reachable; marked inactive")
                raise
            except RetryLater as error:
                wait = error.seconds if error.seconds is not None else backoff(attempt)
                if wait > MAX_RETRY_AFTER or attempt == MAX_ATTEMPTS - 1:
                    raise
                if error.seconds is not None:
                    _log.warning("telegram asked to wait %.1f s before retrying", wait)
                await asyncio.sleep(wait)

    async def send_all(
        self,
        replies: list[Outgoing],
        *,
        context: str,
        origin: ChatRef | None = None,
        thread_id: int | None = None,
    ) -> None:
        """Send replies in order; a failure is logged (with ``context``, never text) and the rest go on.

        Replies to ``origin`` (the chat the update came from) go to its forum topic ``thread_id``.
        """
        for outgoing in replies:
            try:
                same_chat = origin is not None and outgoing.chat.chat_id == origin.chat_id
                await self.send(outgoing, thread_id=thread_id if same_chat else None)
            except RecipientGone:
                if outgoing.chat == replies[0].chat:
                    return
            except (RetryLater, DeliveryFailed, TelegramError) as error:
                _log.error("could not send a reply (%s): %s", context, type(error).__name__)

    async def answer_press(self, query_id: str, chat: ChatRef, notice: str | None) -> None:
        """Answer a callback query (exactly once), optionally with a short alert only the presser sees."""
        try:
            await self.bot.answer_callback_query(query_id, text=notice, show_alert=notice is not None)
        except TelegramError as error:
            _log.warning("could not answer a button press: %s", type(error).__name__)
