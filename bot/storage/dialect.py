"""The one place where SQLite and PostgreSQL differ: upserts (INSERT ... ON CONFLICT), row claims, locks
between processes, and connection options."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, Table, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.dml import Insert

if TYPE_CHECKING:
    from bot.storage.db import PoolOptions


def insert_ignore(dialect_name: str, table: Table, values: dict[str, Any] | list[dict[str, Any]]) -> Insert:
    """INSERT that silently skips rows whose unique key already exists."""
    module = postgresql if dialect_name == "postgresql" else sqlite
    return module.insert(table).values(values).on_conflict_do_nothing()


def insert_or_increment(
    dialect_name: str, table: Table, values: dict[str, Any], keys: list[str], counter: str
) -> Insert:
    """INSERT a row, or add one to ``counter`` when a row with the same ``keys`` exists."""
    module = postgresql if dialect_name == "postgresql" else sqlite
    statement = module.insert(table).values(values)
    return statement.on_conflict_do_update(
        index_elements=keys, set_={counter: getattr(table.c, counter) + 1}
    ).returning(getattr(table.c, counter))


def lock_for_claim(dialect_name: str, statement: Select[Any]) -> Select[Any]:
    """Let concurrent senders claim different rows: FOR UPDATE SKIP LOCKED on PostgreSQL.

    SQLite needs nothing: it serialises writers, so the claiming UPDATE runs alone.
    """
    if dialect_name == "postgresql":
        return statement.with_for_update(skip_locked=True)
    return statement


def insert_ignore_many(dialect_name: str, table: Table) -> Insert:
    """An INSERT for executemany (a list of rows) that skips rows whose unique key exists."""
    module = postgresql if dialect_name == "postgresql" else sqlite
    return module.insert(table).on_conflict_do_nothing()


# --- between processes ------------------------------------------------------------------------------


def lock_key(name: str) -> int:
    """A stable signed 64-bit advisory-lock key for a name ("safetybot:dispatcher")."""
    return int.from_bytes(
        hashlib.blake2b(f"safetybot:{name}".encode(), digest_size=8).digest(), "big", signed=True
    )


async def try_lock(connection: AsyncConnection, name: str) -> bool:
    """PostgreSQL: take the session advisory lock ``name`` if free (it outlives the transaction)."""
    acquired = (
        await connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": lock_key(name)})
    ).scalar()
    await connection.commit()
    return bool(acquired)


async def unlock(connection: AsyncConnection, name: str) -> None:
    await connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": lock_key(name)})
    await connection.commit()


async def lock_for_migration(connection: AsyncConnection) -> None:
    """PostgreSQL: wait for any other process migrating (the lock ends with this transaction)."""
    if connection.dialect.name == "postgresql":
        await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key("migrate")})


@contextlib.asynccontextmanager
async def file_lock(path: Path | None) -> AsyncIterator[None]:
    """SQLite: an exclusive lock on a file beside the database while migrating (POSIX; elsewhere none).

    The wait happens in a thread, so other tasks of the process (another Database migrating) go on.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        fcntl = None  # type: ignore[assignment]
    if path is None or fcntl is None:
        yield
        return
    with path.open("a") as handle:
        await asyncio.to_thread(fcntl.flock, handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def connect_args(dialect_name: str, pool: PoolOptions) -> dict[str, Any]:
    """Driver options: asyncpg's connect timeout and PostgreSQL's statement timeout."""
    if dialect_name != "postgresql":
        return {}
    settings = {"application_name": "safetybot"}
    if pool.statement_timeout_seconds > 0:
        settings["statement_timeout"] = str(int(pool.statement_timeout_seconds * 1000))
    return {"timeout": pool.connect_timeout_seconds, "server_settings": settings}
