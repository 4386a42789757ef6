"""bot.services.tip_rotation: per-chat tip order, no repeat before the pool is exhausted, category filter."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.content.models import Tip
from bot.services.tip_rotation import RotationStep, cycle_order, next_tip, tips_for


def make_tip(number: int, category: str = "passwords") -> Tip:
    return Tip(id=f"tip-{number:03d}", category=category, text=f"Tip number {number} says something useful.")


def pool(count: int) -> list[Tip]:
    return [make_tip(number) for number in range(count)]


def ids(tips: list[Tip]) -> list[str]:
    return [tip.id for tip in tips]


def walk(tips: list[Tip], chat: int, steps: int, cycle: int = 0, position: int = 0) -> list[RotationStep]:
    out = []
    for _ in range(steps):
        step = next_tip(tips, chat, cycle, position)
        assert step is not None
        out.append(step)
        cycle, position = step.cycle, step.position
    return out


# tips_for ---------------------------------------------------------------------------------------------


MIXED = [
    make_tip(3, "scams"),
    make_tip(1, "passwords"),
    make_tip(2, "privacy"),
    make_tip(0, "scams"),
]


def test_tips_for_chosen_categories_in_id_order():
    assert ids(tips_for(MIXED, ["scams"])) == ["tip-000", "tip-003"]
    assert ids(tips_for(MIXED, ["privacy", "scams"])) == ["tip-000", "tip-002", "tip-003"]


@pytest.mark.parametrize("categories", [None, [], ["no-such-category"]])
def test_no_choice_or_no_match_gives_every_tip_in_id_order(categories):
    assert ids(tips_for(MIXED, categories)) == ["tip-000", "tip-001", "tip-002", "tip-003"]


def test_tips_for_an_empty_library_is_empty():
    assert tips_for([], ["scams"]) == []
    assert tips_for([], None) == []


# cycle_order ------------------------------------------------------------------------------------------


def test_an_empty_pool_has_no_next_tip():
    assert next_tip([], 1, 0, 0) is None


def test_a_single_tip_is_sent_every_time_and_each_send_is_a_new_cycle():
    tip = make_tip(7)
    assert next_tip([tip], 1, 0, 0) == RotationStep(tip, 1, 0)
    assert next_tip([tip], 1, 5, 0) == RotationStep(tip, 6, 0)


def test_the_order_does_not_depend_on_the_order_tips_are_given_in():
    tips = pool(12)
    assert cycle_order(tips, 42, 3) == cycle_order(list(reversed(tips)), 42, 3)


def test_the_order_is_the_same_in_every_process():
    """crc32, not Python's salted hash: a fixed chat, cycle and pool always give this order."""
    assert ids(cycle_order(pool(5), 42, 0)) == ids(cycle_order(pool(5), 42, 0))
    assert len({tuple(ids(cycle_order(pool(10), chat, 0))) for chat in range(50)}) > 10


def test_chats_and_cycles_get_different_orders():
    tips = pool(20)
    assert len({tuple(ids(cycle_order(tips, chat, 0))) for chat in range(30)}) >= 25
    assert len({tuple(ids(cycle_order(tips, 42, cycle))) for cycle in range(30)}) >= 25


@settings(deadline=None, max_examples=300)
@given(st.integers(1, 120), st.integers(0, 10**12), st.integers(0, 10**6))
def test_each_cycle_is_a_permutation_of_the_pool(count, chat, cycle):
    tips = pool(count)
    assert sorted(ids(cycle_order(tips, chat, cycle))) == ids(tips)


# next_tip ---------------------------------------------------------------------------------------------


@settings(deadline=None, max_examples=200)
@given(st.integers(1, 60), st.integers(0, 10**9), st.integers(0, 1000))
def test_no_tip_repeats_before_the_pool_is_exhausted(count, chat, cycle):
    tips = pool(count)
    steps = walk(tips, chat, 3 * count, cycle=cycle)
    sent = [step.tip.id for step in steps]
    for start in range(0, 3 * count, count):
        assert sorted(sent[start : start + count]) == ids(tips)
    # Each cycle follows cycle_order for that chat and cycle, and the cycle number moves on by one.
    for offset in range(3):
        assert sent[offset * count : (offset + 1) * count] == ids(cycle_order(tips, chat, cycle + offset))
    assert (steps[-1].cycle, steps[-1].position) == (cycle + 3, 0)


def test_positions_count_up_and_wrap_into_the_next_cycle():
    steps = walk(pool(3), 9, 4)
    assert [(step.cycle, step.position) for step in steps] == [(0, 1), (0, 2), (1, 0), (1, 1)]


def test_a_position_past_the_end_starts_the_next_cycle():
    """When tips are removed (or categories narrowed) the stored position may point past the end."""
    tips = pool(4)
    step = next_tip(tips, 5, 2, 10)
    assert step is not None
    assert step.tip == cycle_order(tips, 5, 3)[0]
    assert (step.cycle, step.position) == (3, 1)


@settings(deadline=None)
@given(st.integers(1, 40), st.integers(0, 10**6), st.integers(0, 100), st.data())
def test_resuming_from_a_stored_position_continues_the_same_order(count, chat, cycle, data):
    tips = pool(count)
    position = data.draw(st.integers(0, count - 1), label="position")
    step = next_tip(tips, chat, cycle, position)
    assert step is not None
    assert step.tip == cycle_order(tips, chat, cycle)[position]
