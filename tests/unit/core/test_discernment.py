"""bot.core.discernment: round figures and lean, most-missed technique, streaks, deals, technique options."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.discernment import (
    MANIPULATIVE,
    RELIABLE,
    VERDICTS,
    Answer,
    Deal,
    Discernment,
    Lean,
    current_streak,
    deal,
    discernment,
    most_missed_technique,
    next_streak,
    technique_options,
)

TODAY = date(2026, 11, 25)
YESTERDAY = TODAY - timedelta(days=1)


def answers(reliable_right, reliable_wrong, manipulative_right, manipulative_wrong):
    return (
        [Answer(RELIABLE, RELIABLE)] * reliable_right
        + [Answer(RELIABLE, MANIPULATIVE)] * reliable_wrong
        + [Answer(MANIPULATIVE, MANIPULATIVE, "fear")] * manipulative_right
        + [Answer(MANIPULATIVE, RELIABLE, "fear")] * manipulative_wrong
    )


# discernment and lean ---------------------------------------------------------------------------------


def test_an_answer_is_right_when_the_player_said_the_real_verdict():
    assert Answer(RELIABLE, RELIABLE).right
    assert Answer(MANIPULATIVE, MANIPULATIVE).right
    assert not Answer(RELIABLE, MANIPULATIVE).right
    assert not Answer(MANIPULATIVE, RELIABLE).right
    assert VERDICTS == (RELIABLE, MANIPULATIVE)


def test_figures_count_right_answers_per_kind_of_item():
    figures = discernment(answers(3, 1, 2, 4))
    assert figures == Discernment(
        reliable_right=3,
        reliable_shown=4,
        manipulative_right=2,
        manipulative_shown=6,
        techniques_right=0,
        techniques_asked=0,
    )
    assert figures.right == 5
    assert figures.shown == 10


def test_no_answers_give_zero_figures_and_a_balanced_lean():
    figures = discernment([])
    assert (figures.right, figures.shown, figures.techniques_asked) == (0, 0, 0)
    assert figures.lean is Lean.BALANCED


def test_answers_of_unknown_verdicts_are_not_counted():
    figures = discernment([Answer("satire", RELIABLE), Answer(RELIABLE, RELIABLE)])
    assert (figures.right, figures.shown) == (1, 1)


def test_discernment_accepts_any_iterable_once():
    figures = discernment(iter(answers(1, 0, 1, 0)))
    assert (figures.right, figures.shown) == (2, 2)


def test_techniques_are_counted_only_when_asked_on_manipulative_items():
    figures = discernment(
        [
            Answer(MANIPULATIVE, MANIPULATIVE, "fear", "fear"),
            Answer(MANIPULATIVE, MANIPULATIVE, "fear", "scapegoat"),
            Answer(MANIPULATIVE, RELIABLE, "fear", "fear"),  # asked even though trusted
            Answer(MANIPULATIVE, MANIPULATIVE, "fear"),  # not asked
            Answer(RELIABLE, RELIABLE, None, "fear"),  # reliable items have no technique question
        ]
    )
    assert (figures.techniques_right, figures.techniques_asked) == (2, 3)


@pytest.mark.parametrize(
    ("counts", "lean"),
    [
        ((5, 0, 5, 0), Lean.BALANCED),  # no mistakes
        ((4, 1, 4, 1), Lean.BALANCED),  # the same share each way
        ((2, 1, 4, 2), Lean.BALANCED),  # 1/3 == 2/6: shares, not counts
        ((3, 2, 9, 1), Lean.DISTRUST),  # 2/5 reliable called manipulative > 1/10 the other way
        ((9, 1, 3, 2), Lean.NAIVE),
        ((1, 1, 8, 2), Lean.DISTRUST),  # 1 mistake each, but 1/2 > 2/10
        ((0, 0, 1, 1), Lean.NAIVE),  # no reliable item shown
        ((1, 1, 0, 0), Lean.DISTRUST),  # no manipulative item shown
        ((0, 0, 0, 3), Lean.NAIVE),
    ],
)
def test_lean_compares_the_share_of_mistakes_each_way(counts, lean):
    assert discernment(answers(*counts)).lean is lean


def test_lean_uses_exact_fractions_not_floats():
    # 1/3 and 33333/99999 are equal; 1/3 and 33333/100000 are not.
    assert discernment(answers(2, 1, 66666, 33333)).lean is Lean.BALANCED
    assert discernment(answers(2, 1, 66667, 33333)).lean is Lean.DISTRUST


@settings(deadline=None)
@given(st.integers(0, 20), st.integers(0, 20), st.integers(0, 20), st.integers(0, 20))
def test_figures_and_lean_agree_with_the_counts(reliable_right, reliable_wrong, right_manip, wrong_manip):
    figures = discernment(answers(reliable_right, reliable_wrong, right_manip, wrong_manip))
    assert figures.right == reliable_right + right_manip
    assert figures.shown == reliable_right + reliable_wrong + right_manip + wrong_manip
    distrust = reliable_wrong * (right_manip + wrong_manip)
    naive = wrong_manip * (reliable_right + reliable_wrong)
    if reliable_right + reliable_wrong == 0 or right_manip + wrong_manip == 0:
        distrust, naive = (reliable_wrong > 0) * 1, (wrong_manip > 0) * 1
    expected = Lean.DISTRUST if distrust > naive else Lean.NAIVE if naive > distrust else Lean.BALANCED
    assert figures.lean is expected
    swapped = discernment(answers(right_manip, wrong_manip, reliable_right, reliable_wrong))
    assert swapped.lean is {Lean.DISTRUST: Lean.NAIVE, Lean.NAIVE: Lean.DISTRUST}.get(expected, expected)


# most_missed_technique --------------------------------------------------------------------------------


def test_nothing_missed_gives_none():
    assert most_missed_technique([]) is None
    assert most_missed_technique([Answer(MANIPULATIVE, MANIPULATIVE, "fear", "fear")]) is None
    assert most_missed_technique([Answer(MANIPULATIVE, MANIPULATIVE, "fear")]) is None


def test_trusted_and_misnamed_manipulative_items_count_as_missed():
    missed = [
        Answer(MANIPULATIVE, RELIABLE, "fear"),
        Answer(MANIPULATIVE, MANIPULATIVE, "scapegoat", "fear"),
        Answer(MANIPULATIVE, MANIPULATIVE, "scapegoat", "fear"),
    ]
    assert most_missed_technique(missed) == "scapegoat"


def test_reliable_items_and_items_without_a_technique_are_ignored():
    assert most_missed_technique([Answer(RELIABLE, MANIPULATIVE, "fear")]) is None
    assert most_missed_technique([Answer(MANIPULATIVE, RELIABLE)]) is None


def test_ties_go_to_the_technique_missed_first():
    missed = [
        Answer(MANIPULATIVE, RELIABLE, "emotion"),
        Answer(MANIPULATIVE, RELIABLE, "fear"),
        Answer(MANIPULATIVE, RELIABLE, "fear"),
        Answer(MANIPULATIVE, RELIABLE, "emotion"),
    ]
    assert most_missed_technique(missed) == "emotion"
    assert most_missed_technique(reversed(missed)) == "emotion"
    assert most_missed_technique(missed[1:]) == "fear"


# streaks ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("streak", "last_day", "expected"),
    [
        (0, None, 1),  # the first round ever
        (4, YESTERDAY, 5),
        (4, TODAY, 4),  # a second round the same day
        (0, TODAY, 1),
        (4, TODAY - timedelta(days=2), 1),  # a missed day starts over
        (4, TODAY + timedelta(days=1), 1),  # a clock that went back
    ],
)
def test_next_streak(streak, last_day, expected):
    assert next_streak(streak, last_day, TODAY) == expected


def test_streaks_across_month_and_year_ends():
    assert next_streak(7, date(2026, 12, 31), date(2027, 1, 1)) == 8
    assert next_streak(7, date(2028, 2, 28), date(2028, 2, 29)) == 8
    assert next_streak(7, date(2028, 2, 28), date(2028, 3, 1)) == 1


@pytest.mark.parametrize(
    ("streak", "last_day", "expected"),
    [
        (0, None, 0),
        (3, None, 0),
        (3, TODAY, 3),
        (3, YESTERDAY, 3),  # still alive until today ends
        (3, TODAY - timedelta(days=2), 0),
    ],
)
def test_current_streak(streak, last_day, expected):
    assert current_streak(streak, last_day, TODAY) == expected


@settings(deadline=None)
@given(st.lists(st.integers(0, 3), min_size=1, max_size=40))
def test_streak_counts_consecutive_days_played(gaps):
    """Playing on days separated by ``gaps`` (0 = the same day again): the streak is the length of the
    final run of consecutive days."""
    day, streak, last = date(2026, 1, 1), 0, None
    run_days: set[date] = set()
    for gap in gaps:
        day += timedelta(days=gap)
        if last is None or (day - last).days > 1:
            run_days = set()
        run_days.add(day)
        streak, last = next_streak(streak, last, day), day
        assert streak == len(run_days)
        assert current_streak(streak, last, day) == streak
        assert current_streak(streak, last, day + timedelta(days=2)) == 0


# deal -------------------------------------------------------------------------------------------------


ITEMS = [f"item-{n}" for n in range(10)]


def test_a_deal_takes_unseen_items_only_while_there_are_enough():
    dealt = deal(ITEMS, set(ITEMS[:4]), 5, random.Random(1))
    assert dealt.new_cycle is False
    assert len(dealt.items) == 5 == len(set(dealt.items))
    assert set(dealt.items) <= set(ITEMS[4:])


def test_exactly_enough_unseen_items_do_not_start_a_new_cycle():
    dealt = deal(ITEMS, set(ITEMS[:5]), 5, random.Random(1))
    assert dealt.new_cycle is False
    assert sorted(dealt.items) == ITEMS[5:]


def test_the_last_unseen_items_come_first_then_others_fill_the_round():
    dealt = deal(ITEMS, set(ITEMS[:8]), 5, random.Random(1))
    assert dealt.new_cycle is True
    assert set(dealt.items[:2]) == {"item-8", "item-9"}
    assert len(set(dealt.items)) == 5
    assert set(dealt.items[2:]) <= set(ITEMS[:8])


def test_a_round_is_never_bigger_than_the_pool():
    assert sorted(deal(ITEMS[:3], set(), 5, random.Random(1)).items) == ITEMS[:3]
    assert deal([], set(), 5, random.Random(1)) == Deal([], new_cycle=False)
    assert deal(ITEMS, set(), 0, random.Random(1)) == Deal([], new_cycle=False)


def test_dealing_is_reproducible_with_the_same_seed():
    assert deal(ITEMS, {"item-1"}, 4, random.Random(7)) == deal(ITEMS, {"item-1"}, 4, random.Random(7))


@settings(deadline=None)
@given(st.integers(1, 30), st.integers(1, 8), st.integers(1, 12), st.randoms(use_true_random=False))
def test_no_item_comes_back_before_every_item_was_dealt(pool_size, size, rounds, rng):
    pool = [f"i{n}" for n in range(pool_size)]
    seen: set[str] = set()
    for _ in range(rounds):
        dealt = deal(pool, seen, size, rng)
        assert len(dealt.items) == min(size, pool_size)
        assert len(set(dealt.items)) == len(dealt.items)
        assert set(dealt.items) <= set(pool)
        unseen = [item for item in pool if item not in seen]
        if dealt.new_cycle:
            assert len(unseen) < len(dealt.items)
            assert set(dealt.items[: len(unseen)]) == set(unseen)
            seen = set(dealt.items)  # what the caller does: a new cycle holding this round's items
        else:
            assert not set(dealt.items) & seen
            seen |= set(dealt.items)


# technique_options ------------------------------------------------------------------------------------


TECHNIQUES = ["fear", "scapegoat", "false-dilemma", "ad-hominem", "emotion", "conspiracy"]


def test_options_hold_the_right_technique_and_three_distinct_others():
    options = technique_options("fear", TECHNIQUES, random.Random(3))
    assert len(options) == 4 == len(set(options))
    assert "fear" in options
    assert set(options) <= set(TECHNIQUES)


def test_fewer_techniques_than_options_gives_all_of_them():
    assert sorted(technique_options("fear", ["fear", "emotion"], random.Random(3))) == ["emotion", "fear"]
    assert technique_options("fear", ["fear"], random.Random(3)) == ["fear"]
    assert technique_options("fear", [], random.Random(3)) == ["fear"]


def test_count_sets_how_many_options_are_offered():
    assert len(technique_options("fear", TECHNIQUES, random.Random(3), count=2)) == 2
    assert technique_options("fear", TECHNIQUES, random.Random(3), count=1) == ["fear"]


def test_the_right_technique_is_not_always_first():
    positions = {
        technique_options("fear", TECHNIQUES, random.Random(seed)).index("fear") for seed in range(50)
    }
    assert positions == {0, 1, 2, 3}


@settings(deadline=None)
@given(
    st.lists(st.sampled_from(TECHNIQUES), unique=True, max_size=6),
    st.sampled_from(TECHNIQUES),
    st.integers(1, 8),
    st.randoms(use_true_random=False),
)
def test_options_always_contain_the_right_one_once_and_no_duplicates(techniques, right, count, rng):
    options = technique_options(right, techniques, rng, count=count)
    assert options.count(right) == 1
    assert len(options) == len(set(options))
    assert len(options) == min(count, len(set(techniques) | {right}))
    assert set(options) <= set(techniques) | {right}
