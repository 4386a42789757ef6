"""Which shipped language a message is written in, and whether that can be told with confidence.

Used only for free text from someone who has not chosen a language and whose platform gave no hint.
lingua tells the scripts and languages apart; a language people also type in Latin letters (Arabic
as Arabizi: "ana mesh 3aref a3mel eh") is told by its marker words from content (``latin_markers`` in
ui.yaml) and by digits used as letters. Short messages ("ok", "wifi") stay undecided and get the
default language; a longer message lingua is unsure about is "unclear", and the bot asks which
language to use rather than guess.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

from bot.core.folding import fold

MIN_CONFIDENCE = 0.8
"""The share of lingua's confidence the top language needs before the bot switches to it."""
MIN_WORDS_TO_ASK = 3
"""Shorter messages are too short to judge: the default language is used, and nobody is asked."""
MIN_MARKERS = 2
"""Marker words (or one marker and a digit used as a letter) that make a Latin-script text Arabizi."""
_WORD = re.compile(r"[^\W_]+")
_DIGIT_AS_LETTER = re.compile(r"^(?=.*[a-z])(?=.*[2356789])[a-z0-9']+$")


@dataclass(frozen=True, slots=True)
class Guess:
    """The detector's verdict: a language, or none; ``unclear`` when the message was long enough to
    judge and still no language stood out (so it is worth asking)."""

    code: str | None
    unclear: bool = False


def _lingua_language(code: str) -> Language | None:
    try:
        return Language.from_iso_code_639_1(IsoCode639_1.from_str(code))
    except ValueError:
        return None


class LanguageDetector:
    """Tells the shipped language of a text, or None when unsure (or when only one language ships)."""

    def __init__(
        self,
        languages: Iterable[str],
        latin_markers: Mapping[str, Iterable[str]] | None = None,
        min_confidence: float = MIN_CONFIDENCE,
    ) -> None:
        self.min_confidence = min_confidence
        codes = list(languages)
        known = {code: lang for code in codes if (lang := _lingua_language(code)) is not None}
        self._codes = {lang: code for code, lang in known.items()}
        self._markers = {
            code: {fold(word) for word in words}
            for code, words in (latin_markers or {}).items()
            if code in codes
        }
        self._detector = (
            LanguageDetectorBuilder.from_languages(*known.values()).with_preloaded_language_models().build()
            if len(known) > 1
            else None
        )

    def _by_markers(self, words: list[str]) -> str | None:
        for code, markers in self._markers.items():
            hits = sum(word in markers for word in words)
            lettered = sum(bool(_DIGIT_AS_LETTER.match(word)) for word in words)
            if hits >= MIN_MARKERS or (hits >= 1 and lettered >= 1) or lettered >= MIN_MARKERS:
                return code
        return None

    def guess(self, text: str) -> Guess:
        """The language of ``text``, or why there is none (never an error: text that cannot be read,
        such as a lone surrogate, is simply undecided)."""
        try:
            return self._guess(text)
        except (ValueError, UnicodeError):
            return Guess(None)

    def _guess(self, text: str) -> Guess:
        words = _WORD.findall(fold(text))
        if self._detector is None or not words:
            return Guess(None)
        marked = self._by_markers(words) if text.isascii() else None
        if marked is not None:
            return Guess(marked)
        values = self._detector.compute_language_confidence_values(text)
        if values and values[0].value >= self.min_confidence:
            return Guess(self._codes.get(values[0].language))
        return Guess(None, unclear=len(words) >= MIN_WORDS_TO_ASK)

    def detect(self, text: str) -> str | None:
        """The language code of ``text`` when it can be told with confidence, else None."""
        return self.guess(text).code


@lru_cache(maxsize=4)
def detector_for(
    languages: tuple[str, ...], latin_markers: tuple[tuple[str, tuple[str, ...]], ...] = ()
) -> LanguageDetector:
    """One detector per set of languages for the whole process (lingua's models take ~0.2 s to load)."""
    return LanguageDetector(languages, dict(latin_markers))
