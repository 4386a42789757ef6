"""The dashboard's strings: reading the strings file, and the error and format helper for its texts.

The strings file is a flat YAML mapping of ``"dashboard.<key>"`` to a plain text, whose ``{name}``
placeholders :class:`bot.web.render.Renderer` fills in (write ``{{`` and ``}}`` for literal braces).
"""

from __future__ import annotations

from pathlib import Path

import yaml

STRINGS_FILE = Path(__file__).parent / "strings.en.yaml"
"""The English strings."""


class MissingString(KeyError):
    """A template asked for a string key the strings file does not have."""


def load_strings(path: Path) -> dict[str, str]:
    """Read a flat ``key: "text"`` YAML mapping.

    Raises:
        ValueError: When the file is not a mapping of string keys to string values (naming the key).
    """
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of keys to texts")
    for key, value in data.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise ValueError(f"{path}: {key!r} must map a string key to a string text")
    return dict(data)


class Lenient(dict[str, object]):
    """Format parameters that leave an unknown ``{placeholder}`` as it is (production mode)."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"
