"""Tip order per chat: cycles over the chat's categories in an order of its own, no repeat until every
tip was seen, and a different order each cycle."""

from __future__ import annotations

import math
import zlib
from typing import NamedTuple

from bot.content.models import Tip


class RotationStep(NamedTuple):
    """The tip to send now and where the rotation stands afterwards (a tuple: a tick makes a thousand)."""

    tip: Tip
    cycle: int
    position: int


def _affine(count: int, chat_row_id: int, cycle: int) -> tuple[int, int]:
    """A permutation of range(count) as ``(a * p + b) % count``, different per chat and cycle.

    O(1) per tip, so a dispatcher tick stays cheap with thousands of chats due; the same in every
    process (crc32, not Python's salted hash).
    """
    digest = zlib.crc32(f"{chat_row_id}:{cycle}".encode())
    offset = digest % count
    step = (digest // count) % count or 1
    while math.gcd(step, count) != 1:
        step = step % count + 1
    return step, offset


def cycle_order(tips: list[Tip], chat_row_id: int, cycle: int) -> list[Tip]:
    """The tips in the order this chat sees them in this cycle (the same order in every process)."""
    ordered = sorted(tips, key=lambda tip: tip.id)
    step, offset = _affine(len(ordered), chat_row_id, cycle)
    return [ordered[(step * position + offset) % len(ordered)] for position in range(len(ordered))]


def next_tip(ordered: list[Tip], chat_row_id: int, cycle: int, position: int) -> RotationStep | None:
    """The tip at the current position, and the position after it (a new cycle in a new order at the end).

    ``ordered`` is the chat's tips in id order (as ``tips_for`` returns them), so every process agrees.
    """
    if not ordered:
        return None
    count = len(ordered)
    if position >= count:
        cycle, position = cycle + 1, 0
    step, offset = _affine(count, chat_row_id, cycle)
    tip = ordered[(step * position + offset) % count]
    position += 1
    if position >= count:
        cycle, position = cycle + 1, 0
    return RotationStep(tip, cycle, position)


def tips_for(all_tips: list[Tip], categories: list[str] | None) -> list[Tip]:
    """The tips of these categories in id order (all tips when none are chosen or none match)."""
    chosen = [tip for tip in all_tips if not categories or tip.category in categories]
    return sorted(chosen or all_tips, key=lambda tip: tip.id)
