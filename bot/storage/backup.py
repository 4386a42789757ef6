"""A consistent online copy of the SQLite database (``safetybot db backup PATH``).

SQLite's own backup API copies the database page by page while the bot keeps running; a write that
lands meanwhile restarts the copy of the pages it touched, so the copy is one consistent state (the
write-ahead log included). PostgreSQL has ``pg_dump`` for the same job.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(Exception):
    """The copy could not be made; the message says why, for the operator."""


def sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL; None for any other database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def backup_sqlite(source: Path, target: Path) -> int:
    """Copy ``source`` to ``target`` (which must not exist yet) and check the copy; returns its size in bytes.

    Raises:
        BackupError: the source is missing, the target exists, or the copy fails its integrity check.
    """
    if not source.is_file():
        raise BackupError(f"there is no database at {source}")
    if target.exists():
        raise BackupError(f"{target} already exists; choose a new file name")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    try:
        with (
            sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30) as reading,
            sqlite3.connect(partial) as writing,
        ):
            reading.backup(writing, pages=1024)
            verdict = writing.execute("PRAGMA integrity_check").fetchone()[0]
        if verdict != "ok":
            raise BackupError(f"the copy failed its integrity check ({verdict})")
        partial.replace(target)
    except sqlite3.Error as error:
        raise BackupError(f"the copy failed: {type(error).__name__}: {error}") from None
    finally:
        partial.unlink(missing_ok=True)
    return target.stat().st_size
