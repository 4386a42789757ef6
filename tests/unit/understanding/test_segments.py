"""bot.understanding.segments: splitting a message into sentences, and reading a long message's ending."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.understanding.segments import TAIL_SENTENCES, Segments, segment, sentences


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


# sentences --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "\n\n", "\t \n "])
def test_empty_text_has_no_sentences(text):
    assert sentences(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("How do I make a strong password", ["How do I make a strong password"]),
        ("First sentence here. Second one here!", ["First sentence here.", "Second one here!"]),
        ("Is this a scam? I think so…  Not sure.", ["Is this a scam?", "I think so…", "Not sure."]),
        ("line one is long\nline two is long", ["line one is long", "line two is long"]),
        ("para one is long\n\n\npara two is long", ["para one is long", "para two is long"]),
        ("كيف حالك اليوم؟ انا بخير والحمد لله", ["كيف حالك اليوم؟", "انا بخير والحمد لله"]),
        ("¿Es una estafa? No lo sé.", ["¿Es una estafa?", "No lo sé."]),
    ],
)
def test_sentences_end_at_punctuation_followed_by_space_or_at_line_breaks(text, expected):
    assert sentences(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Visit example.org today please",  # no space after the dot
        "It costs 3.50 dollars to buy",
        "wait...what happened here",
    ],
)
def test_punctuation_without_a_following_space_does_not_end_a_sentence(text):
    assert sentences(text) == [text]


def test_fragments_under_eight_characters_join_their_neighbour():
    assert sentences("I'm 15. My friend posted my photo.") == ["I'm 15. My friend posted my photo."]
    assert sentences("My friend posted my photo. Help!") == ["My friend posted my photo. Help!"]
    assert sentences("Hi. Bye.") == ["Hi. Bye."]


def test_the_eight_character_boundary():
    assert sentences("Abcdef. Next sentence here.") == ["Abcdef. Next sentence here."]  # 7 with the dot
    assert sentences("Abcdefg. Next sentence here.") == ["Abcdefg.", "Next sentence here."]  # 8
    assert sentences("Next sentence here. Abcdef.") == ["Next sentence here. Abcdef."]
    assert sentences("Next sentence here. Abcdefg.") == ["Next sentence here.", "Abcdefg."]


@settings(deadline=None, max_examples=300)
@given(st.text(alphabet=st.sampled_from("ab .!?؟…\n\t"), max_size=80))
def test_sentences_keep_every_word_in_order_and_only_the_first_may_be_short(text):
    found = sentences(text)
    assert squash(" ".join(found)) == squash(text)
    assert all(part == part.strip() and part for part in found)
    if len(found) > 1:
        assert all(len(part) >= 8 for part in found)


# segment ----------------------------------------------------------------------------------------------


def test_a_short_message_is_read_whole():
    assert segment("how do i make a strong password") == Segments("how do i make a strong password", None)
    assert segment("how do i make a strong password").texts == ("how do i make a strong password",)


def test_two_sentences_are_still_read_whole_only():
    assert segment("First sentence here. Second one here!").tail is None


def test_a_longer_message_is_also_read_by_its_last_two_sentences():
    story = "I'm 15. My friend posted my photo. Everyone laughed. What do I do?"
    assert TAIL_SENTENCES == 2
    assert segment(story) == Segments(story, "Everyone laughed. What do I do?")
    assert segment(story).texts == (story, "Everyone laughed. What do I do?")


def test_the_whole_is_stripped_and_the_tail_joins_sentences_with_one_space():
    text = "\n  School was fine today.\nThen they posted it.\n\nI've decided tonight is the night.  \n"
    assert segment(text) == Segments(
        "School was fine today.\nThen they posted it.\n\nI've decided tonight is the night.",
        "Then they posted it. I've decided tonight is the night.",
    )


def test_empty_message():
    assert segment("") == Segments("", None)
    assert segment("").texts == ("",)


@settings(deadline=None, max_examples=300)
@given(st.text(alphabet=st.sampled_from("abc .!?\n"), max_size=100))
def test_the_tail_is_the_last_two_sentences_when_there_are_more(text):
    result = segment(text)
    assert result.whole == text.strip()
    parts = sentences(text)
    if len(parts) > TAIL_SENTENCES:
        assert result.tail == " ".join(parts[-2:])
        assert len(result.texts) == 2
    else:
        assert result.tail is None
        assert result.texts == (result.whole,)
