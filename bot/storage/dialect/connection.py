"""Connecting: SQLite's pragmas and checkpoints, PostgreSQL's driver options, and the SQL of data
migrations between the two databases' ways of storing time."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection


def sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """SQLite, on every new connection: foreign keys on, WAL (readers never block the writer), and a
    wait of up to 10 s when another process holds the write lock."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    # A 16 MB page cache (SQLite's default is 2 MB, filled only as pages are read): with a million
    # subscriptions and a million queued deliveries the tick's scattered pages stay cached (59 -> 47 ms).
    cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    # Copying the WAL into the database file is the clock's own job (``checkpoint``, every few seconds),
    # so a commit that touches many pages (a dispatcher tick) does not also pay for it. The automatic
    # checkpoint stays as a safety net, at a WAL of about 40 MB instead of 4 MB.
    cursor.execute(f"PRAGMA wal_autocheckpoint={SQLITE_AUTOCHECKPOINT_PAGES}")
    cursor.close()


SQLITE_AUTOCHECKPOINT_PAGES = 10_000
SQLITE_CACHE_KIB = 16_384
"""Each SQLite connection's page cache, at most (SQLite fills it only as pages are read)."""


async def checkpoint(connection: AsyncConnection) -> None:
    """SQLite: copy the write-ahead log into the database file without blocking readers or writers."""
    if connection.dialect.name == "sqlite":
        await connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")


@dataclass(frozen=True, slots=True)
class PoolOptions:
    """How the engine connects (PostgreSQL; SQLite keeps SQLAlchemy's own file-database pool)."""

    size: int = 5
    max_overflow: int = 10
    timeout_seconds: float = 30
    connect_timeout_seconds: float = 10
    statement_timeout_seconds: float = 30
    retry_max_seconds: float = 30


def connect_args(dialect_name: str, pool: PoolOptions) -> dict[str, Any]:
    """Driver options: asyncpg's connect timeout, PostgreSQL's statement timeout, and UTC as the session
    time zone (so anything that turns a timestamp into a day or text does it in UTC, as on SQLite)."""
    if dialect_name != "postgresql":
        return {}
    settings = {"application_name": "safetybot", "timezone": "UTC"}
    if pool.statement_timeout_seconds > 0:
        settings["statement_timeout"] = str(int(pool.statement_timeout_seconds * 1000))
    return {"timeout": pool.connect_timeout_seconds, "server_settings": settings}


def epoch_seconds_sql(dialect_name: str, column: str) -> str:
    """SQL for a stored UTC timestamp column as whole seconds since 1970 (an integer)."""
    if dialect_name == "postgresql":
        return f"CAST(FLOOR(EXTRACT(EPOCH FROM {column})) AS BIGINT)"
    return f"CAST(strftime('%s', {column}) AS INTEGER)"


def timestamp_sql(dialect_name: str, column: str) -> str:
    """SQL for whole seconds since 1970 as a stored UTC timestamp (the inverse of ``epoch_seconds_sql``)."""
    if dialect_name == "postgresql":
        return f"to_timestamp({column})"
    return f"strftime('%Y-%m-%d %H:%M:%S.000000', {column}, 'unixepoch')"
