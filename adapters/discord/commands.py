"""The slash commands: one per core command, each mapped to the core's Command event (name + args).

The core does the work; Discord only collects the arguments as options. Descriptions come from the
content (``commands:`` and the ``option.*`` strings in ui.yaml), cut to Discord's 100 characters, and
carry a key so ContentTranslator can give Discord every shipped language's wording.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import discord
from discord import app_commands

from bot.content.texts import Texts

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
    "mydata",
)


def fit(text: str) -> str:
    """Cut to Discord's 100-character limit for descriptions."""
    return text if len(text) <= DESCRIPTION_LIMIT else text[: DESCRIPTION_LIMIT - 1] + "…"


def _describe(texts: Texts, lang: str, name: str) -> app_commands.locale_str:
    return app_commands.locale_str(
        fit(texts.command_descriptions(lang).get(name) or name), key=f"command.{name}"
    )


def _name(name: str) -> app_commands.locale_str:
    """A command (``"subscribe"``) or option (``"subscribe.time"``) name that ContentTranslator localises."""
    return app_commands.locale_str(name.rsplit(".", 1)[-1], key=f"name.{name}")


def _option(texts: Texts, lang: str, command: str, option: str) -> app_commands.locale_str:
    key = f"option.{command}.{option}"
    return app_commands.locale_str(fit(texts.say(lang, key)), key=key)


def build_commands(texts: Texts, lang: str, handle: Handle) -> list[app_commands.Command]:
    """The slash commands for every core command the content describes."""
    described = set(texts.command_descriptions(lang))
    commands: list[app_commands.Command] = []

    def add(name: str, callback: Callable[..., Awaitable[None]]) -> None:
        if name in described:
            commands.append(
                app_commands.Command(
                    name=_name(name), description=_describe(texts, lang, name), callback=callback
                )
            )

    def plain(name: str) -> Callable[[discord.Interaction], Awaitable[None]]:
        async def callback(interaction: discord.Interaction) -> None:
            await handle(interaction, name, ())

        return callback

    for name in NO_OPTIONS:
        add(name, plain(name))

    @app_commands.rename(question=_name("ask.question"))
    @app_commands.describe(question=_option(texts, lang, "ask", "question"))
    async def ask(interaction: discord.Interaction, question: str) -> None:
        await handle(interaction, "ask", tuple(question.split()))

    @app_commands.rename(category=_name("tip.category"))
    @app_commands.describe(category=_option(texts, lang, "tip", "category"))
    async def tip(interaction: discord.Interaction, category: str | None = None) -> None:
        await handle(interaction, "tip", tuple((category or "").split()))

    @app_commands.rename(code=_name("language.code"))
    @app_commands.describe(code=_option(texts, lang, "language", "code"))
    async def language(interaction: discord.Interaction, code: str | None = None) -> None:
        await handle(interaction, "language", tuple((code or "").split()))

    @app_commands.rename(option=_name("leaderboard.option"))
    @app_commands.describe(option=_option(texts, lang, "leaderboard", "option"))
    async def leaderboard(interaction: discord.Interaction, option: str | None = None) -> None:
        await handle(interaction, "leaderboard", tuple((option or "").split()))

    @app_commands.rename(
        time=_name("subscribe.time"),
        zone=_name("subscribe.zone"),
        categories=_name("subscribe.categories"),
        weekdays=_name("subscribe.weekdays"),
    )
    @app_commands.describe(
        time=_option(texts, lang, "subscribe", "time"),
        zone=_option(texts, lang, "subscribe", "zone"),
        categories=_option(texts, lang, "subscribe", "categories"),
        weekdays=_option(texts, lang, "subscribe", "weekdays"),
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
