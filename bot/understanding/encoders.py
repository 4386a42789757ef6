"""Which encoder the bot loads at start-up (SAFETYBOT_ENCODER), and what happens when it cannot."""

from __future__ import annotations

import logging

from bot.understanding.encoder import Encoder
from bot.understanding.use_encoder import UniversalSentenceEncoder

_log = logging.getLogger(__name__)

ENCODERS = ("use", "none")
"""Names accepted by SAFETYBOT_ENCODER: Google's Universal Sentence Encoder multilingual v3, or none
(the lexical engine and the crisis patterns only)."""


def load_encoder(name: str = "use", *, threads: int = 1) -> Encoder | None:
    """The named encoder, or None (after one log line) when it is switched off or cannot be loaded.

    The bot starts either way: without an encoder it answers with the lexical engine and finds crises
    with the patterns alone.
    """
    if name == "none":
        _log.info("understanding layer off (SAFETYBOT_ENCODER=none): lexical answers and crisis patterns")
        return None
    try:
        return UniversalSentenceEncoder(threads=threads)
    except Exception as error:  # any failure to import or load weights: keep the bot running
        _log.warning(
            "understanding layer off: the sentence encoder could not be loaded (%s); "
            "answering with the lexical engine and crisis patterns only",
            type(error).__name__,
        )
        return None
