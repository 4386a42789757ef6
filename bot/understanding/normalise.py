"""Per-language text normalisation: lower case, accents folded, slang expanded, stop words dropped, stems."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

import Stemmer
from spellchecker import SpellChecker

from bot.core.folding import fold

__all__ = ["Normaliser", "fold", "words"]

_TOKEN = re.compile(r"[^\W_]+")
"""A word: letters and digits of any script (after folding, Latin words are a-z and 0-9 only)."""
_MENTION = re.compile(r"(?<![\w@])@\w+")

STEMMER_LANGUAGES = {
    "en": "english",
    "es": "spanish",
    "fr": "french",
    "de": "german",
    "pt": "portuguese",
    "it": "italian",
    "ar": "arabic",
    "ru": "russian",
}
"""Snowball stemmer names for the language codes content may ship."""

DICTIONARY_LANGUAGES = {"en", "es", "fr", "de", "pt", "it"}
"""Languages whose word lists pyspellchecker ships (used to tell a typo from a real word)."""


@lru_cache(maxsize=8)
def _dictionary(lang: str) -> frozenset[str]:
    """The language's words, folded like chat text ("contraseña" -> "contrasena")."""
    if lang not in DICTIONARY_LANGUAGES:
        return frozenset()
    return frozenset(fold(word) for word in SpellChecker(language=lang, distance=1).word_frequency)


ELIDING_LANGUAGES = {"fr", "it", "ca"}
"""Languages whose apostrophes join an elided article to a word ("l'appli", "d'identité"): there the
apostrophe separates words; elsewhere it is dropped ("don't" -> "dont")."""
_APOSTROPHE = re.compile(r"['’‘`´]")


def words(text: str, *, elide: bool = False) -> list[str]:
    """The folded words of a text; @mentions (the bot's name in a group) are not words."""
    text = _MENTION.sub(" ", text)
    if elide:
        text = _APOSTROPHE.sub(" ", text)
    return _TOKEN.findall(fold(text))


class Normaliser:
    """Turns text into index terms for one language.

    Args:
        lang: the language code (chooses the stemmer).
        synonyms: slang and abbreviations mapped to canonical words ("insta" -> "instagram").
        stopwords: words that carry no topic (folded).
    """

    def __init__(self, lang: str, synonyms: dict[str, str], stopwords: Iterable[str]) -> None:
        self.lang = lang
        self.elides = lang in ELIDING_LANGUAGES
        self.synonyms = {fold(key): words(value) for key, value in synonyms.items()}
        self.stopwords = {fold(word) for word in stopwords}
        self._stemmer = Stemmer.Stemmer(STEMMER_LANGUAGES.get(lang, "english"))
        self._dictionary = _dictionary(lang)  # loaded now, so the first question is not the slow one
        self._stem = lru_cache(maxsize=50_000)(self._stemmer.stemWord)

    def expand(self, tokens: list[str]) -> list[str]:
        """Replace slang with its canonical words."""
        out: list[str] = []
        for token in tokens:
            out.extend(self.synonyms.get(token, [token]))
        return out

    def content_words(self, tokens: list[str]) -> list[str]:
        """Drop stop words (keeping everything if nothing else is left)."""
        kept = [token for token in tokens if token not in self.stopwords]
        return kept or tokens

    def stem(self, token: str) -> str:
        return self._stem(token)

    def is_word(self, token: str) -> bool:
        """Whether a folded token is a real word of the language (so not a typo to repair)."""
        return token in self._dictionary

    def terms(self, text: str) -> list[str]:
        """Index terms: folded, expanded, stop words dropped, stemmed."""
        return [self.stem(token) for token in self.content_words(self.expand(self.words(text)))]

    def words(self, text: str) -> list[str]:
        """The folded words of a text in this language."""
        return words(text, elide=self.elides)
