"""The Encoder port (sentences in, L2-normalised vectors out) and how the bot picks one at start-up."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

_log = logging.getLogger(__name__)

ENCODERS = ("use", "none")
"""Names accepted by SAFETYBOT_ENCODER: Google's Universal Sentence Encoder multilingual v3, or none
(the lexical engine and the crisis patterns only)."""

MAX_CHARS = 4096
"""Longer texts are cut here before encoding (Telegram's own message limit)."""


class Encoder(Protocol):
    """Turns texts into vectors whose dot product is their cosine similarity."""

    @property
    def name(self) -> str:
        """A stable name, part of every cache key."""
        ...

    @property
    def version(self) -> str:
        """The implementation's version, part of every cache key (new weights, new vectors)."""
        ...

    @property
    def dimensions(self) -> int: ...

    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """One L2-normalised row per text, in order; an empty input gives a (0, dimensions) array."""
        ...


def load_encoder(name: str = "use", *, threads: int = 1) -> Encoder | None:
    """The named encoder, or None (after one log line) when it is switched off or cannot be loaded.

    The bot starts either way: without an encoder it answers with the lexical engine and finds crises
    with the patterns alone.
    """
    if name == "none":
        _log.info("understanding layer off (SAFETYBOT_ENCODER=none): lexical answers and crisis patterns")
        return None
    try:
        from bot.understanding.use_encoder import UniversalSentenceEncoder

        return UniversalSentenceEncoder(threads=threads)
    except Exception as error:  # any failure to import or load weights: keep the bot running
        _log.warning(
            "understanding layer off: the sentence encoder could not be loaded (%s); "
            "answering with the lexical engine and crisis patterns only",
            type(error).__name__,
        )
        return None
