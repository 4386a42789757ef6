"""bot.services.delivery.ratelimit: the send pacer's overall rate, per-chat gaps and shared slot blocks."""

from __future__ import annotations

import asyncio
import logging

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.events import ChatKind, ChatRef
from bot.services.delivery.ratelimit import SendPacer


class FakeTime:
    """A monotonic clock that only moves when told to or when the pacer sleeps, recording every sleep."""

    def __init__(self, start: float = 1000.0, wall_offset: float = 1_700_000_000.0) -> None:
        self.now = start
        self.wall_offset = wall_offset
        self.sleeps: list[float] = []
        self.advance_on_sleep = False

    def monotonic(self) -> float:
        return self.now

    def wall(self) -> float:
        return self.now + self.wall_offset

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        if self.advance_on_sleep:
            self.now += seconds


def private(chat_id: str = "1") -> ChatRef:
    return ChatRef("test", chat_id, ChatKind.PRIVATE)


def group(chat_id: str = "-1") -> ChatRef:
    return ChatRef("test", chat_id, ChatKind.GROUP)


def pacer(clock: FakeTime, per_second: float | None = None, **options) -> SendPacer:
    return SendPacer(per_second, monotonic=clock.monotonic, sleep=clock.sleep, wall=clock.wall, **options)


# without an overall rate ------------------------------------------------------------------------------


async def test_no_rate_and_no_chat_never_waits():
    clock = FakeTime()
    unlimited = pacer(clock)
    for _ in range(5):
        await unlimited.wait()
    assert clock.sleeps == []
    assert (unlimited.interval, unlimited.block) == (0.0, 0)


async def test_different_chats_do_not_wait_for_each_other():
    clock = FakeTime()
    still = pacer(clock)
    for number in range(5):
        await still.wait(private(str(number)))
    assert clock.sleeps == []


async def test_a_chat_waits_its_gap_private_and_group():
    clock = FakeTime()
    still = pacer(clock, private_gap=1.0, group_gap=3.0)
    await still.wait(private())
    await still.wait(group())
    await still.wait(private())
    await still.wait(group())
    assert clock.sleeps == [1.0, 3.0]


async def test_gaps_pile_up_for_one_chat_when_the_clock_does_not_move():
    clock = FakeTime()
    still = pacer(clock, private_gap=1.0)
    for _ in range(4):
        await still.wait(private())
    assert clock.sleeps == [1.0, 2.0, 3.0]


async def test_time_that_has_passed_counts_towards_the_gap():
    clock = FakeTime()
    still = pacer(clock, private_gap=1.0, group_gap=3.0)
    await still.wait(group())
    clock.now += 2.5
    await still.wait(group())
    clock.now += 10
    await still.wait(group())
    assert clock.sleeps == [0.5]


async def test_chats_with_the_same_id_share_a_gap_whatever_their_platform():
    """The per-chat table is keyed by chat id alone."""
    clock = FakeTime()
    still = pacer(clock, private_gap=1.0)
    await still.wait(ChatRef("telegram", "7", ChatKind.PRIVATE))
    await still.wait(ChatRef("discord", "7", ChatKind.PRIVATE))
    assert clock.sleeps == [1.0]


async def test_custom_gaps():
    clock = FakeTime()
    still = pacer(clock, private_gap=0.25, group_gap=0.0)
    await still.wait(private())
    await still.wait(private())
    await still.wait(group())
    await still.wait(group())
    assert clock.sleeps == [0.25]


# the overall rate -------------------------------------------------------------------------------------


async def test_sends_are_spaced_evenly_at_the_overall_rate():
    clock = FakeTime()
    overall = pacer(clock, 20.0)
    for number in range(4):
        await overall.wait(private(str(number)))
    assert clock.sleeps == [0.05, 0.1, 0.15]
    assert overall.interval == pytest.approx(0.05)


async def test_a_sleeping_sender_goes_at_its_slot_and_the_next_one_follows():
    clock = FakeTime()
    clock.advance_on_sleep = True
    overall = pacer(clock, 10.0)
    start = clock.now
    for _ in range(5):
        await overall.wait()
    assert clock.sleeps == [0.1, 0.1, 0.1, 0.1]
    assert clock.now == pytest.approx(start + 0.4)


async def test_the_slower_of_the_rate_and_the_chat_gap_wins():
    clock = FakeTime()
    clock.advance_on_sleep = True
    overall = pacer(clock, 100.0, private_gap=1.0)
    await overall.wait(private())
    await overall.wait(private("2"))  # the overall rate: 0.01
    await overall.wait(private())  # the chat's gap: 1.0 after its first send
    assert clock.sleeps == [0.01, 0.99]


async def test_an_idle_pacer_does_not_bank_slots():
    clock = FakeTime()
    overall = pacer(clock, 10.0)
    await overall.wait()
    clock.now += 60
    await overall.wait()
    await overall.wait()
    assert clock.sleeps == [0.1]


async def test_tasks_sharing_a_pacer_get_distinct_slots():
    clock = FakeTime()
    overall = pacer(clock, 4.0)
    await asyncio.gather(*(overall.wait(private(str(number))) for number in range(5)))
    assert sorted(clock.sleeps) == [0.25, 0.5, 0.75, 1.0]


