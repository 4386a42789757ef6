"""Right-to-left text shown in the right order on every platform.

Telegram, Discord and terminals lay a paragraph out by the Unicode bidirectional algorithm, which picks
the paragraph's direction from its first strong letter and guesses the order of neutral characters
(spaces, brackets, dashes, dots) between runs of different direction. In an Arabic reply that breaks
on lines starting with an English name ("WhatsApp...") and on Latin runs with punctuation inside
("1-800-668-6868", "findahelpline.com", "Find A Helpline"). So, for a reply written mostly in a right-to-left
script, every line starts with a RIGHT-TO-LEFT MARK and every left-to-right run (Latin words, numbers,
addresses, with their inner punctuation) is wrapped in LEFT-TO-RIGHT ISOLATE ... POP DIRECTIONAL ISOLATE,
so it is laid out as one unit in its own direction. Left-to-right replies are left exactly as they are.
"""

from __future__ import annotations

import re
import unicodedata

RLM = "\u200f"
LRI = "\u2066"
PDI = "\u2069"
_LTR_RUN = re.compile(
    r"[A-Za-z0-9\u00c0-\u024f]"  # starts with a Latin letter or a digit
    r"(?:[A-Za-z0-9\u00c0-\u024f.,:;/@#%&+=_~?!'’\-\s]*[A-Za-z0-9\u00c0-\u024f/])?"
)


def _strong(ch: str) -> str | None:
    kind = unicodedata.bidirectional(ch)
    if kind in ("R", "AL"):
        return "rtl"
    if kind == "L":
        return "ltr"
    return None


RTL_SHARE = 0.4
"""A reply is laid out right to left when at least this share of its letters are right-to-left: an
Arabic reply carries English service names and numbers, an English one rarely carries Arabic."""


def is_rtl(text: str) -> bool:
    """Whether a text is written in a right-to-left script (Arabic, Hebrew...), names aside."""
    counts = {"rtl": 0, "ltr": 0}
    for ch in text:
        direction = _strong(ch)
        if direction:
            counts[direction] += 1
    total = counts["rtl"] + counts["ltr"]
    return bool(total) and counts["rtl"] >= RTL_SHARE * total


def isolate_runs(text: str) -> str:
    """Left-to-right runs inside right-to-left text wrapped in isolates ("اتصل بـ 988" -> "اتصل بـ ⁦988⁩")."""

    def wrap(match: re.Match[str]) -> str:
        run = match.group(0)
        if not any(_strong(ch) == "ltr" or ch.isdigit() for ch in run):
            return run
        return f"{LRI}{run}{PDI}"

    return _LTR_RUN.sub(wrap, text)


def line_start() -> str:
    """What begins every line of a right-to-left reply, so the line is laid out right to left."""
    return RLM
