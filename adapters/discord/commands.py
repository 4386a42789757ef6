"""The slash commands: one per core command, each mapped to the core's Command event (name + args).

The core does the work; Discord only collects the arguments as options. Descriptions come from the
content (``commands:`` in ui.yaml), cut to Discord's 100 characters.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import discord
from discord import app_commands

from bot.texts import Texts

DESCRIPTION_LIMIT = 100

Handle = Callable[[discord.Interaction, str, tuple[str, ...]], Awaitable[None]]
"""What a slash command calls: the interaction, the core command name and its arguments."""

NO_OPTIONS = (
    "start",
    "help",
    "topics",
    "challenge",
    "stats",
    "reveal",
    "unsubscribe",
    "subscription",
    "forget",
)


def _describe(texts: Texts, lang: str, name: str) -> str:
    text = texts.command_descriptions(lang).get(name) or name
    return text if len(text) <= DESCRIPTION_LIMIT else text[: DESCRIPTION_LIMIT - 1] + "…"


def build_commands(texts: Texts, lang: str, handle: Handle) -> list[app_commands.Command]:
    """The slash commands for every core command the content describes."""
    described = set(texts.command_descriptions(lang))
    commands: list[app_commands.Command] = []

    def add(name: str, callback: Callable[..., Awaitable[None]]) -> None:
        if name in described:
            commands.append(
                app_commands.Command(name=name, description=_describe(texts, lang, name), callback=callback)
            )

    def plain(name: str) -> Callable[[discord.Interaction], Awaitable[None]]:
        async def callback(interaction: discord.Interaction) -> None:
            await handle(interaction, name, ())

        return callback

    for name in NO_OPTIONS:
        add(name, plain(name))

    @app_commands.describe(question="Your question, in your own words")
    async def ask(interaction: discord.Interaction, question: str) -> None:
        await handle(interaction, "ask", tuple(question.split()))

    @app_commands.describe(category="Only tips from this category, e.g. privacy")
    async def tip(interaction: discord.Interaction, category: str | None = None) -> None:
        await handle(interaction, "tip", tuple((category or "").split()))

    @app_commands.describe(code="A language code, e.g. en")
    async def language(interaction: discord.Interaction, code: str | None = None) -> None:
        await handle(interaction, "language", tuple((code or "").split()))

    @app_commands.describe(option="hide: leave the leaderboard; show: join it again")
    async def leaderboard(interaction: discord.Interaction, option: str | None = None) -> None:
        await handle(interaction, "leaderboard", tuple((option or "").split()))

    @app_commands.describe(
        time="Local time, 24-hour clock, e.g. 08:30",
        zone="Time zone, e.g. Europe/Madrid",
        categories="Only these categories, e.g. privacy misinformation",
        weekdays="Only Monday to Friday",
    )
    async def subscribe(
        interaction: discord.Interaction,
        time: str | None = None,
        zone: str | None = None,
        categories: str | None = None,
        weekdays: bool | None = None,
    ) -> None:
        args = [time or "", zone or "", *(categories or "").replace(",", " ").split()]
        if weekdays is not None:
            args.append("weekdays" if weekdays else "daily")
        await handle(interaction, "subscribe", tuple(args))

    add("ask", ask)
    add("tip", tip)
    add("language", language)
    add("leaderboard", leaderboard)
    add("subscribe", subscribe)
    return commands
