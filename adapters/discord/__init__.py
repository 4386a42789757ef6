"""The Discord adapter (discord.py 2): slash commands and buttons over the gateway, markdown replies."""

from __future__ import annotations

import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

# discord.py imports audioop (for voice, which we never use); Python 3.11 warns that it is deprecated.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="'audioop' is deprecated", category=DeprecationWarning)
    import discord

if TYPE_CHECKING:
    from adapters.discord.messenger import DiscordMessenger
    from bot.app.wiring import Core

__all__ = ["outbox_messenger", "serve"]


async def serve(core: Core, **options: Any) -> None:
    """Run the Discord adapter until cancelled.

    ``options`` are for tests: ``ready`` (an asyncio.Event set on the gateway's READY) and discord.py
    Client options such as ``guild_ready_timeout``.
    """
    from adapters.discord.client import run

    await run(core, **options)


@asynccontextmanager
async def outbox_messenger(core: Core) -> AsyncIterator[DiscordMessenger]:
    """For sender processes: posts to channels over Discord's HTTP API, with no gateway connection."""
    from adapters.discord.messenger import DiscordMessenger

    token = core.settings.discord_bot_token
    assert token is not None
    client = discord.Client(intents=discord.Intents.none())
    try:
        await client.login(token.get_secret_value())
        yield DiscordMessenger(client)
    finally:
        await client.close()
