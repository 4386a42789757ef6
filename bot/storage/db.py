"""The database: an async engine with pool settings, transactions, migrations at start-up, and a record of
whether a network database is reachable right now.

When PostgreSQL cannot be reached, ``begin()`` raises ``DatabaseUnavailable`` at once (without waiting
for a connection) until the next retry time, which backs off from half a second to
``retry_max_seconds``; the first transaction that works again clears it. Callers answer what they can
without the database and say politely that the rest must wait.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from bot.storage.dialect import connection as dialect_connection
from bot.storage.dialect import locks
from bot.storage.dialect.connection import PoolOptions

_log = logging.getLogger(__name__)
MIGRATIONS_DIR = Path(__file__).parent / "migrations"
FIRST_RETRY_SECONDS = 0.5


class DatabaseUnavailable(Exception):
    """The database cannot be reached right now; try again after a while."""


def is_connection_error(error: BaseException) -> bool:
    """Whether an error means the server is unreachable or the connection broke (not a bad statement)."""
    if isinstance(error, DBAPIError):
        if error.connection_invalidated:
            return True
        if getattr(error.orig, "sqlstate", None) == "57014":  # statement timeout: the server is there
            return False
        return isinstance(error, OperationalError | InterfaceError)
    return isinstance(error, OSError | TimeoutError | ConnectionError)


class _Availability:
    """Whether a network database answered lately, and when to try again if not."""

    def __init__(self, retry_max_seconds: float) -> None:
        self.retry_max = retry_max_seconds
        self.away_since: float | None = None
        self.retry_at = 0.0
        self.delay = FIRST_RETRY_SECONDS

    def check(self) -> None:
        if self.away_since is not None and time.monotonic() < self.retry_at:
            raise DatabaseUnavailable("the database is unreachable; retrying shortly")

    def failed(self) -> None:
        now = time.monotonic()
        if self.away_since is None:
            self.away_since = now
            self.delay = FIRST_RETRY_SECONDS
            _log.warning("the database is unreachable; answering what needs no database meanwhile")
        else:
            self.delay = min(self.delay * 2, self.retry_max)
        self.retry_at = now + self.delay

    def worked(self) -> None:
        if self.away_since is not None:
            _log.warning("the database is back after %.1f s", time.monotonic() - self.away_since)
            self.away_since = None


class Database:
    """Owns the engine. ``begin()`` gives a connection in a transaction."""

    def __init__(self, url: str, *, echo: bool = False, pool: PoolOptions | None = None) -> None:
        pool = pool or PoolOptions()
        parsed = make_url(url)
        self.backend = parsed.get_backend_name()
        """"sqlite" or "postgresql" (SQLAlchemy's dialect object is ``engine.dialect``)."""
        self.path: Path | None = None
        options: dict[str, Any] = {"echo": echo, "pool_pre_ping": True}
        if self.backend == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                self.path = Path(parsed.database)
                self.path.parent.mkdir(parents=True, exist_ok=True)
        else:
            options |= {
                "pool_size": pool.size,
                "max_overflow": pool.max_overflow,
                "pool_timeout": pool.timeout_seconds,
                "connect_args": dialect_connection.connect_args(self.backend, pool),
            }
        self.engine: AsyncEngine = create_async_engine(url, **options)
        if self.backend == "sqlite":
            event.listen(self.engine.sync_engine, "connect", dialect_connection.sqlite_pragmas)
        self.availability = _Availability(pool.retry_max_seconds)
        self.tracks_availability = self.backend != "sqlite"  # a local file is there or it is not

    @property
    def reachable(self) -> bool:
        """False while a network database is known to be away."""
        return self.availability.away_since is None

    @contextlib.contextmanager
    def _watch(self) -> Iterator[None]:
        if not self.tracks_availability:
            yield
            return
        self.availability.check()
        try:
            yield
        except DatabaseUnavailable:
            raise
        except Exception as error:
            if is_connection_error(error):
                self.availability.failed()
                raise DatabaseUnavailable(str(type(error).__name__)) from error
            raise
        self.availability.worked()

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncConnection]:
        """A connection inside a transaction, committed on success and rolled back on error.

        Raises:
            DatabaseUnavailable: when a network database cannot be reached (now, or lately).
        """
        with self._watch():
            async with self.engine.begin() as connection:
                yield connection

    @asynccontextmanager
    async def exclusive(self, name: str) -> AsyncIterator[bool]:
        """Whether this process won the right to do ``name`` now; held until the block ends.

        On PostgreSQL a session advisory lock (released if the process dies, since its connection
        closes), so only one of several scheduler processes scans at a time; the others skip the round.
        On SQLite always True: writes are idempotent, and one file rarely has several schedulers.
        """
        if self.backend == "sqlite":
            yield True
            return
        with self._watch():
            async with self.engine.connect() as connection:
                acquired = await locks.try_lock(connection, name)
                try:
                    yield acquired
                finally:
                    if acquired:
                        await locks.unlock(connection, name)

    async def migrate(self) -> None:
        """Upgrade the schema to the newest Alembic revision: existing data is upgraded, never dropped.

        Several processes may start at once: they take turns (an advisory lock on PostgreSQL, a file
        lock beside a SQLite database), and the later ones find the schema already up to date.
        """

        def upgrade(connection: Connection) -> None:
            config = Config()
            config.set_main_option("script_location", str(MIGRATIONS_DIR))
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

        lock_file = self.path.with_name(self.path.name + ".migrate-lock") if self.path else None
        async with locks.file_lock(lock_file), self.engine.begin() as connection:
            # Not watched: at start-up an unreachable database is the caller's to report, at once.
            await locks.lock_for_migration(connection)
            await connection.run_sync(upgrade)
        _log.info("database schema is up to date")

    async def checkpoint(self) -> None:
        """SQLite: move what the write-ahead log holds into the database file (nothing on PostgreSQL)."""
        if self.backend == "sqlite":
            async with self.engine.connect() as connection:
                await dialect_connection.checkpoint(connection)

    async def close(self) -> None:
        await self.engine.dispose()
