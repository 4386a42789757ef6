"""Which shipped language a message is written in, when that can be told with confidence (lingua).

Used only for free text from someone who has not chosen a language and whose platform gave no hint;
short or mixed messages ("ok", "wifi", "tiktok") stay undecided, and the default language is used.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

MIN_CONFIDENCE = 0.8
"""The share of lingua's confidence the top language needs before the bot switches to it."""


def _lingua_language(code: str) -> Language | None:
    try:
        return Language.from_iso_code_639_1(IsoCode639_1.from_str(code))
    except ValueError:
        return None


class LanguageDetector:
    """Tells the shipped language of a text, or None when unsure (or when only one language ships)."""

    def __init__(self, languages: Iterable[str], min_confidence: float = MIN_CONFIDENCE) -> None:
        self.min_confidence = min_confidence
        known = {code: lang for code in languages if (lang := _lingua_language(code)) is not None}
        self._codes = {lang: code for code, lang in known.items()}
        self._detector = (
            LanguageDetectorBuilder.from_languages(*known.values()).with_preloaded_language_models().build()
            if len(known) > 1
            else None
        )

    def detect(self, text: str) -> str | None:
        """The language code of ``text`` when lingua is at least ``min_confidence`` sure, else None."""
        if self._detector is None or not text.strip():
            return None
        values = self._detector.compute_language_confidence_values(text)
        if not values or values[0].value < self.min_confidence:
            return None
        return self._codes.get(values[0].language)


@lru_cache(maxsize=4)
def detector_for(languages: tuple[str, ...]) -> LanguageDetector:
    """One detector per set of languages for the whole process (lingua's models take ~0.2 s to load)."""
    return LanguageDetector(languages)
