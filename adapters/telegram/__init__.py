"""The Telegram adapter (python-telegram-bot 22): long polling or webhook, HTML replies, inline buttons."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

# python-telegram-bot 22 reports time periods (RetryAfter.retry_after...) as timedelta when this is
# set, and warns on every access otherwise; we use the timedelta form everywhere.
os.environ.setdefault("PTB_TIMEDELTA", "true")

if TYPE_CHECKING:
    from adapters.telegram.messenger import TelegramMessenger
    from bot.app.wiring import Core

__all__ = ["outbox_messenger", "serve"]


async def serve(core: Core) -> None:
    """Run the Telegram adapter until cancelled."""
    from adapters.telegram.application import TelegramAdapter

    await TelegramAdapter(core).run()


@asynccontextmanager
async def outbox_messenger(core: Core) -> AsyncIterator[TelegramMessenger]:
    """For sender processes: sends through the Bot API over HTTP, with no polling or webhook."""
    from adapters.telegram.messenger import TelegramMessenger

    settings = core.settings
    assert settings.telegram_bot_token is not None
    messenger = TelegramMessenger.for_token(
        settings.telegram_bot_token.get_secret_value(),
        settings.telegram_api_base_url,
        paid_broadcast=settings.telegram_paid_broadcast,
    )
    await messenger.start()
    try:
        yield messenger
    finally:
        await messenger.stop()
