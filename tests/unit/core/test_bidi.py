"""bot.core.bidi: telling right-to-left text, isolating left-to-right runs, and the line-start mark."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.bidi import LRI, PDI, RLM, RTL_SHARE, is_rtl, isolate_runs, line_start


def test_the_marks_are_the_unicode_controls():
    assert (RLM, LRI, PDI) == ("\u200f", "\u2066", "\u2069")
    assert line_start() == RLM


# is_rtl -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rtl"),
    [
        ("", False),
        ("123 456 !?", False),  # no letters at all
        ("Hello", False),
        ("مرحبا", True),
        ("שלום", True),  # Hebrew
        ("سلام دوست", True),  # Persian
        ("اتصل بـ WhatsApp على 988", True),
        ("Open WhatsApp and tap مرحبا", False),
    ],
)
def test_is_rtl(text, rtl):
    assert is_rtl(text) is rtl


def test_the_threshold_is_a_share_of_letters_and_is_inclusive():
    assert RTL_SHARE == 0.4
    assert is_rtl("اب" + "cde") is True  # 2 of 5 letters: exactly 40%
    assert is_rtl("اب" + "cdef") is False  # 2 of 6
    assert is_rtl("ابجد" + "efghij") is True  # 4 of 10
    assert is_rtl("اب 1234567890 ... cde") is True  # digits and punctuation do not count


@settings(deadline=None)
@given(st.integers(0, 30), st.integers(0, 30), st.text(alphabet=" 0123456789.,!-", max_size=10))
def test_is_rtl_depends_only_on_the_count_of_strong_letters(rtl_letters, ltr_letters, neutral):
    text = "ب" * rtl_letters + neutral + "x" * ltr_letters
    total = rtl_letters + ltr_letters
    assert is_rtl(text) is (total > 0 and rtl_letters * 5 >= total * 2)


# isolate_runs -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "isolated"),
    [
        ("اتصل بـ 988", f"اتصل بـ {LRI}988{PDI}"),
        ("اتصل بـ 1-800-668-6868.", f"اتصل بـ {LRI}1-800-668-6868{PDI}."),
        ("زر findahelpline.com.", f"زر {LRI}findahelpline.com{PDI}."),
        ("ابحث في Find A Helpline اليوم", f"ابحث في {LRI}Find A Helpline{PDI} اليوم"),
        ("افتح WhatsApp", f"افتح {LRI}WhatsApp{PDI}"),
        ("WhatsApp أولا", f"{LRI}WhatsApp{PDI} أولا"),
        ("راسل help@example.org", f"راسل {LRI}help@example.org{PDI}"),
        ("https://a.b/c/", f"{LRI}https://a.b/c/{PDI}"),
        ("Café مقهى", f"{LRI}Café{PDI} مقهى"),
    ],
)
def test_left_to_right_runs_are_wrapped_with_their_inner_punctuation(text, isolated):
    assert isolate_runs(text) == isolated


@pytest.mark.parametrize("text", ["", "مرحبا", "مرحبا، كيف حالك؟", "×", "÷ ×", "... !!", "٠٨:٣٠"])
def test_text_without_latin_letters_or_ascii_digits_is_unchanged(text):
    assert isolate_runs(text) == text


def test_two_runs_are_wrapped_separately():
    assert isolate_runs("اتصل بـ 988 أو WhatsApp") == f"اتصل بـ {LRI}988{PDI} أو {LRI}WhatsApp{PDI}"


@settings(deadline=None)
@given(st.text(alphabet=st.sampled_from("ab1 .-/:اب،؟\n"), max_size=40))
def test_isolating_only_adds_balanced_isolates(text):
    isolated = isolate_runs(text)
    assert isolated.replace(LRI, "").replace(PDI, "") == text
    assert isolated.count(LRI) == isolated.count(PDI)
    depth = 0
    for ch in isolated:
        depth += (ch == LRI) - (ch == PDI)
        assert depth in (0, 1), "isolates are never nested or closed before they open"
    # Every Latin letter and digit ends up inside an isolate.
    depth = 0
    for ch in isolated:
        depth += (ch == LRI) - (ch == PDI)
        if ch in "ab1":
            assert depth == 1
