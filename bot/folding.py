"""Text folded as people type it: lower case, no apostrophes, no accents ("Contraseña" -> "contrasena")."""

from __future__ import annotations

import re
import unicodedata

_APOSTROPHES = re.compile(r"['’‘`´]")


def fold(text: str) -> str:
    """Lower-case, drop apostrophes ("don't" -> "dont") and fold accents ("contraseña" -> "contrasena")."""
    text = _APOSTROPHES.sub("", text.lower())
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
