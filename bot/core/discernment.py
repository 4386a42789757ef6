"""Pure challenge logic: scoring a round in the spirit of MIST (discernment, not just a score), streaks,
dealing items without repeats, and the technique question's options. No I/O here."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from fractions import Fraction

RELIABLE = "reliable"
MANIPULATIVE = "manipulative"
VERDICTS = (RELIABLE, MANIPULATIVE)


class Lean(StrEnum):
    """Which way a player's mistakes lean."""

    BALANCED = "balanced"
    DISTRUST = "distrust"
    """Judged reliable items manipulative more often than the other way round."""
    NAIVE = "naive"
    """Judged manipulative items reliable more often than the other way round."""


@dataclass(frozen=True, slots=True)
class Answer:
    """One answered item: what it really was and what the player said.

    Attributes:
        verdict: the item's real verdict.
        said: the player's verdict.
        technique: the item's technique (manipulative items).
        picked: the technique the player named, when they were asked.
    """

    verdict: str
    said: str
    technique: str | None = None
    picked: str | None = None

    @property
    def right(self) -> bool:
        return self.verdict == self.said


@dataclass(frozen=True, slots=True)
class Discernment:
    """A round's figures: right answers per kind of item, and techniques named."""

    reliable_right: int
    reliable_shown: int
    manipulative_right: int
    manipulative_shown: int
    techniques_right: int
    techniques_asked: int

    @property
    def right(self) -> int:
        return self.reliable_right + self.manipulative_right

    @property
    def shown(self) -> int:
        return self.reliable_shown + self.manipulative_shown

    @property
    def lean(self) -> Lean:
        """Distrust when the share of reliable items called manipulative beats the share of manipulative
        items called reliable; naive the other way; balanced when they are equal (no mistakes included)."""
        distrust = _share(self.reliable_shown - self.reliable_right, self.reliable_shown)
        naive = _share(self.manipulative_shown - self.manipulative_right, self.manipulative_shown)
        if distrust > naive:
            return Lean.DISTRUST
        if naive > distrust:
            return Lean.NAIVE
        return Lean.BALANCED


def _share(part: int, whole: int) -> Fraction:
    return Fraction(part, whole) if whole else Fraction(0)


def discernment(answers: Iterable[Answer]) -> Discernment:
    """The discernment figures of a sequence of answers."""
    listed = list(answers)
    reliable = [a for a in listed if a.verdict == RELIABLE]
    manipulative = [a for a in listed if a.verdict == MANIPULATIVE]
    asked = [a for a in manipulative if a.picked is not None]
    return Discernment(
        reliable_right=sum(a.right for a in reliable),
        reliable_shown=len(reliable),
        manipulative_right=sum(a.right for a in manipulative),
        manipulative_shown=len(manipulative),
        techniques_right=sum(a.picked == a.technique for a in asked),
        techniques_asked=len(asked),
    )


def most_missed_technique(answers: Iterable[Answer]) -> str | None:
    """The technique the player missed most: manipulative items they trusted, or named wrongly.

    Ties go to the technique missed first.
    """
    missed: Counter[str] = Counter()
    for answer in answers:
        if answer.technique is None or answer.verdict != MANIPULATIVE:
            continue
        if not answer.right or (answer.picked is not None and answer.picked != answer.technique):
            missed[answer.technique] += 1
    if not missed:
        return None
    return missed.most_common(1)[0][0]


def next_streak(streak: int, last_day: date | None, today: date) -> int:
    """The streak after finishing a round today: one more than yesterday's, unchanged on the same day,
    else a new streak of one."""
    if last_day == today:
        return max(streak, 1)
    if last_day == today - timedelta(days=1):
        return streak + 1
    return 1


def current_streak(streak: int, last_day: date | None, today: date) -> int:
    """The streak as it stands today: broken (0) when no round was finished today or yesterday."""
    if last_day is None or last_day < today - timedelta(days=1):
        return 0
    return streak


@dataclass(frozen=True, slots=True)
class Deal:
    """The items of a new round, and whether the player's cycle of unseen items starts over."""

    items: list[str]
    new_cycle: bool


def deal(all_items: Sequence[str], seen: set[str], size: int, rng: random.Random) -> Deal:
    """Pick ``size`` items, unseen ones first: no item comes back before every item was dealt.

    When fewer than ``size`` are unseen, the last unseen items come first and the round is filled with
    others; the caller then starts a new cycle holding exactly this round's items.
    """
    size = min(size, len(all_items))
    unseen = [item for item in all_items if item not in seen]
    if len(unseen) >= size:
        return Deal(rng.sample(unseen, size), new_cycle=False)
    rng.shuffle(unseen)
    rest = [item for item in all_items if item not in unseen]
    return Deal(unseen + rng.sample(rest, size - len(unseen)), new_cycle=True)


def technique_options(
    right: str, all_techniques: Sequence[str], rng: random.Random, count: int = 4
) -> list[str]:
    """The right technique and ``count - 1`` others, shuffled."""
    others = [technique for technique in all_techniques if technique != right]
    options = [right, *rng.sample(others, min(count - 1, len(others)))]
    rng.shuffle(options)
    return options
