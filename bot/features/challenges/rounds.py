"""/challenge in a private chat, /stats, and the buttons of a private round."""

from __future__ import annotations

from bot.core.events import ButtonPress, Command
from bot.core.payloads import Payload
from bot.core.replies import Outgoing
from bot.features.base import Turn
from bot.messages import challenges as say
from bot.services.challenges.rounds import Dealt, Outcome, Step

_PLAIN = {
    Step.EXPIRED: "error.expired_button",
    Step.ENDED: "challenge.ended",
    Step.ALREADY: "challenge.already_answered",
}


def numbers(args: tuple[str, ...], count: int) -> tuple[int, ...] | None:
    """The first ``count`` arguments as numbers, or None when any is not one."""
    if len(args) < count or not all(arg.isdigit() and len(arg) <= 12 for arg in args[:count]):
        return None
    return tuple(int(arg) for arg in args[:count])


def expired(turn: Turn) -> list[Outgoing]:
    return [turn.reply(turn.say("error.expired_button"), private=True)]


async def start_round(turn: Turn) -> list[Outgoing]:
    dealt = await turn.services.rounds.start(turn.event.user, turn.event.chat, turn.lang)
    if dealt is None:
        return [turn.reply(turn.say("challenge.none"))]
    return [turn.send(say.item_reply(turn.speaker, dealt, turn.owner_key))]


def _replies(turn: Turn, outcome: Outcome) -> list[Outgoing]:
    if outcome.step in _PLAIN:
        return [turn.reply(turn.say(_PLAIN[outcome.step]), private=True)]
    speaker = turn.speaker
    assert outcome.round is not None and outcome.item is not None and outcome.answer is not None
    if outcome.step is Step.ASK_TECHNIQUE:
        assert outcome.item.technique is not None
        dealt = Dealt(outcome.round, outcome.item)
        return [turn.send(say.technique_question(speaker, dealt, outcome.item.technique, turn.owner_key))]
    replies = [turn.reply(say.feedback(speaker, outcome.item, outcome.answer, outcome.picked))]
    if outcome.following is not None:
        replies.append(turn.send(say.item_reply(speaker, outcome.following, turn.owner_key)))
    elif outcome.summary is not None:
        replies.append(turn.send(say.summary_reply(speaker, outcome.summary, turn.owner_key)))
    return replies


async def verdict(turn: Turn, press: ButtonPress, payload: Payload) -> list[Outgoing]:
    found = numbers(payload.args, 2)
    answer = say.VERDICT_CODES.get(payload.args[2]) if len(payload.args) == 3 else None
    if found is None or answer is None:
        return expired(turn)
    outcome = await turn.services.rounds.answer(press.user, found[0], found[1], answer, turn.lang)
    return _replies(turn, outcome)


async def technique(turn: Turn, press: ButtonPress, payload: Payload) -> list[Outgoing]:
    found = numbers(payload.args, 2)
    if found is None or len(payload.args) != 3:
        return expired(turn)
    outcome = await turn.services.rounds.name_technique(
        press.user, found[0], found[1], payload.args[2], turn.lang
    )
    return _replies(turn, outcome)


async def play_again(turn: Turn, press: ButtonPress, payload: Payload) -> list[Outgoing]:
    if not turn.event.chat.is_private:
        return expired(turn)
    return await start_round(turn)


async def _stats(turn: Turn) -> list[Outgoing]:
    figures = await turn.services.rounds.stats(turn.event.user)
    return [turn.reply(say.stats_text(turn.speaker, figures))]


async def stats(turn: Turn, command: Command) -> list[Outgoing]:
    return await _stats(turn)


async def stats_button(turn: Turn, press: ButtonPress, payload: Payload) -> list[Outgoing]:
    return await _stats(turn)
