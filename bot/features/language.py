"""/language: show or change the language the bot speaks to you."""

from __future__ import annotations

from dataclasses import replace

from bot.core import actions
from bot.core.events import ButtonPress, Command
from bot.core.payloads import Payload
from bot.core.replies import Outgoing
from bot.features.answers import answer_question
from bot.features.base import Feature, Turn


def _name(turn: Turn, code: str) -> str:
    return turn.services.texts.say(code, "language.name")


async def _set(turn: Turn, code: str) -> list[Outgoing]:
    """In a private chat: the person's language. In a group: the group's, which only its admins set."""
    event = turn.event
    people, now = turn.services.people, turn.services.clock.now()
    if event.chat.is_private:
        await people.set_language(event.user, code, now)
        return [turn.reply(turn.services.texts.say(code, "language.set", language=_name(turn, code)))]
    if not await turn.may_change_chat_settings():
        return [turn.reply(turn.say("group.admins_only"), private=True)]
    await people.set_chat_language(event.chat, event.user, code, now)
    return [turn.reply(turn.services.texts.say(code, "language.set_group", language=_name(turn, code)))]


async def language(turn: Turn, command: Command) -> list[Outgoing]:
    shipped = turn.services.content.shipped
    if not command.args:
        buttons = [turn.button(_name(turn, code), actions.LANGUAGE, code) for code in shipped]
        text = turn.say("language.current", language=_name(turn, turn.lang))
        return [turn.reply(text, buttons, per_row=3)]
    wanted = turn.services.content.canonical_word(command.args[0]).replace("_", "-").split("-")[0]
    if wanted not in shipped:
        available = ", ".join(f"{code} ({_name(turn, code)})" for code in shipped)
        return [turn.reply(turn.say("language.unknown", code=command.args[0][:16], available=available))]
    return await _set(turn, wanted)


async def language_button(turn: Turn, press: ButtonPress, payload: Payload) -> list[Outgoing]:
    """A language picked from /language, or from "which language?" (then the held question is answered
    in it, or the person is asked to send it again when it is no longer held)."""
    args = payload.args
    if (
        not args
        or args[0] not in turn.services.content.shipped
        or args[1:] not in ((), (actions.ANSWER_HELD,))
    ):
        return [turn.reply(turn.say("error.expired_button"))]
    code = args[0]
    replies = await _set(turn, code)
    if args[1:] == (actions.ANSWER_HELD,):
        in_language = replace(turn, lang=code)
        held = turn.services.pending.take(turn.owner_key, turn.services.clock.now())
        if held is None:
            return [*replies, in_language.reply(in_language.say("language.ask_again"))]
        return [*replies, *answer_question(in_language, held)]
    return replies


FEATURE = Feature(commands={"language": language}, actions={actions.LANGUAGE: language_button})
