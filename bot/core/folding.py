"""Text folded as people type it, in every script the bot reads.

Latin script: lower case, no apostrophes, no accents ("Contraseña" -> "contrasena"). Arabic script:
no diacritics (harakat) and no tatweel; hamza carriers folded to their base letter (أ إ آ ٱ -> ا,
ؤ -> و, ئ -> ي); alef maqsura to yaa (ى -> ي) and taa marbuta to haa (ة -> ه), the spellings people
mix up when they type. Digits of every script become ASCII digits ("٠٨:٣٠" -> "08:30").
"""

from __future__ import annotations

import re
import unicodedata

_APOSTROPHES = re.compile(r"['’‘`´]")
_LETTERS = str.maketrans({"ى": "ي", "ة": "ه", "ٱ": "ا", "ـ": None})
_DIGITS = {ord(ch): str(unicodedata.digit(ch)) for ch in "٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹"}


def ascii_digits(text: str) -> str:
    """Arabic-Indic and Persian digits written as ASCII digits ("٠٨:٣٠" -> "08:30")."""
    return text.translate(_DIGITS)


def fold(text: str) -> str:
    """Lower-case, drop apostrophes ("don't" -> "dont"), fold accents and Arabic letter variants, and
    write every digit in ASCII."""
    if text.isascii():
        return _APOSTROPHES.sub("", text.lower())
    text = _APOSTROPHES.sub("", text.lower()).translate(_LETTERS).translate(_DIGITS)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
