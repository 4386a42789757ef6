"""/forget: delete everything stored about the person, after they confirm with a button."""

from __future__ import annotations

from datetime import timedelta

from bot.core import actions
from bot.core.events import ButtonPress, Command
from bot.core.payloads import Payload
from bot.core.replies import Outgoing
from bot.features.base import Feature, Turn

CONFIRM_WINDOW = timedelta(minutes=10)


async def forget(turn: Turn, command: Command) -> list[Outgoing]:
    buttons = [
        turn.button(turn.say("button.forget_yes"), actions.FORGET, ttl=CONFIRM_WINDOW, personal=True),
        turn.button(turn.say("button.forget_no"), actions.KEEP, ttl=CONFIRM_WINDOW, personal=True),
    ]
    return [turn.reply(turn.say("forget.confirm"), buttons, per_row=2, private=True)]


async def confirm(turn: Turn, press: ButtonPress, payload: Payload) -> list[Outgoing]:
    await turn.services.consent.forget(press.user)  # before the chats it hangs on are gone
    await turn.services.people.forget(press.user)
    turn.services.pending.forget(turn.owner_key)
    return [turn.reply(turn.say("forget.done"), private=True)]


async def cancel(turn: Turn, press: ButtonPress, payload: Payload) -> list[Outgoing]:
    return [turn.reply(turn.say("forget.cancelled"), private=True)]


FEATURE = Feature(commands={"forget": forget}, actions={actions.FORGET: confirm, actions.KEEP: cancel})