@settings(deadline=None, max_examples=100)
@given(
    st.one_of(st.none(), st.floats(0.5, 100)),
    st.lists(st.tuples(st.integers(0, 4), st.booleans(), st.floats(0, 2)), min_size=1, max_size=30),
)
def test_no_two_sends_break_the_rate_or_a_chats_gap(per_second, sends):
    """Whatever the sequence of chats and pauses, the instants the pacer lets sends go keep the rules."""

    async def scenario() -> list[tuple[float, ChatRef]]:
        clock = FakeTime()
        clock.advance_on_sleep = True
        paced = pacer(clock, per_second, private_gap=1.0, group_gap=3.0)
        sent = []
        for chat_number, is_group, pause in sends:
            clock.now += pause
            chat = group(f"-{chat_number}") if is_group else private(str(chat_number))
            await paced.wait(chat)
            sent.append((clock.now, chat))
        return sent

    sent = asyncio.run(scenario())
    tolerance = 1e-9
    for index, (at, chat) in enumerate(sent):
        for earlier_at, earlier_chat in sent[:index]:
            if per_second:
                assert at - earlier_at >= 1 / per_second - tolerance
            if earlier_chat == chat:
                gap = 1.0 if chat.is_private else 3.0
                assert at - earlier_at >= gap - tolerance


# shared slots (reserve) -------------------------------------------------------------------------------


class Budget:
    """A fake shared clock of send slots: records each call, and starts every block ``delay`` seconds on."""

    def __init__(self, clock: FakeTime, delay: float = 0.0) -> None:
        self.clock = clock
        self.delay = delay
        self.calls: list[tuple[int, float, float]] = []

    async def reserve(self, count: int, interval: float, now: float) -> float:
        self.calls.append((count, interval, now))
        return now + self.delay


async def test_a_block_is_a_seconds_worth_of_slots_reserved_with_the_wall_clock():
    clock = FakeTime()
    budget = Budget(clock)
    shared = pacer(clock, 10.0, reserve=budget.reserve)
    assert shared.block == 10
    await shared.wait()
    assert budget.calls == [(10, pytest.approx(0.1), clock.wall())]


@pytest.mark.parametrize(
    ("per_second", "block"), [(0.2, 1), (0.5, 1), (1.0, 1), (2.4, 2), (2.6, 3), (30.0, 30)]
)
def test_block_size_rounds_the_rate_and_is_at_least_one(per_second, block):
    assert SendPacer(per_second).block == block


async def test_a_new_block_is_reserved_when_the_last_one_is_used_up():
    clock = FakeTime()
    clock.advance_on_sleep = True
    budget = Budget(clock)
    shared = pacer(clock, 5.0, reserve=budget.reserve)
    for _ in range(12):
        await shared.wait()
    assert len(budget.calls) == 3  # 5 + 5 + 2


async def test_a_new_block_is_reserved_when_the_last_one_has_run_out_of_time():
    clock = FakeTime()
    budget = Budget(clock)
    shared = pacer(clock, 5.0, reserve=budget.reserve)
    await shared.wait()
    clock.now += 1.0  # the block covered one second from its start
    await shared.wait()
    assert len(budget.calls) == 2


async def test_the_first_send_waits_for_the_start_of_the_reserved_block():
    clock = FakeTime()
    clock.advance_on_sleep = True
    budget = Budget(clock, delay=2.5)  # other processes hold the next 2.5 seconds
    shared = pacer(clock, 4.0, reserve=budget.reserve)
    for _ in range(3):
        await shared.wait()
    assert clock.sleeps == [2.5, 0.25, 0.25]


async def test_a_block_starting_in_the_past_does_not_hold_sends_back():
    clock = FakeTime()
    budget = Budget(clock, delay=-5.0)
    shared = pacer(clock, 4.0, reserve=budget.reserve)
    await shared.wait()
    await shared.wait()
    assert clock.sleeps == [0.25]


async def test_without_a_rate_reserve_is_never_called():
    clock = FakeTime()
    budget = Budget(clock)
    unlimited = pacer(clock, None, reserve=budget.reserve)
    for _ in range(3):
        await unlimited.wait(private())
    assert budget.calls == []
    assert clock.sleeps == [1.0, 2.0]


async def test_when_the_shared_clock_is_away_the_pacer_paces_alone_and_says_so(caplog):
    clock = FakeTime()
    calls = 0

    async def broken(count: int, interval: float, now: float) -> float:
        nonlocal calls
        calls += 1
        raise ConnectionError("database is away")

    shared = pacer(clock, 4.0, reserve=broken)
    with caplog.at_level(logging.WARNING, logger="bot.services.delivery.ratelimit"):
        for _ in range(5):
            await shared.wait()
    assert clock.sleeps == [0.25, 0.5, 0.75, 1.0]
    assert calls == 2  # a local block of 4, then one more try
    assert [record.levelno for record in caplog.records] == [logging.WARNING, logging.WARNING]
    assert "could not reserve shared send slots" in caplog.records[0].getMessage()


async def test_two_pacers_sharing_one_budget_never_get_the_same_slot():
    clock = FakeTime()
    taken_until = clock.wall()

    async def reserve(count: int, interval: float, now: float) -> float:
        nonlocal taken_until
        start = max(now, taken_until)
        taken_until = start + count * interval
        return start

    first = pacer(clock, 2.0, reserve=reserve)
    second = pacer(clock, 2.0, reserve=reserve)
    for _ in range(2):
        await first.wait()
    for _ in range(2):
        await second.wait()
    # The first pacer holds the slots at +0 and +0.5 s, the second the next block's, at +1.0 and +1.5 s.
    assert clock.sleeps == [0.5, 1.0, 1.5]
