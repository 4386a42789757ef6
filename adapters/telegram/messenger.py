"""Proactive sends to Telegram for the delivery outbox: platform errors become the core's outcomes.

Forbidden (blocked, removed) and "chat not found" mean the recipient is gone; RetryAfter becomes
RetryLater with Telegram's wait; network errors and timeouts RetryLater with the outbox's backoff;
any other Bad Request is a permanent failure. No retry loop here: the outbox owns retries.
"""

from __future__ import annotations

from telegram import Bot, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from adapters.telegram.outbound import retry_after_seconds
from adapters.telegram.render import html_chunks, keyboard
from adapters.telegram.transport import AiohttpRequest
from bot.core.events import ChatRef
from bot.core.messenger import DeliveryFailed, RecipientGone, RetryLater
from bot.core.replies import Reply

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
        chunks = html_chunks(reply)
        markup = keyboard(reply)
        message_id = ""
        try:
            for position, chunk in enumerate(chunks):
                message = await self.bot.send_message(
                    chat_id=chat.chat_id,
                    text=chunk,
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup if position == len(chunks) - 1 else None,
                    link_preview_options=LinkPreviewOptions(is_disabled=True),
                    allow_paid_broadcast=self.paid_broadcast or None,
                )
                message_id = str(message.message_id)
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
        return message_id
