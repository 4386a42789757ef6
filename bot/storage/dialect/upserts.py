"""Upserts as each database spells them: INSERT ... ON CONFLICT, INSERT ... SELECT, counters, GREATEST,
and an exact match inside a JSON array (an audience's category)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, Table, cast, exists, func, literal, select, true
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


def greatest(dialect_name: str, first: Any, second: Any) -> Any:
    """The larger of two SQL values: GREATEST on PostgreSQL, SQLite's two-argument max()."""
    return func.greatest(first, second) if dialect_name == "postgresql" else func.max(first, second)


def insert_select_ignore(
    dialect_name: str, table: Table, columns: Sequence[str], rows: Select[Any]
) -> Insert:
    """INSERT ... SELECT that skips rows whose unique key exists (``rowcount`` counts the rows added).

    SQLite needs a WHERE in the SELECT, or it reads ON CONFLICT as a join's ON.
    """
    module = postgresql if dialect_name == "postgresql" else sqlite
    source = rows if dialect_name == "postgresql" else rows.where(true())
    return module.insert(table).from_select(list(columns), source).on_conflict_do_nothing()


def json_array_has(backend: str, column: ColumnElement[Any], value: str) -> ColumnElement[bool]:
    """Whether a JSON array column holds ``value`` exactly (not as part of a longer string)."""
    if backend == "postgresql":
        return column.op("@>")(cast(literal(json.dumps([value])), postgresql.JSONB))
    each = func.json_each(column).table_valued("value")
    return exists(select(literal(1)).select_from(each).where(each.c.value == value))
