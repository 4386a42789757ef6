"""The Encoder port: sentences in, L2-normalised vectors out (``bot.understanding.encoders`` picks one)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

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
