"""Per-language text normalisation: lower case, accents folded, slang expanded, stop words dropped, stems."""

from __future__ import annotations

import hashlib
import inspect
import os
import re
import tempfile
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import Stemmer
from spellchecker import SpellChecker
from spellchecker import __version__ as spellchecker_version

from bot.core import folding as fold_module
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
def _dictionary(lang: str, cache_dir: Path | None = None) -> frozenset[str]:
    """The language's words, folded like chat text ("contraseña" -> "contrasena").

    Reading and folding pyspellchecker's list takes about half a second a language; with ``cache_dir``
    the folded list is kept there as a text file, keyed by pyspellchecker's version and the folding
    code, so a warm start reads it in a few milliseconds.
    """
    if lang not in DICTIONARY_LANGUAGES:
        return frozenset()
    cached = cache_dir / f"words-{lang}-{_DICTIONARY_KEY}.txt" if cache_dir is not None else None
    if cached is not None and cached.is_file():
        try:
            return frozenset(cached.read_text(encoding="utf-8").split("\n"))
        except (OSError, UnicodeDecodeError):
            pass  # unreadable: rebuild it below
    found = frozenset(fold(word) for word in SpellChecker(language=lang, distance=1).word_frequency)
    if cached is not None:
        _write_atomically(cached, "\n".join(sorted(found)))
    return found


def _write_atomically(path: Path, text: str) -> None:
    """Write to a temporary file beside ``path`` and rename it, so no process reads half a file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.stem, suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except OSError:  # a read-only cache folder: the next start folds the list again
        return


_DICTIONARY_KEY = hashlib.sha256(
    f"{spellchecker_version}|{inspect.getsource(fold_module)}".encode()
).hexdigest()[:16]
"""Changes when pyspellchecker's lists or the folding rules change."""


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
        cache_dir: where the folded word list of the language is kept between starts (optional).
    """

    def __init__(
        self, lang: str, synonyms: dict[str, str], stopwords: Iterable[str], cache_dir: Path | None = None
    ) -> None:
        self.lang = lang
        self.elides = lang in ELIDING_LANGUAGES
        self.synonyms = {fold(key): words(value) for key, value in synonyms.items()}
        self.stopwords = {fold(word) for word in stopwords}
        self._stemmer = Stemmer.Stemmer(STEMMER_LANGUAGES.get(lang, "english"))
        self._dictionary = _dictionary(lang, cache_dir)  # now, so the first question is not the slow one
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
