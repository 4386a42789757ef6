"""Discord as the registry knows it: its settings, its pace, how it serves people and sends drops."""

from __future__ import annotations

import warnings
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from adapters.discord.settings import DiscordSettings, load
from bot.app.platforms import ChatPort, SendRules
from bot.core.messenger import Messenger


class DiscordPlatform:
    """Discord (discord.py 2.7): slash commands and buttons over the gateway; markdown replies."""

    name = "discord"

    def __init__(self, settings: DiscordSettings | None = None, **client_options: Any) -> None:
        self._settings = settings
        self.client_options = client_options
        """For tests: ``ready`` (an asyncio.Event set on READY) and discord.py Client options."""

    @property
    def settings(self) -> DiscordSettings:
        if self._settings is None:
            self._settings = load()
        return self._settings

    def configured(self) -> bool:
        return self.settings.discord_bot_token is not None

    def secrets(self) -> list[str]:
        token = self.settings.discord_bot_token
        return [token.get_secret_value()] if token else []

    def send_rules(self) -> SendRules:
        """discord.py keeps to Discord's per-route buckets itself; channels get a gap between posts."""
        return SendRules(per_second=None, private_gap=1.0, group_gap=3.0)

    async def serve(self, port: ChatPort) -> None:
        from adapters.discord.client import run

        await run(port, self.settings, **self.client_options)

    def outbox_messenger(self) -> AbstractAsyncContextManager[Messenger]:
        return self._outbox_messenger()

    @asynccontextmanager
    async def _outbox_messenger(self) -> AsyncIterator[Messenger]:
        """For sender processes: posts to channels over Discord's HTTP API, with no gateway connection."""
        from adapters.discord.messenger import DiscordMessenger

        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="'audioop' is deprecated", category=DeprecationWarning)
            import discord

        token = self.settings.discord_bot_token
        assert token is not None
        client = discord.Client(intents=discord.Intents.none())
        try:
            await client.login(token.get_secret_value())
            yield DiscordMessenger(client)
        finally:
            await client.close()


def platform() -> DiscordPlatform:
    """The registry's entry point: Discord with its settings from the environment."""
    return DiscordPlatform()
