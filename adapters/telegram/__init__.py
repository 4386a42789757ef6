"""The Telegram adapter (python-telegram-bot 22): long polling or webhook, HTML replies, inline buttons."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

# python-telegram-bot 22 reports time periods (RetryAfter.retry_after...) as timedelta when this is
# set, and warns on every access otherwise; we use the timedelta form everywhere.
os.environ.setdefault("PTB_TIMEDELTA", "true")

if TYPE_CHECKING:
    from bot.app import Core

__all__ = ["serve"]


async def serve(core: Core) -> None:
    """Run the Telegram adapter until cancelled."""
    from adapters.telegram.application import TelegramAdapter

    await TelegramAdapter(core).run()
