"""The one place where SQLite and PostgreSQL differ: upserts (INSERT ... ON CONFLICT)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert


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
