"""A timestamp's UTC day as text (``YYYY-MM-DD``), as each database spells it, for daily rollups."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, String, func, type_coerce


def utc_day(backend: str, column: ColumnElement[Any]) -> ColumnElement[str]:
    """The UTC day of a ``UtcDateTime`` column: SQLite stores UTC text, PostgreSQL a ``timestamptz``."""
    if backend == "postgresql":
        return type_coerce(func.to_char(func.timezone("UTC", column), "YYYY-MM-DD"), String)
    return type_coerce(func.substr(column, 1, 10), String)
