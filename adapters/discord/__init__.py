"""The Discord adapter (discord.py 2): slash commands and buttons over the gateway, markdown replies."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

# discord.py imports audioop (for voice, which we never use); Python 3.11 warns that it is deprecated.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="'audioop' is deprecated", category=DeprecationWarning)
    import discord  # noqa: F401

if TYPE_CHECKING:
    from bot.app import Core

__all__ = ["serve"]


async def serve(core: Core, **options: Any) -> None:
    """Run the Discord adapter until cancelled.

    ``options`` are for tests: ``ready`` (an asyncio.Event set on the gateway's READY) and discord.py
    Client options such as ``guild_ready_timeout``.
    """
    from adapters.discord.client import run

    await run(core, **options)
