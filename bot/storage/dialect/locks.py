"""Between processes: claiming different rows, advisory locks for clock rounds, and migration locks."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from sqlalchemy import Select, text
from sqlalchemy.ext.asyncio import AsyncConnection


def lock_for_claim(dialect_name: str, statement: Select[Any]) -> Select[Any]:
    """Let concurrent senders claim different rows: FOR UPDATE SKIP LOCKED on PostgreSQL.

    SQLite needs nothing: it serialises writers, so the claiming UPDATE runs alone.
    """
    if dialect_name == "postgresql":
        return statement.with_for_update(skip_locked=True)
    return statement


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
