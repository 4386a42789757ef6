"""Commands every platform already lists whose features are still being built: they say so plainly."""

from __future__ import annotations

from bot.events import Command
from bot.features.base import Feature, Turn
from bot.replies import Outgoing


async def not_yet(turn: Turn, command: Command) -> list[Outgoing]:
    return [turn.reply(turn.say("upcoming.not_yet", command=command.name))]


FEATURE = Feature(
    commands={name: not_yet for name in ("challenge",)},
    actions={},
)
