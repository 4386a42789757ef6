"""Loads content/ into a ContentLibrary: every file read and validated, then checked across files."""

from __future__ import annotations

from pathlib import Path

from bot.content.checks import cross_check
from bot.content.library import ContentLibrary
from bot.content.problems import ContentError
from bot.content.reading import DEFAULT_CONTENT_DIR, read_content


def load_content(root: Path = DEFAULT_CONTENT_DIR, default_language: str = "en") -> ContentLibrary:
    """Load and fully check the content.

    Raises:
        ContentError: listing every problem, each with its file and line.
    """
    result = read_content(root)
    if result.catalog is not None:
        cross_check(result, default_language)
    if result.problems:
        raise ContentError(result.problems)
    return result.library(default_language)
