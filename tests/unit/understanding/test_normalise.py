"""bot.understanding.normalise: folded words, mentions, elision, slang expansion, stop words and stems."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.folding import fold
from bot.understanding.normalise import (
    DICTIONARY_LANGUAGES,
    ELIDING_LANGUAGES,
    STEMMER_LANGUAGES,
    Normaliser,
    _dictionary,
    words,
)
from bot.understanding.normalise import fold as reexported_fold

# words ------------------------------------------------------------------------------------------------


def test_fold_is_reexported_from_core():
    assert reexported_fold is fold


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("   ", []),
        ("?!...", []),
        ("How do I make a STRONG password?", ["how", "do", "i", "make", "a", "strong", "password"]),
        ("Contraseña segura", ["contrasena", "segura"]),
        ("don't click", ["dont", "click"]),
        ("2FA codes: 123-456", ["2fa", "codes", "123", "456"]),
        ("snake_case_word", ["snake", "case", "word"]),
        ("كلمة السر؟", ["كلمه", "السر"]),
        ("الساعة ٠٨:٣٠", ["الساعه", "08", "30"]),
    ],
)
def test_words_are_the_folded_letter_and_digit_runs(text, expected):
    assert words(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@SafetyBot how do I report", ["how", "do", "i", "report"]),
        ("hey @safety_bot_2 help", ["hey", "help"]),
        ("mail me at help@example.org", ["mail", "me", "at", "help", "example", "org"]),  # not a mention
    ],
)
def test_mentions_are_not_words(text, expected):
    assert words(text) == expected


def test_elision_splits_at_apostrophes_only_when_asked():
    assert words("l'appli d’identité") == ["lappli", "didentite"]
    assert words("l'appli d’identité", elide=True) == ["l", "appli", "d", "identite"]


@settings(deadline=None)
@given(st.text(max_size=60))
def test_words_are_non_empty_alphanumeric_runs(text):
    found = words(text)
    assert all(word for word in found)
    assert all(ch.isalnum() for word in found for ch in word)


@settings(deadline=None)
@given(
    st.text(
        alphabet=st.one_of(
            # No styled capitals or modifier letters: "𝕊" or "ᴬ" fold to "S" or "A" (see test_folding).
            st.characters(
                categories=["Ll", "Lo", "Mn", "Mc", "Nd", "Nl", "Pd", "Po", "Ps", "Pe", "Zs"],
                max_codepoint=0xFAFF,
            ),
            st.sampled_from("ABCXYZÀÉÑÇİ@'’_"),
        ),
        max_size=60,
    )
)
def test_words_are_already_folded(text):
    assert all(fold(word) == word for word in words(text))


# Normaliser -------------------------------------------------------------------------------------------


def test_language_tables():
    assert STEMMER_LANGUAGES["en"] == "english" and STEMMER_LANGUAGES["ar"] == "arabic"
    assert set(ELIDING_LANGUAGES) == {"fr", "it", "ca"}
    assert {"en", "es", "fr"} <= DICTIONARY_LANGUAGES
    assert "ar" not in DICTIONARY_LANGUAGES


def test_synonyms_are_folded_and_may_expand_to_several_words():
    normaliser = Normaliser("ar", {"Insta": "instagram", "2FA": "two factor", "واتس": "واتساب"}, [])
    assert normaliser.synonyms == {"insta": ["instagram"], "2fa": ["two", "factor"], "واتس": ["واتساب"]}
    assert normaliser.expand(["insta", "2fa", "hack", "واتس"]) == [
        "instagram",
        "two",
        "factor",
        "hack",
        "واتساب",
    ]


def test_stop_words_are_folded_and_dropped_unless_nothing_else_is_left():
    normaliser = Normaliser("ar", {}, ["The", "IS", "في"])
    assert normaliser.stopwords == {"the", "is", "في"}
    assert normaliser.content_words(["the", "password", "is", "weak", "في"]) == ["password", "weak"]
    assert normaliser.content_words(["the", "is"]) == ["the", "is"]
    assert normaliser.content_words([]) == []


def test_words_of_a_normaliser_elide_in_eliding_languages():
    assert Normaliser("fr", {}, []).words("l'appli") == ["l", "appli"]
    assert Normaliser("en", {}, []).words("don't") == ["dont"]
    assert Normaliser("fr", {}, []).elides and not Normaliser("es", {}, []).elides


@pytest.mark.parametrize(
    ("lang", "word", "stem"),
    [
        ("en", "passwords", "password"),
        ("en", "hacking", "hack"),
        ("es", "contrasenas", "contrasen"),
        ("fr", "securite", "securit"),
        ("xx", "passwords", "password"),  # unknown languages stem as English
    ],
)
def test_stems_use_the_languages_snowball_stemmer(lang, word, stem):
    assert Normaliser(lang, {}, []).stem(word) == stem


def test_terms_are_folded_expanded_filtered_and_stemmed():
    normaliser = Normaliser("en", {"pw": "password"}, ["my", "is", "a"])
    assert normaliser.terms("My PW is a Weak one!") == ["password", "weak", "one"]
    assert normaliser.terms("@safetybot Hacked accounts") == ["hack", "account"]
    assert normaliser.terms("") == []


def test_terms_in_french_split_elided_articles():
    normaliser = Normaliser("fr", {}, ["l", "d", "le"])
    assert normaliser.terms("L'application d'identité") == ["appliqu", "identit"]


def test_is_word_knows_the_languages_dictionary_in_folded_form():
    english = Normaliser("en", {}, [])
    assert english.is_word("password")
    assert not english.is_word("pasword")
    spanish = Normaliser("es", {}, [])
    assert spanish.is_word("contrasena")  # "contraseña", folded


def test_languages_without_a_dictionary_know_no_words():
    assert not Normaliser("ar", {}, []).is_word("كلمه")
    assert not Normaliser("xx", {}, []).is_word("password")


def test_the_folded_word_list_kept_on_disk_is_the_one_folded_at_start(tmp_path: Path) -> None:
    built = _dictionary("es", tmp_path)
    (kept,) = tmp_path.glob("words-es-*.txt")
    _dictionary.cache_clear()
    assert _dictionary("es", tmp_path) == built == _dictionary("es")
    assert "contrasena" in built and "contraseña" not in built
    kept.write_bytes(b"\xff\xfe not utf-8")
    _dictionary.cache_clear()
    assert _dictionary("es", tmp_path) == built, "an unreadable file is rebuilt, never trusted"
    assert _dictionary("ar", tmp_path) == frozenset()
