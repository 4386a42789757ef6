"""One understanding layer per content library for the whole test session, and the cache folder that
test processes share (fitting the classifiers takes seconds; loading them from the cache, milliseconds)."""

from __future__ import annotations

from pathlib import Path

from bot.content.library import ContentLibrary
from bot.understanding import Understanding, build_understanding, load_encoder
from bot.understanding.encoder import Encoder

TEST_CACHE_DIR = Path(__file__).resolve().parents[2] / ".cache" / "understanding"
"""Kept between runs (git ignores it); every bot process a test starts is pointed at it."""

_encoder: list[Encoder | None] = []
_layers: dict[int, tuple[ContentLibrary, Understanding | None]] = {}


def shared_encoder() -> Encoder | None:
    if not _encoder:
        _encoder.append(load_encoder("use"))
    return _encoder[0]


def shared_understanding(content: ContentLibrary) -> Understanding | None:
    """The layer for this content, built once per session."""
    known = _layers.get(id(content))
    if known is None or known[0] is not content:
        encoder = shared_encoder()
        layer = build_understanding(content, encoder, TEST_CACHE_DIR) if encoder is not None else None
        known = (content, layer)
        _layers[id(content)] = known
    return known[1]
