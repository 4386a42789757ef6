"""bot.understanding.transliteration: Latin-letter words written back in their script with a content table."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.understanding.transliteration import Transliterator

# A slice of content/ar/ui.yaml's table, kept here so the test does not change with the content.
ARABIZI = {
    "sh": "ش",
    "kh": "خ",
    "3'": "غ",
    "aa": "ا",
    "ee": "ي",
    "2": "ء",
    "3": "ع",
    "5": "خ",
    "7": "ح",
    "b": "ب",
    "t": "ت",
    "d": "د",
    "r": "ر",
    "s": "س",
    "f": "ف",
    "k": "ك",
    "l": "ل",
    "m": "م",
    "n": "ن",
    "h": "ه",
    "w": "و",
    "y": "ي",
    "i": "ي",
    "o": "و",
    "e": "",
    "a": "",
    "^a": "ا",
    "^e": "ا",
    "a$": "ا",
    "e$": "ه",
}
arabizi = Transliterator(ARABIZI)


def test_arabizi_is_written_back_in_arabic_script():
    assert arabizi("ana mesh 3aref") == "انا مش عرف"
    assert arabizi("7abibi") == "حبيبي"
    assert arabizi("5alas") == "خلس"


def test_longest_sequences_win():
    assert arabizi("shams") == "شمس"  # "sh", not "s" + "h"
    assert arabizi("3'ali") == "غلي"  # "3'" before "3"
    assert arabizi("saab") == "ساب"  # "aa" before "a"


def test_start_and_end_keys_apply_only_at_the_edges_of_a_word():
    assert arabizi("a") == "ا"  # "^a" (at once the start and the end: the start wins)
    assert arabizi("ana") == "انا"  # "^a" ... "a$"
    assert arabizi("nam") == "نم"  # a middle "a" is dropped
    assert arabizi("ente") == "انته"  # "^e" ... "e$"


def test_numbers_are_left_alone():
    assert arabizi("kol 988") == "كول 988"
    assert arabizi("3 2 7") == "3 2 7"
    assert arabizi("7ob 2") == "حوب 2"


def test_text_is_lower_cased_and_only_latin_words_change():
    assert arabizi("ANA mesh") == "انا مش"
    assert arabizi("مرحبا sh!") == "مرحبا ش!"
    assert arabizi("") == ""
    assert arabizi("?!., ") == "?!., "


def test_letters_missing_from_the_table_are_kept():
    assert arabizi("zip") == "zيp"
    assert arabizi("café") == "cفé"  # "c" is not in this table; "é" is not part of a Latin word


def test_an_empty_table_only_lower_cases():
    assert Transliterator({})("Hello 3 World") == "hello 3 world"


def test_start_keys_beat_anywhere_keys_of_the_same_length():
    table = Transliterator({"a": "1", "^a": "2", "a$": "3"})
    assert table("aaa") == "213"


@settings(deadline=None)
@given(st.from_regex(r"[0-9]{1,12}", fullmatch=True), st.text(alphabet=" ,.!", max_size=3))
def test_every_digit_run_is_left_as_it_is(number, punctuation):
    assert arabizi(f"{number}{punctuation}") == f"{number}{punctuation}"


@settings(deadline=None)
@given(st.text(alphabet=st.sampled_from("abdeiklmnorstwy257'shk "), max_size=40))
def test_mapped_letters_never_survive_in_latin(text):
    written = arabizi(text)
    words = text.split(" ")
    digit_runs = {word for word in words if word.isdigit()}
    for word, out in zip(words, written.split(" "), strict=True):
        if word in digit_runs:
            assert out == word
        else:
            assert not set(out) & set("abdeiklmnorstwy")
