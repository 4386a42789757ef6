"""A language typed in Latin letters, written back in its own script before it is read.

Arabic typed as Arabizi ("ana mesh 3aref a3mel eh") means little to a sentence encoder trained on Arabic
script; written back ("انا مش عرف اعمل اه") it is close enough for the encoder and the lexical index to
recognise. The table is content (``transliteration`` in the language's ui.yaml): Latin sequences mapped
to letters of the script, longest first; a key starting with ``^`` applies only at the start of a word,
one ending with ``$`` only at its end. Numbers (whole digit runs such as 988) are left alone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_LATIN_WORD = re.compile(r"[a-z0-9']+")


class Transliterator:
    """Writes Latin-letter words in another script with a content table."""

    def __init__(self, table: Mapping[str, str]) -> None:
        self._start = {key[1:]: value for key, value in table.items() if key.startswith("^")}
        self._end = {key[:-1]: value for key, value in table.items() if key.endswith("$")}
        self._any = {key: value for key, value in table.items() if key[:1] != "^" and key[-1:] != "$"}
        self._longest = max((len(key) for key in table), default=1)

    def _word(self, word: str) -> str:
        if word.isdigit():
            return word
        out: list[str] = []
        i = 0
        while i < len(word):
            for size in range(min(self._longest, len(word) - i), 0, -1):
                piece = word[i : i + size]
                if i == 0 and piece in self._start:
                    out.append(self._start[piece])
                elif i + size == len(word) and piece in self._end:
                    out.append(self._end[piece])
                elif piece in self._any:
                    out.append(self._any[piece])
                else:
                    continue
                i += size
                break
            else:
                out.append(word[i])
                i += 1
        return "".join(out)

    def __call__(self, text: str) -> str:
        return _LATIN_WORD.sub(lambda match: self._word(match.group(0)), text.lower())
