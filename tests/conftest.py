"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app.wiring import Core
from bot.content.library import ContentLibrary
from bot.content.loader import load_content
from tests.auxil.core import FakeClock, make_core
from tests.auxil.understanding import TEST_CACHE_DIR

os.environ["SAFETYBOT_CACHE_DIR"] = str(TEST_CACHE_DIR)
"""Every bot process a test starts (console chat, CLI, roles) reuses the fitted classifiers."""


@pytest.fixture(scope="session")
def content() -> ContentLibrary:
    """The shipped content, loaded once."""
    return load_content()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def core(tmp_path: Path, content: ContentLibrary, clock: FakeClock) -> AsyncIterator[Core]:
    """A real core on a fresh SQLite database."""
    built = await make_core(tmp_path, content, clock)
    yield built
    await built.close()
