"""Run Alembic to a given revision on a live connection, on SQLite and on a throwaway PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection

from bot.storage.db import MIGRATIONS_DIR
from tests.auxil.postgres import throwaway_database


def migrate(connection: Connection, revision: str, *, down: bool = False) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    (command.downgrade if down else command.upgrade)(config, revision)


async def database_urls(tmp_path: Path) -> AsyncIterator[str]:
    """A fresh SQLite file, then a throwaway PostgreSQL database (skips when none is configured)."""
    yield f"sqlite+aiosqlite:///{tmp_path / 'migrated.db'}"
    async for url in throwaway_database():
        yield url
