"""Content vectors cached on disk, per encoder and version, so a start with unchanged content encodes
nothing, and a content edit encodes only the texts it added.

Files live in the cache folder (SAFETYBOT_CACHE_DIR, by default ``<data dir>/cache``):
``vectors-<encoder>-<version>.npz`` (every text ever encoded there, with its vector) and
``models-<hash>.npz`` (fitted classifiers, keyed by the hash of everything they were fitted on). A
missing, unreadable or foreign file is treated as empty; writes go to a temporary file first and are
renamed into place, so two processes starting at once never read half a file.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bot.understanding.classifiers import Vectors
from bot.understanding.encoder import Encoder

_log = logging.getLogger(__name__)
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def digest(*parts: object) -> str:
    """A short, stable hash of JSON-serialisable parts."""
    blob = json.dumps(parts, ensure_ascii=False, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:24]


def _write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.stem, suffix=".tmp.npz")
    os.close(handle)
    try:
        np.savez(temporary, **arrays)  # type: ignore[arg-type]
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def _read_npz(path: Path) -> dict[str, np.ndarray] | None:
    try:
        with np.load(path, allow_pickle=False) as stored:
            return {key: stored[key] for key in stored.files}
    except FileNotFoundError:
        return None
    except Exception as error:  # a truncated or foreign file: rebuild it
        _log.warning("ignoring unreadable cache file %s (%s)", path.name, type(error).__name__)
        return None


class VectorCache:
    """Encodes texts through a persistent cache."""

    def __init__(self, encoder: Encoder, directory: Path | None) -> None:
        self.encoder = encoder
        self.directory = directory
        name = _UNSAFE.sub("-", f"{encoder.name}-{encoder.version}")
        self._path = directory / f"vectors-{name}.npz" if directory else None

    def encode(self, texts: Sequence[str]) -> Vectors:
        """Vectors for ``texts`` (in order), encoding only those not cached yet."""
        known: dict[str, int] = {}
        stored_vectors = np.zeros((0, self.encoder.dimensions), dtype=np.float32)
        stored = _read_npz(self._path) if self._path else None
        if stored is not None and stored.get("vectors", np.zeros((0, 0))).shape[1:] == (
            self.encoder.dimensions,
        ):
            stored_vectors = stored["vectors"].astype(np.float32)
            known = {str(text): row for row, text in enumerate(stored["texts"])}
        missing = sorted({text for text in texts if text not in known})
        if missing:
            fresh = self.encoder.encode(missing)
            base = len(stored_vectors)
            stored_vectors = np.concatenate([stored_vectors, fresh]) if base else fresh
            known.update({text: base + i for i, text in enumerate(missing)})
            if self._path:
                ordered = sorted(known, key=known.__getitem__)
                _write_npz(self._path, {"texts": np.array(ordered), "vectors": stored_vectors})
        return stored_vectors[[known[text] for text in texts]] if texts else stored_vectors[:0]

    def load_models(self, key: str) -> dict[str, np.ndarray] | None:
        """Fitted models stored under ``key``, or None."""
        return _read_npz(self.directory / f"models-{key}.npz") if self.directory else None

    def save_models(self, key: str, arrays: dict[str, np.ndarray]) -> None:
        if self.directory:
            _write_npz(self.directory / f"models-{key}.npz", arrays)
