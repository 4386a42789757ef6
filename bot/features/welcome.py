"""/start and /help: what the bot does, how it treats your data, every command."""

from __future__ import annotations

from bot.core import actions
from bot.core.events import ButtonPress, Command
from bot.core.payloads import Payload
from bot.core.replies import Outgoing
from bot.features.base import Feature, Turn


def _start_buttons(turn: Turn) -> list:
    return [
        turn.button(turn.say("button.topics"), actions.TOPICS),
        turn.button(turn.say("button.tip"), actions.TIP),
        turn.button(turn.say("button.help"), actions.HELP),
    ]


async def start(turn: Turn, command: Command) -> list[Outgoing]:
    name = command.user.display_name or turn.say("start.friend")
    text = f"{turn.say('start.welcome', name=name)}\n\n{turn.say('start.privacy')}"
    return [turn.reply(text, _start_buttons(turn), per_row=3)]


def help_text(turn: Turn) -> str:
    lines = [turn.say("help.intro"), ""]
    texts = turn.services.texts
    for name, description in texts.command_descriptions(turn.lang).items():
        lines.append(f"- /{texts.command_name(turn.lang, name)}: {description}")
    lines += ["", turn.say("help.outro")]
    return "\n".join(lines)


async def help_command(turn: Turn, command: Command) -> list[Outgoing]:
    return [turn.reply(help_text(turn))]


async def help_button(turn: Turn, press: ButtonPress, payload: Payload) -> list[Outgoing]:
    return [turn.reply(help_text(turn))]


FEATURE = Feature(commands={"start": start, "help": help_command}, actions={actions.HELP: help_button})
