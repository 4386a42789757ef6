"""Sending to Telegram, with its errors handled where they happen.

Forbidden (blocked, or removed from the group) marks the chat inactive; RetryAfter waits the time it
names; network errors and timeouts are retried with backoff; anything else is logged and dropped.
"""

from __future__ import annotations

import asyncio
import logging
import random
import warnings
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from telegram import Bot, LinkPreviewOptions, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from adapters.telegram.render import html_chunks, keyboard
from bot.core.events import ChatRef
from bot.core.replies import Outgoing
from bot.storage.people import PeopleStore

_log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_ATTEMPTS = 5
MAX_RETRY_AFTER = 120.0
"""Longer waits than this are not waited out inline; the send is given up and logged."""


class ChatUnavailable(Exception):
    """Telegram says the bot may no longer write to this chat."""


def retry_after_seconds(error: RetryAfter) -> float:
    """RetryAfter's wait in seconds (python-telegram-bot 22 may return int or timedelta)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def backoff(attempt: int) -> float:
    """Exponential backoff with jitter: about 0.5 s, 1 s, 2 s, 4 s."""
    return min(8.0, 0.5 * 2**attempt) * random.uniform(0.8, 1.2)


class TelegramSender:
    """Sends core replies to Telegram chats."""

    def __init__(self, bot: Bot, people: PeopleStore) -> None:
        self.bot = bot
        self.people = people

    async def _attempt(self, chat: ChatRef, call: Callable[[], Awaitable[T]]) -> T:
        for attempt in range(MAX_ATTEMPTS):
            try:
                return await call()
            except RetryAfter as error:
                wait = retry_after_seconds(error)
                if wait > MAX_RETRY_AFTER or attempt == MAX_ATTEMPTS - 1:
                    raise
                _log.warning("telegram asked to wait %.1f s before retrying", wait)
                await asyncio.sleep(wait)
            except Forbidden:
                await self.people.mark_chat_inactive(chat, datetime.now(UTC))
                _log.info("telegram chat is no longer reachable; marked inactive")
                raise ChatUnavailable(chat.chat_id) from None
            except BadRequest:
                raise
            except NetworkError:
                if attempt == MAX_ATTEMPTS - 1:
                    raise
                await asyncio.sleep(backoff(attempt))
        raise AssertionError("unreachable")

    async def send(self, outgoing: Outgoing) -> list[Message]:
        """Send one reply (split into several messages when long). Returns what Telegram accepted."""
        chat_id = outgoing.chat.chat_id
        chunks = html_chunks(outgoing.reply)
        markup = keyboard(outgoing.reply)
        sent: list[Message] = []
        for position, chunk in enumerate(chunks):
            last = position == len(chunks) - 1

            async def call(chunk: str = chunk, last: bool = last) -> Message:
                return await self.bot.send_message(
                    chat_id=chat_id,
                    text=chunk,
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup if last else None,
                    link_preview_options=LinkPreviewOptions(is_disabled=True),
                )

            sent.append(await self._attempt(outgoing.chat, call))
        return sent

    async def send_all(self, replies: list[Outgoing], *, context: str) -> None:
        """Send replies in order; a failure is logged (with ``context``, never text) and the rest go on."""
        for outgoing in replies:
            try:
                await self.send(outgoing)
            except ChatUnavailable:
                return
            except TelegramError as error:
                _log.error("could not send a reply (%s): %s", context, type(error).__name__)

    async def answer_press(self, query_id: str, chat: ChatRef, notice: str | None) -> None:
        """Answer a callback query (exactly once), optionally with a short alert only the presser sees."""

        async def call() -> bool:
            return await self.bot.answer_callback_query(query_id, text=notice, show_alert=notice is not None)

        try:
            await self._attempt(chat, call)
        except (TelegramError, ChatUnavailable) as error:
            _log.warning("could not answer a button press: %s", type(error).__name__)
