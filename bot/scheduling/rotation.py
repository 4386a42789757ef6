"""Tip order per chat: a shuffled cycle over the chat's categories, no repeat until every tip was seen."""

from __future__ import annotations

import random
from dataclasses import dataclass

from bot.content.models import Tip


@dataclass(frozen=True, slots=True)
class RotationStep:
    """The tip to send now and where the rotation stands afterwards."""

    tip: Tip
    cycle: int
    position: int


def cycle_order(tips: list[Tip], chat_row_id: int, cycle: int) -> list[Tip]:
    """The tips in the order this chat sees them in this cycle (the same order in every process)."""
    ordered = sorted(tips, key=lambda tip: tip.id)
    random.Random(f"{chat_row_id}:{cycle}").shuffle(ordered)
    return ordered


def next_tip(tips: list[Tip], chat_row_id: int, cycle: int, position: int) -> RotationStep | None:
    """The tip at the current position, and the position after it (a new shuffled cycle at the end)."""
    if not tips:
        return None
    if position >= len(tips):
        cycle, position = cycle + 1, 0
    order = cycle_order(tips, chat_row_id, cycle)
    tip = order[position]
    position += 1
    if position >= len(order):
        cycle, position = cycle + 1, 0
    return RotationStep(tip, cycle, position)


def tips_for(all_tips: list[Tip], categories: list[str] | None) -> list[Tip]:
    """The tips of these categories (all tips when none are chosen or none match)."""
    if not categories:
        return all_tips
    chosen = [tip for tip in all_tips if tip.category in categories]
    return chosen or all_tips
