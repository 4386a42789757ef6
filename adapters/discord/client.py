"""The Discord adapter's lifecycle: a discord.py client started and closed inside our own loop.

``login`` (REST), sync the slash commands, register the outbox messenger, ``connect`` to the gateway;
then the reverse on the way out. Slash commands and button presses become core events; replies go back
as the interaction's response and followups. Every interaction is acknowledged within Discord's 3 s:
answered directly when the core is quick, else deferred first and answered with followups.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import discord
from discord import app_commands

from adapters.discord.commands import build_commands
from adapters.discord.inbound import command_event, dm_text_event, press_event
from adapters.discord.messenger import NO_MENTIONS, DiscordMessenger
from adapters.discord.render import pieces
from adapters.discord.settings import DiscordSettings
from adapters.discord.translator import ContentTranslator
from bot.app.platforms import ChatPort
from bot.core.events import Incoming
from bot.core.replies import Outgoing

_log = logging.getLogger(__name__)

ANSWER_WITHIN = 2.0
"""Seconds to wait for the core before deferring (Discord wants an acknowledgement within 3 s)."""


def intents() -> discord.Intents:
    """Slash commands and buttons, and direct messages (whose text Discord sends without the privileged
    message-content intent): no privileged intents."""
    return discord.Intents(guilds=True, dm_messages=True)


def client_class_and_options(settings: DiscordSettings) -> tuple[type[discord.Client], dict[str, Any]]:
    """A plain Client for one shard (or none), an AutoShardedClient for several shards in one process."""
    count, ids = settings.discord_shard_count, list(settings.discord_shard_ids)
    if len(ids) > 1 or (not ids and count is not None and count > 1):
        options: dict[str, Any] = {"shard_count": count}
        if ids:
            options["shard_ids"] = ids
        return AutoShardedSafetyClient, options
    if ids:
        return SafetyClient, {"shard_id": ids[0], "shard_count": count or ids[0] + 1}
    return SafetyClient, {}


class _Handlers:
    """The adapter's behaviour, shared by the plain and the auto-sharded client."""

    port: ChatPort
    settings: DiscordSettings
    tree: app_commands.CommandTree
    ready_event: asyncio.Event | None

    def _setup(self, port: ChatPort, settings: DiscordSettings, ready: asyncio.Event | None) -> None:
        self.port = port
        self.settings = settings
        self.ready_event = ready
        self.tree = app_commands.CommandTree(self)  # type: ignore[arg-type]
        self.tree.on_error = self.on_app_command_error  # type: ignore[method-assign]
        lang = port.content.default_language
        for command in build_commands(port.texts, lang, self.on_command):
            self.tree.add_command(command)

    async def setup_hook(self) -> None:
        """Sync the slash commands (descriptions in every shipped language): to DISCORD_DEV_GUILD_ID when
        set (instant), else globally."""
        await self.tree.set_translator(ContentTranslator(self.port.content, self.port.texts))
        guild_id = self.settings.discord_dev_guild_id
        if guild_id is not None:
            guild = discord.Object(id=guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            _log.info("discord: %d commands synced to the development server", len(synced))
        else:
            synced = await self.tree.sync()
            _log.info("discord: %d commands synced globally", len(synced))

    async def on_ready(self) -> None:
        _log.info("discord: connected to the gateway")
        if self.ready_event is not None:
            self.ready_event.set()

    async def on_command(self, interaction: discord.Interaction, name: str, args: tuple[str, ...]) -> None:
        event = command_event(interaction, self.port.content, name, args)
        await self.answer(interaction, event)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Button presses, whatever their custom_id (also from messages sent before a restart)."""
        if interaction.type is not discord.InteractionType.component:
            return
        try:
            event = press_event(interaction, self.port.content)
            if event is None:
                await interaction.response.defer()
                return
            await self.answer(interaction, event)
        except Exception as error:  # log with the interaction id only and go on
            _log.error(
                "discord interaction %s failed: %s",
                interaction.id,
                type(error).__name__,
                extra={"platform": "discord", "update_id": interaction.id},
            )

    async def on_app_command_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        cause = getattr(error, "original", error)
        _log.error("discord interaction %s failed: %s", interaction.id, type(cause).__name__)

    async def on_error(self, event_method: str, /, *args: Any, **kwargs: Any) -> None:
        import sys

        _log.error("discord event %s failed: %s", event_method, type(sys.exc_info()[1]).__name__)

    async def on_message(self, message: discord.Message) -> None:
        """A direct message to the bot is a question like any other (server channels use slash commands)."""
        if message.guild is not None or message.author.bot or not message.content.strip():
            return
        event = dm_text_event(message)
        replies = await self.port.handle(event)
        messenger = DiscordMessenger(self)  # type: ignore[arg-type]
        for outgoing in replies:
            await messenger.deliver(outgoing.chat, outgoing.reply)

    async def answer(self, interaction: discord.Interaction, event: Incoming) -> None:
        """Let the core answer; reply directly when it is quick, else defer and follow up."""
        work = asyncio.ensure_future(self.port.handle(event))
        done, _ = await asyncio.wait({work}, timeout=ANSWER_WITHIN)
        deferred = False
        if not done:
            deferred = True
            if interaction.type is discord.InteractionType.component:
                await interaction.response.defer()
            else:
                await interaction.response.defer(thinking=True)
        replies: list[Outgoing] = await work
        await self.send_replies(interaction, replies, deferred=deferred)

    async def send_replies(
        self, interaction: discord.Interaction, replies: list[Outgoing], *, deferred: bool
    ) -> None:
        """The first message as the interaction's response (or, after a "thinking" defer, the first
        followup, which replaces the thinking message); the rest as followups. Private -> ephemeral."""
        sent = 0
        for outgoing in replies:
            private = outgoing.reply.private
            for piece in pieces(outgoing.reply):
                options: dict[str, Any] = {"allowed_mentions": NO_MENTIONS, "suppress_embeds": True}
                if piece.view is not None:
                    options["view"] = piece.view
                if not interaction.response.is_done():
                    await interaction.response.send_message(piece.content, ephemeral=private, **options)
                else:
                    await interaction.followup.send(piece.content, ephemeral=private, **options)
                sent += 1
        if sent:
            return
        # Nothing to say (e.g. flood control): acknowledge silently.
        if interaction.type is discord.InteractionType.component:
            if not interaction.response.is_done():
                await interaction.response.defer()
            return
        if not interaction.response.is_done():
            await interaction.response.defer(ephemeral=True, thinking=True)
        await interaction.delete_original_response()


class SafetyClient(_Handlers, discord.Client):
    def __init__(
        self, port: ChatPort, settings: DiscordSettings, *, ready: asyncio.Event | None = None, **options: Any
    ) -> None:
        super().__init__(intents=intents(), allowed_mentions=NO_MENTIONS, **options)
        self._setup(port, settings, ready)


class AutoShardedSafetyClient(_Handlers, discord.AutoShardedClient):
    def __init__(
        self, port: ChatPort, settings: DiscordSettings, *, ready: asyncio.Event | None = None, **options: Any
    ) -> None:
        super().__init__(intents=intents(), allowed_mentions=NO_MENTIONS, **options)
        self._setup(port, settings, ready)


async def run(
    port: ChatPort, settings: DiscordSettings, *, ready: asyncio.Event | None = None, **client_options: Any
) -> None:
    """Run the Discord adapter until cancelled (or until discord.py gives up on the connection)."""
    token = settings.discord_bot_token
    assert token is not None
    # At DEBUG, discord.py logs request bodies and gateway events, i.e. what people wrote: never below INFO.
    for name in ("discord.http", "discord.gateway", "discord.client", "discord.state"):
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() < logging.INFO:
            logger.setLevel(logging.INFO)
    cls, options = client_class_and_options(settings)
    options.update(client_options)
    client = cls(port, settings, ready=ready, **options)
    messenger = DiscordMessenger(client)
    try:
        await client.login(token.get_secret_value())
        port.register_messenger(messenger)
        await client.connect(reconnect=True)
    finally:
        port.unregister_messenger(messenger.platform)
        await client.close()
