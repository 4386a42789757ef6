"""Discord interactions mapped to the core's platform-neutral events."""

from __future__ import annotations

from datetime import UTC, datetime

import discord

from bot.content.library import ContentLibrary
from bot.core.events import ButtonPress, ChatKind, ChatRef, Command, Incoming, TextMessage, UserRef

PLATFORM = "discord"


def _shipped(content: ContentLibrary, code: str | None) -> bool:
    if not code:
        return False
    return code.replace("_", "-").split("-")[0].lower() in content.languages


def language_hint(interaction: discord.Interaction, content: ContentLibrary) -> str | None:
    """The person's Discord locale when we ship it, else the server's preferred locale, else None.

    A language chosen with /language is stored by the core and wins over this hint.
    """
    for locale in (interaction.locale, interaction.guild_locale):
        code = str(locale.value) if isinstance(locale, discord.Locale) else locale
        if _shipped(content, code):
            return code
    return None


def user_ref(interaction: discord.Interaction, content: ContentLibrary) -> UserRef:
    user = interaction.user
    name = getattr(user, "global_name", None) or getattr(user, "name", "") or ""
    return UserRef(
        PLATFORM, str(user.id), display_name=name, language_hint=language_hint(interaction, content)
    )


def chat_ref(interaction: discord.Interaction) -> ChatRef:
    """A server channel is a group (its admins: members with Manage Server); a DM is private."""
    channel_id = interaction.channel_id or interaction.user.id
    if interaction.guild_id is None:
        return ChatRef(PLATFORM, str(channel_id), ChatKind.PRIVATE)
    return ChatRef(
        PLATFORM,
        str(channel_id),
        ChatKind.GROUP,
        sender_is_admin=bool(interaction.permissions.manage_guild),
    )


def command_event(
    interaction: discord.Interaction, content: ContentLibrary, name: str, args: tuple[str, ...]
) -> Command:
    return Command(
        user_ref(interaction, content),
        chat_ref(interaction),
        _at(interaction),
        name,
        tuple(a for a in args if a),
    )


def press_event(interaction: discord.Interaction, content: ContentLibrary) -> Incoming | None:
    """A button press, or None for components that are not buttons with a custom_id."""
    data = interaction.data or {}
    custom_id = data.get("custom_id")
    if not isinstance(custom_id, str) or data.get("component_type") != discord.ComponentType.button.value:
        return None
    return ButtonPress(user_ref(interaction, content), chat_ref(interaction), _at(interaction), custom_id)


def _at(interaction: discord.Interaction) -> datetime:
    """When it happened: now (an interaction must be answered within seconds of its creation anyway)."""
    return datetime.now(UTC)


def dm_text_event(message: discord.Message) -> TextMessage:
    """A direct message to the bot (Discord sends no locale with messages: the core detects the language)."""
    author = message.author
    name = getattr(author, "global_name", None) or getattr(author, "name", "") or ""
    at = message.created_at if message.created_at.tzinfo else message.created_at.replace(tzinfo=UTC)
    return TextMessage(
        UserRef(PLATFORM, str(author.id), display_name=name),
        ChatRef(PLATFORM, str(message.channel.id), ChatKind.PRIVATE),
        at,
        message.content,
        addressed_to_bot=True,
    )
