"""Crisis detection: runs before anything else on every message a person writes.

The patterns are language data in content/<lang>/crisis-signals.yaml. Innocent phrases ("kill a
background app", "this game is killing me") are blanked out first; then any signal pattern marks the
message as a crisis; failing that, weighted cues are added up, so indirect messages that combine
several warning signs ("feel trapped", "only one way out") are caught though no single phrase is.
Every language's signals and cues are checked (the message's language first), since people in distress
switch languages; the innocent phrases of every language are blanked out before any of them, so an
English "self harm content" question is not read by the Spanish patterns as a crisis. When in doubt
the detector errs towards offering help.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.content.library import ContentLibrary
from bot.understanding.normalise import fold


@dataclass(frozen=True, slots=True)
class _Patterns:
    innocent: tuple[re.Pattern[str], ...]
    signals: tuple[tuple[str, re.Pattern[str]], ...]
    cues: tuple[tuple[str, int, re.Pattern[str]], ...]
    cue_threshold: int


def _prepare(text: str) -> str:
    """Folded text with punctuation turned into spaces, so patterns can use plain words."""
    return " " + re.sub(r"[\W_]+", " ", fold(text)).strip() + " "


class CrisisDetector:
    """Says whether a message is from someone who may be at risk, and of what kind."""

    def __init__(self, content: ContentLibrary) -> None:
        self._by_lang: dict[str, _Patterns] = {}
        self._default = content.default_language
        for lang, language in content.languages.items():
            signals_file = language.crisis_signals
            if signals_file is None:
                continue
            self._by_lang[lang] = _Patterns(
                innocent=tuple(re.compile(p) for p in signals_file.innocent),
                signals=tuple(
                    (kind, re.compile(p)) for kind, patterns in signals_file.signals.items() for p in patterns
                ),
                cues=tuple((cue.kind, cue.weight, re.compile(cue.pattern)) for cue in signals_file.cues),
                cue_threshold=signals_file.cue_threshold,
            )

    def _order(self, lang: str | None) -> list[str]:
        order = [code for code in (lang, self._default) if code in self._by_lang]
        return order + [code for code in self._by_lang if code not in order]

    def _clean(self, text: str) -> str:
        """The prepared text with every language's innocent phrases blanked out."""
        prepared = _prepare(text)
        for patterns in self._by_lang.values():
            for innocent in patterns.innocent:
                prepared = innocent.sub(" ", prepared)
        return prepared

    @staticmethod
    def _cue_weights(cleaned: str, patterns: _Patterns) -> dict[str, int]:
        weights: dict[str, int] = {}
        for kind, weight, cue in patterns.cues:
            if cue.search(cleaned):
                weights[kind] = weights.get(kind, 0) + weight
        return weights

    def detect(self, text: str, lang: str | None = None) -> str | None:
        """The kind of crisis signalled (e.g. "suicide-or-self-harm"), or None."""
        cleaned = self._clean(text)
        for code in self._order(lang):
            patterns = self._by_lang[code]
            for kind, signal in patterns.signals:
                if signal.search(cleaned):
                    return kind
            weights = self._cue_weights(cleaned, patterns)
            if sum(weights.values()) >= patterns.cue_threshold:
                return max(weights, key=lambda kind: weights[kind])
        return None

    def concern(self, text: str, lang: str | None = None) -> int:
        """How many risk cues a message carries (their summed weight), below the crisis threshold too.

        The engine uses it as a safety net: a message it cannot place that still carries risk cues gets
        the crisis resources first, gently, rather than a shrug.
        """
        cleaned = self._clean(text)
        return max(
            (sum(self._cue_weights(cleaned, self._by_lang[code]).values()) for code in self._order(lang)),
            default=0,
        )
