"""Slash-command names, option names and descriptions, localised from content for every shipped language.

discord.py asks the translator once per Discord locale when it syncs the commands; each description
carries a key (``command.<name>`` or ``option.<command>.<option>``) that names its content string.
"""

from __future__ import annotations

import discord
from discord import app_commands

from adapters.discord.commands import fit
from bot.content.library import ContentLibrary
from bot.content.texts import Texts


class ContentTranslator(app_commands.Translator):
    """Gives Discord the description of a command or option in the language a locale maps to."""

    def __init__(self, content: ContentLibrary, texts: Texts) -> None:
        super().__init__()
        self.content = content
        self.texts = texts

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        key = string.extras.get("key")
        base = locale.value.split("-")[0].lower()
        if not isinstance(key, str) or base not in self.content.languages:
            return None
        if key.startswith("name."):
            if base == self.content.default_language:
                return None  # the default language's names are the commands' own names
            return self.content.lang(base).ui.command_names.get(key.removeprefix("name."))
        if key.startswith("command."):
            text = self.texts.command_descriptions(base).get(key.removeprefix("command."))
        else:
            text = self.texts.say(base, key)
        return fit(text) if text else None
