"""The one way a reply reaches Telegram, with Telegram's errors turned into the core's outcomes.

Forbidden (blocked, removed) and "chat not found" mean the recipient is gone; RetryAfter becomes
RetryLater with Telegram's wait; network errors and timeouts RetryLater; any other Bad Request is a
permanent failure. ``send_reply`` has no retry loop: the outbox retries proactive messages, and the
adapter's replies to a person retry briefly on their own (bot.adapters.telegram.outbound).
"""

from __future__ import annotations

import warnings
from datetime import timedelta

from telegram import Bot, LinkPreviewOptions, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from adapters.telegram.render import html_chunks, keyboard
from adapters.telegram.transport import AiohttpRequest
from bot.core.events import ChatRef
from bot.core.messenger import DeliveryFailed, RecipientGone, RetryLater
from bot.core.replies import Reply


def retry_after_seconds(error: RetryAfter) -> float:
    """RetryAfter's wait in seconds (python-telegram-bot 22 may return int or timedelta)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


GONE = (
    "chat not found",
    "user is deactivated",
    "bot was kicked",
    "group chat was upgraded",
    "peer_id_invalid",
)


class TelegramMessenger:
    """Sends outbox deliveries through a python-telegram-bot Bot of its own: on the aiohttp transport and
    without python-telegram-bot's rate limiter (the sender paces sends itself)."""

    platform = "telegram"

    def __init__(self, bot: Bot, *, paid_broadcast: bool = False) -> None:
        self.bot = bot
        self.paid_broadcast = paid_broadcast

    @classmethod
    def for_token(
        cls, token: str, base_url: str | None, *, paid_broadcast: bool = False
    ) -> TelegramMessenger:
        """A messenger with its own Bot (call ``start`` before use and ``stop`` after)."""
        options = {"base_url": base_url} if base_url else {}
        bot = Bot(token, request=AiohttpRequest(), **options)
        return cls(bot, paid_broadcast=paid_broadcast)

    async def start(self) -> None:
        await self.bot.initialize()

    async def stop(self) -> None:
        await self.bot.shutdown()

    async def deliver(self, chat: ChatRef, reply: Reply) -> str:
        sent = await send_reply(self.bot, chat, reply, paid_broadcast=self.paid_broadcast)
        return str(sent[-1].message_id) if sent else ""


async def send_reply(
    bot: Bot,
    chat: ChatRef,
    reply: Reply,
    *,
    paid_broadcast: bool = False,
    sent: list[Message] | None = None,
    thread_id: int | None = None,
) -> list[Message]:
    """Send one reply (split into several messages when long; buttons on the last) and return what
    Telegram accepted. ``sent`` collects the pieces as they go, so a retry after a partial send passes
    it again and sends only the rest. ``thread_id`` keeps a reply in the forum topic it answers.

    Raises:
        RecipientGone, RetryLater, DeliveryFailed: the core's outcomes for Telegram's errors.
    """
    chunks = html_chunks(reply)
    markup = keyboard(reply)
    sent = [] if sent is None else sent
    try:
        for position, chunk in enumerate(chunks):
            if position < len(sent):
                continue
            sent.append(
                await bot.send_message(
                    chat_id=chat.chat_id,
                    text=chunk,
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup if position == len(chunks) - 1 else None,
                    link_preview_options=LinkPreviewOptions(is_disabled=True),
                    allow_paid_broadcast=paid_broadcast or None,
                    message_thread_id=thread_id,
                )
            )
    except Forbidden as error:
        raise RecipientGone(str(error)[:100]) from None
    except RetryAfter as error:
        raise RetryLater("telegram rate limit", retry_after_seconds(error)) from None
    except BadRequest as error:
        if any(marker in str(error).lower() for marker in GONE):
            raise RecipientGone(str(error)[:100]) from None
        raise DeliveryFailed(f"telegram: {str(error)[:150]}") from None
    except NetworkError as error:
        raise RetryLater(f"telegram {type(error).__name__}") from None
    except TelegramError as error:
        raise DeliveryFailed(f"telegram: {type(error).__name__}") from None
    return sent
