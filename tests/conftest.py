"""Fixtures shared by the whole suite."""

from __future__ import annotations

import io
import logging
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.app.wiring import Core
from bot.content.library import ContentLibrary
from bot.content.loader import load_content
from bot.telemetry.logs import NOISY_LOGGERS, configure
from tests.auxil.core import FakeClock, make_core
from tests.auxil.postgres import throwaway_database
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


@pytest.fixture(params=["sqlite", "postgresql"])
async def each_core(
    request: pytest.FixtureRequest, tmp_path: Path, content: ContentLibrary, clock: FakeClock
) -> AsyncIterator[Core]:
    """A core on SQLite, then on PostgreSQL (PostgreSQL skipped without
    SAFETYBOT_TEST_POSTGRES_URL on a laptop, failed under CI)."""
    if request.param == "sqlite":
        built = await make_core(tmp_path, content, clock)
        yield built
        await built.close()
        return
    async for url in throwaway_database():
        built = await make_core(tmp_path, content, clock, database_url=url)
        try:
            yield built
        finally:
            await built.close()


@pytest.fixture
def logs_at_debug(logging_restored: None) -> io.StringIO:
    """What the bot would write to standard error with LOG_LEVEL=DEBUG (its own logging policy, text
    format), in a buffer."""
    stream = io.StringIO()
    configure("text", "DEBUG", stream=stream)
    return stream


@pytest.fixture
def logging_restored() -> Iterator[None]:
    """The root logger and the quieted libraries' loggers put back as they were after the test (for
    tests that install the bot's logging policy)."""
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    names = [noisy.name for noisy in NOISY_LOGGERS]
    saved_levels = {name: logging.getLogger(name).level for name in names}
    try:
        yield
    finally:
        for handler in root.handlers[:]:
            root.removeHandler(handler)
        for handler in saved_handlers:
            root.addHandler(handler)
        root.setLevel(saved_level)
        for name, level in saved_levels.items():
            logging.getLogger(name).setLevel(level)
