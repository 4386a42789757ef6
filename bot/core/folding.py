"""Text folded as people type it, in every script the bot reads.

Latin script: lower case, no apostrophes, no accents ("Contraseña" -> "contrasena"). Arabic script:
no diacritics (harakat) and no tatweel; hamza carriers folded to their base letter (أ إ آ ٱ -> ا,
ؤ -> و, ئ -> ي); alef maqsura to yaa (ى -> ي) and taa marbuta to haa (ة -> ه), the spellings people
mix up when they type. Compatibility forms fold to the letters they stand for (mathematical bold
"𝐏𝐀𝐒𝐒" -> "pass", Arabic presentation forms copied from a PDF, full-width letters). Digits of every
script become ASCII digits ("٠٨:٣٠" -> "08:30", "०८" -> "08").
"""

from __future__ import annotations

import re
import unicodedata

_APOSTROPHES = re.compile(r"['’‘`´]")
_LETTERS = str.maketrans({"ى": "ي", "ة": "ه", "ٱ": "ا", "ـ": None})


class _DecimalDigits(dict[int, str]):
    """A str.translate table from any decimal digit to its ASCII digit, filled as characters are met."""

    def __missing__(self, code: int) -> str:
        value = unicodedata.decimal(chr(code), None)
        found = chr(code) if value is None else str(value)
        if len(self) < 50_000:  # bounded: the characters of the scripts people actually write
            self[code] = found
        return found


_DIGITS = _DecimalDigits()


def ascii_digits(text: str) -> str:
    """Decimal digits of every script written as ASCII digits ("٠٨:٣٠" -> "08:30")."""
    return text if text.isascii() else text.translate(_DIGITS)


def fold(text: str) -> str:
    """Lower-case, drop apostrophes ("don't" -> "dont"), fold accents and Arabic letter variants, and
    write every digit in ASCII."""
    if text.isascii():
        return _APOSTROPHES.sub("", text.lower())
    decomposed = unicodedata.normalize("NFKD", text)
    text = ascii_digits(_APOSTROPHES.sub("", decomposed.lower()).translate(_LETTERS))
    return "".join(ch for ch in text if not unicodedata.combining(ch))
