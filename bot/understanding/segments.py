"""Splits a message into the pieces worth reading on their own: the whole and, when long, its end.

A long message often puts its context first and its question (or its danger) last: a paragraph about
school that ends "i've decided tonight is the night". The whole message's vector blurs such an ending;
reading the last two sentences on their own keeps it. (Reading every sentence alone was measured
and rejected: a single sentence out of context, "i feel awful", sets off far more false alarms.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SENTENCE_END = re.compile(r"(?<=[.!?؟…。！？])\s+|\n+")
_MIN_SENTENCE_CHARS = 8
TAIL_SENTENCES = 2


@dataclass(frozen=True, slots=True)
class Segments:
    """The texts to encode for one message: the whole, then its tail when it has more sentences."""

    whole: str
    tail: str | None

    @property
    def texts(self) -> tuple[str, ...]:
        return (self.whole,) if self.tail is None else (self.whole, self.tail)


def sentences(text: str) -> list[str]:
    """The sentences of a text (fragments of fewer than 8 characters join their neighbour)."""
    merged: list[str] = []
    for piece in (part.strip() for part in _SENTENCE_END.split(text)):
        if not piece:
            continue
        if merged and (len(piece) < _MIN_SENTENCE_CHARS or len(merged[-1]) < _MIN_SENTENCE_CHARS):
            merged[-1] = f"{merged[-1]} {piece}"
        else:
            merged.append(piece)
    return merged


def segment(text: str) -> Segments:
    """The whole message and, when it has more than two sentences, the last two together."""
    whole = text.strip()
    parts = sentences(whole)
    if len(parts) <= TAIL_SENTENCES:
        return Segments(whole, None)
    return Segments(whole, " ".join(parts[-TAIL_SENTENCES:]))
