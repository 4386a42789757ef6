"""/challenge in a group, the group item's buttons, and /reveal."""

from __future__ import annotations

from bot.core.events import ButtonPress, Command
from bot.core.payloads import Payload
from bot.core.replies import Outgoing
from bot.features.base import Turn
from bot.features.challenges.rounds import expired, numbers
from bot.messages import challenges as say
from bot.services.challenges.group import Posting, Reveal, Voting

_VOTE_KEYS = {
    Voting.ALREADY: "challenge.group_already",
    Voting.CLOSED: "challenge.group_closed",
}


def revealed(turn: Turn, reveals: list[Reveal]) -> list[Outgoing]:
    """The answers of the items just revealed (an admin asked, or their time came)."""
    return [turn.reply(say.reveal_text(turn.speaker, reveal)) for reveal in reveals]


async def group_challenge(turn: Turn) -> list[Outgoing]:
    outcome = await turn.services.groups.post(turn.event.chat, turn.lang)
    replies = revealed(turn, outcome.revealed)
    match outcome.status:
        case Posting.OPEN:
            return [*replies, turn.reply(turn.say("challenge.group_open"))]
        case Posting.NONE:
            return [*replies, turn.reply(turn.say("challenge.none"))]
    assert outcome.post is not None
    minutes = turn.services.groups.open_for.total_seconds() / 60
    return [*replies, turn.send(say.group_post(turn.speaker, outcome.post, outcome.item, minutes))]


async def group_vote(turn: Turn, press: ButtonPress, payload: Payload) -> list[Outgoing]:
    found = numbers(payload.args, 1)
    answer = say.VERDICT_CODES.get(payload.args[1]) if len(payload.args) == 2 else None
    if found is None or answer is None or turn.event.chat.is_private:
        return expired(turn)
    name = say.display_name(press.user.display_name)
    outcome = await turn.services.groups.vote(turn.event.chat, press.user, found[0], answer, name)
    after = revealed(turn, outcome.revealed)
    if outcome.status is Voting.EXPIRED:
        return [*expired(turn), *after]
    if outcome.status in _VOTE_KEYS:
        return [turn.reply(turn.say(_VOTE_KEYS[outcome.status]), private=True), *after]
    label = say.verdict_label(turn.speaker, answer)
    return [turn.reply(turn.say("challenge.vote_recorded", answer=label), private=True), *after]


async def reveal(turn: Turn, command: Command) -> list[Outgoing]:
    if turn.event.chat.is_private:
        return [turn.reply(turn.say("challenge.reveal_private"))]
    groups = turn.services.groups
    due = revealed(turn, await groups.reveal_due(turn.event.chat))
    if not await turn.may_change_chat_settings():
        return [*due, turn.reply(turn.say("challenge.reveal_admins_only"))]
    now = await groups.reveal_open(turn.event.chat)
    if now is None:
        return due or [turn.reply(turn.say("challenge.reveal_none"))]
    return [*due, *revealed(turn, [now])]
