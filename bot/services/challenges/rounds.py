"""Private challenge rounds: deal a round, take an answer, ask which technique, end with a summary.

The service decides everything from stored state (whether an answer counts, whether the round still runs,
what comes next); features only turn its outcomes into replies. A button carries only the round id, the
item's position and the choice.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import timedelta
from enum import StrEnum

from bot.content.library import ContentLibrary
from bot.content.models import ChallengeItem
from bot.core.clock import Clock
from bot.core.discernment import MANIPULATIVE, Discernment, discernment, most_missed_technique
from bot.core.events import ChatRef, UserRef
from bot.storage.challenge_players import ChallengePlayers, PlayerStats
from bot.storage.challenge_rounds import ACTIVE, ENDED, ChallengeRounds, Round, answers_of


class Step(StrEnum):
    """What an answer to a round's item led to."""

    EXPIRED = "expired"
    """Not this person's round, or not an item of it."""
    ENDED = "ended"
    """The round ended (timed out, or its item no longer exists)."""
    ALREADY = "already"
    """That item was answered already (a double press)."""
    ASK_TECHNIQUE = "ask_technique"
    """Right that it is manipulative: now, which technique?"""
    ANSWERED = "answered"
    """Feedback is due, then the next item or the summary."""


@dataclass(frozen=True, slots=True)
class Dealt:
    """A round and the item it is at."""

    round: Round
    item: ChallengeItem | None


@dataclass(frozen=True, slots=True)
class Summary:
    """A finished round: its discernment, the technique missed most, the player's streak."""

    figures: Discernment
    missed_technique: str | None
    streak: int


@dataclass(frozen=True, slots=True)
class Outcome:
    """The result of an answer: its step, and for ANSWERED the feedback's facts and what follows."""

    step: Step
    round: Round | None = None
    item: ChallengeItem | None = None
    answer: str | None = None
    picked: str | None = None
    following: Dealt | None = None
    summary: Summary | None = None


class PrivateRounds:
    """Rounds of ``size`` items; an idle round ends after ``timeout``."""

    def __init__(
        self,
        rounds: ChallengeRounds,
        players: ChallengePlayers,
        content: ContentLibrary,
        clock: Clock,
        *,
        size: int,
        timeout: timedelta,
    ) -> None:
        self._rounds = rounds
        self._players = players
        self._content = content
        self._clock = clock
        self.size = size
        self.timeout = timeout

    async def start(self, user: UserRef, chat: ChatRef, lang: str) -> Dealt | None:
        """End the person's unfinished round and deal a new one; None when the language has no items."""
        items = self._content.challenges(lang)
        if not items:
            return None
        current = await self._rounds.start_round(
            user,
            chat,
            self._content.challenge_language(lang),
            [item.id for item in items],
            self.size,
            self._clock.now(),
            random.Random(),
        )
        return Dealt(current, self._item(lang, current.items[current.position]))

    def _item(self, lang: str, item_id: str) -> ChallengeItem | None:
        return self._content.challenge_item(lang, item_id)

    async def _current(self, user: UserRef, round_id: int, position: int) -> Round | Step:
        """The person's round if the press belongs to its current item, else why not."""
        current = await self._rounds.round_of(user, round_id)
        if current is None or position >= len(current.items):
            return Step.EXPIRED
        if current.status == ENDED:
            return Step.ENDED
        if current.status == ACTIVE and self._clock.now() - current.active_at > self.timeout:
            await self._rounds.end_round(current)
            return Step.ENDED
        if position < current.position:
            return Step.ALREADY
        if position > current.position or current.status != ACTIVE:
            return Step.EXPIRED
        return current

    async def answer(self, user: UserRef, round_id: int, position: int, answer: str, lang: str) -> Outcome:
        """Reliable or manipulative, for the round's current item."""
        current = await self._current(user, round_id, position)
        if isinstance(current, Step):
            return Outcome(current)
        item = self._item(lang, current.items[current.position])
        if item is None:
            await self._rounds.end_round(current)
            return Outcome(Step.ENDED)
        stored = await self._rounds.record_verdict(
            current,
            answer=answer,
            correct=item.verdict == answer,
            technique=item.technique if item.verdict == MANIPULATIVE else None,
            now=self._clock.now(),
        )
        if not stored:
            return Outcome(Step.ALREADY)
        if answer == MANIPULATIVE and item.verdict == MANIPULATIVE and item.technique is not None:
            return Outcome(Step.ASK_TECHNIQUE, current, item, answer)
        return await self._after(current, item, answer, None, lang)

    async def name_technique(
        self, user: UserRef, round_id: int, position: int, picked: str, lang: str
    ) -> Outcome:
        """Which technique the current (manipulative) item uses."""
        if picked not in self._content.catalog.techniques:
            return Outcome(Step.EXPIRED)
        current = await self._current(user, round_id, position)
        if isinstance(current, Step):
            return Outcome(current)
        result = await self._rounds.result_at(current.id, current.position)
        if result is None or result.answer != MANIPULATIVE or result.technique is None:
            return Outcome(Step.EXPIRED)
        item = self._item(lang, result.item_id)
        if item is None:
            await self._rounds.end_round(current)
            return Outcome(Step.ENDED)
        if not await self._rounds.record_technique(current, picked, self._clock.now()):
            return Outcome(Step.ALREADY)
        return await self._after(current, item, MANIPULATIVE, picked, lang)

    async def _after(
        self, current: Round, item: ChallengeItem, answer: str, picked: str | None, lang: str
    ) -> Outcome:
        """Move the round on: the next item, or the summary after the last."""
        if not await self._rounds.advance(current, self._clock.now()):
            return Outcome(Step.ALREADY)
        following = replace(current, position=current.position + 1)
        if following.position < len(current.items):
            dealt = Dealt(following, self._item(lang, following.items[following.position]))
            return Outcome(Step.ANSWERED, current, item, answer, picked, following=dealt)
        return Outcome(
            Step.ANSWERED, current, item, answer, picked, summary=await self._summary(current, lang)
        )

    async def _summary(self, finished: Round, lang: str) -> Summary:
        verdicts = {
            item_id: item.verdict
            for item_id in finished.items
            if (item := self._item(lang, item_id)) is not None
        }
        answers = answers_of(await self._rounds.results(finished.id), verdicts)
        streak = await self._players.finish_day(finished.user_row_id, self._clock.now().date())
        return Summary(discernment(answers), most_missed_technique(answers), streak)

    async def stats(self, user: UserRef) -> PlayerStats:
        return await self._players.stats(user, self._clock.now().date())

    async def set_hidden(self, user: UserRef, hidden: bool) -> None:
        """Take the person off leaderboards, or put them back."""
        await self._players.set_hidden(user, hidden, self._clock.now())
