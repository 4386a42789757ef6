"""/leaderboard: a group's top players this week and all time; hide or show yourself."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from bot.core.events import Command
from bot.core.replies import Outgoing
from bot.features.base import Turn
from bot.features.challenges.group import revealed
from bot.messages import challenges as say

LEADERBOARD_SIZE = 10


def week_start(now: datetime) -> datetime:
    """Monday 00:00 UTC of this week."""
    today = now.astimezone(UTC).date()
    return datetime.combine(today - timedelta(days=today.weekday()), time(0), tzinfo=UTC)


async def leaderboard(turn: Turn, command: Command) -> list[Outgoing]:
    services = turn.services
    word = services.content.canonical_word(command.args[0]) if command.args else ""
    if word in ("hide", "show"):
        await services.rounds.set_hidden(turn.event.user, word == "hide")
        return [
            turn.reply(
                turn.say("leaderboard.hidden" if word == "hide" else "leaderboard.shown"), private=True
            )
        ]
    if word:
        return [turn.reply(turn.say("leaderboard.usage"))]
    if turn.event.chat.is_private:
        return [turn.reply(turn.say("leaderboard.private"))]
    chat = turn.event.chat
    due = revealed(turn, await services.groups.reveal_due(chat))
    boards = [
        (
            "leaderboard.week",
            await services.groups.leaderboard(chat, week_start(services.clock.now()), LEADERBOARD_SIZE),
        ),
        ("leaderboard.all_time", await services.groups.leaderboard(chat, None, LEADERBOARD_SIZE)),
    ]
    return [*due, turn.reply(say.leaderboard_text(turn.speaker, boards))]
