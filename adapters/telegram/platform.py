"""Telegram as the registry knows it: its settings, its pace, how it serves people and sends drops."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from adapters.telegram.settings import TelegramSettings, load
from bot.app.platforms import ChatPort, SendRules
from bot.core.messenger import Messenger

PAID_BROADCAST_PER_SECOND = 1000.0
"""With allow_paid_broadcast Telegram takes up to 1,000 messages a second (paid in Stars)."""


class TelegramPlatform:
    """Telegram (python-telegram-bot 22): long polling or a webhook; HTML replies; inline buttons."""

    name = "telegram"

    def __init__(self, settings: TelegramSettings | None = None) -> None:
        self._settings = settings

    @property
    def settings(self) -> TelegramSettings:
        if self._settings is None:
            self._settings = load()
        return self._settings

    def configured(self) -> bool:
        return self.settings.telegram_bot_token is not None

    def secrets(self) -> list[str]:
        settings = self.settings
        return [
            s.get_secret_value() for s in (settings.telegram_bot_token, settings.telegram_webhook_secret) if s
        ]

    def send_rules(self) -> SendRules:
        """Telegram's Bot FAQ: about 30 messages a second overall, 20 a minute into one group, about one
        a second into one chat."""
        settings = self.settings
        if not settings.telegram_rate_limit:
            return SendRules(per_second=None, private_gap=0.0, group_gap=0.0)
        per_second = (
            PAID_BROADCAST_PER_SECOND
            if settings.telegram_paid_broadcast
            else settings.telegram_messages_per_second
        )
        return SendRules(
            per_second, private_gap=1.0, group_gap=60.0 / settings.telegram_group_messages_per_minute
        )

    async def serve(self, port: ChatPort) -> None:
        from adapters.telegram.application import TelegramAdapter

        await TelegramAdapter(port, self.settings).run()

    def outbox_messenger(self) -> AbstractAsyncContextManager[Messenger]:
        return self._outbox_messenger()

    @asynccontextmanager
    async def _outbox_messenger(self) -> AsyncIterator[Messenger]:
        """For sender processes: the Bot API over HTTP, with no polling or webhook."""
        from adapters.telegram.messenger import TelegramMessenger

        settings = self.settings
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


def platform() -> TelegramPlatform:
    """The registry's entry point: Telegram with its settings from the environment."""
    return TelegramPlatform()
