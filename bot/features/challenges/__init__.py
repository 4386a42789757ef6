"""Misinformation-spotting challenges: private rounds, group items, leaderboards and daily posts.

In a private chat /challenge deals a round of items, one at a time: "Reliable" or "Manipulative", then
(for a manipulative item called manipulative) which technique it uses, with feedback at once and a
discernment summary at the end. In a group it posts one item everyone can answer once, privately; an
admin's /reveal, or the reveal time (checked by the clock, and on any challenge interaction), shows
the answer and the vote.
"""

from __future__ import annotations

from bot.core import actions
from bot.core.events import Command
from bot.core.replies import Outgoing
from bot.features.base import Feature, Turn
from bot.features.challenges.daily import daily
from bot.features.challenges.group import group_challenge, group_vote, reveal
from bot.features.challenges.leaderboard import leaderboard
from bot.features.challenges.rounds import play_again, start_round, stats, stats_button, technique, verdict


async def challenge(turn: Turn, command: Command) -> list[Outgoing]:
    if command.args and turn.services.content.canonical_word(command.args[0]) == "daily":
        return await daily(turn, command)
    if turn.event.chat.is_private:
        return await start_round(turn)
    return await group_challenge(turn)


FEATURE = Feature(
    commands={"challenge": challenge, "stats": stats, "leaderboard": leaderboard, "reveal": reveal},
    actions={
        actions.CHALLENGE_VERDICT: verdict,
        actions.CHALLENGE_TECHNIQUE: technique,
        actions.CHALLENGE_AGAIN: play_again,
        actions.CHALLENGE_STATS: stats_button,
        actions.GROUP_VOTE: group_vote,
    },
)

__all__ = ["FEATURE"]
