"""Bulk writes: one statement for many rows, in the form each database runs fastest."""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, String, Subquery, bindparam, cast, func, literal_column, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.base import Executable
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.types import TypeEngine


class BulkWrite:
    """One statement written for many rows at once, in the form each database runs fastest.

    ``build`` makes the statement from one expression per row field (by name); ``execute`` runs it for a
    list of rows (tuples in ``fields`` order) and ``shared`` parameters.

    PostgreSQL: the fields are columns of a table read from ONE JSON parameter holding every row, so the
    write is one statement and one round trip (UPDATE ... FROM, INSERT ... SELECT). SQLite: the fields
    are bound parameters, and the driver steps the statement, compiled once, for each row in C
    (executemany, rows as plain tuples); for a thousand rows that measured twice as fast as an
    UPDATE ... FROM reading JSON (SQLite builds the whole join before writing) and a fifth faster than an
    INSERT ... SELECT from JSON. So the row fields are not converted per row: their types must need no
    conversion (integers, strings); the shared parameters are converted once per call.
    """

    def __init__(
        self,
        dialect: Dialect,
        fields: Sequence[tuple[str, TypeEngine[Any]]],
        build: Callable[[dict[str, ColumnElement[Any]]], Executable],
        *,
        name: str = "rows",
    ) -> None:
        self.dialect = dialect
        self.name = name
        if dialect.name == "postgresql":
            table = _json_table(bindparam(name, type_=String()), fields, name)
            self.statement = build({field: table.c[field] for field, _ in fields})
            return
        keys = [f"{name}_{field}" for field, _ in fields]
        for field, type_ in fields:
            if type_.dialect_impl(dialect).bind_processor(dialect) is not None:
                raise ValueError(f"bulk field {field!r}: its type converts values, bind it as a shared one")
        self.statement = build(
            {field: bindparam(key, type_=type_) for key, (field, type_) in zip(keys, fields, strict=True)}
        )
        compiled = self.statement.compile(dialect=dialect)
        if compiled.positiontup is None or compiled.literal_execute_params or compiled.post_compile_params:
            raise ValueError("a bulk write needs plain positional parameters")
        self._sql = compiled.string
        self._binds = compiled.binds
        self._shared = [key for key in compiled.positiontup if key not in keys]
        # Each positional parameter comes from a row field, or from the shared values appended to a row.
        places = []
        next_shared = len(keys)
        for key in compiled.positiontup:
            if key in keys:
                places.append(keys.index(key))
            else:
                places.append(next_shared)
                next_shared += 1
        pick = operator.itemgetter(*places)
        self._order: Callable[[tuple[Any, ...]], tuple[Any, ...]] = (
            pick if len(places) > 1 else lambda row: (pick(row),)
        )

    async def execute(
        self,
        connection: AsyncConnection,
        rows: Sequence[tuple[Any, ...]],
        shared: dict[str, Any] | None = None,
    ) -> int:
        """Write ``rows``; returns how many rows the database wrote (skipped conflicts not counted)."""
        if not rows:
            return 0
        shared = shared or {}
        if self.dialect.name == "postgresql":
            result = await connection.execute(self.statement, {**shared, self.name: json.dumps(rows)})
            return int(result.rowcount or 0)
        tail = tuple(self._stored(key, shared) for key in self._shared)
        order = self._order
        result = await connection.exec_driver_sql(self._sql, [order(row + tail) for row in rows])
        return int(result.rowcount or 0)

    def _stored(self, key: str, shared: dict[str, Any]) -> Any:
        """A shared parameter (or a literal of the statement) as the driver takes it."""
        bind = self._binds[key]
        value = shared.get(key, bind.value)
        processor = bind.type.dialect_impl(self.dialect).bind_processor(self.dialect)
        return processor(value) if processor else value


def _json_table(
    rows: BindParameter[str], fields: Sequence[tuple[str, TypeEngine[Any]]], name: str
) -> Subquery:
    """PostgreSQL: a table made of rows bound as ONE parameter, a JSON array of arrays (fields in order)."""
    elements = func.jsonb_array_elements(cast(rows, postgresql.JSONB)).table_valued("value")
    columns = [
        cast(elements.c.value.op("->>")(literal_column(str(index))), type_).label(field)
        for index, (field, type_) in enumerate(fields)
    ]
    return select(*columns).select_from(elements).subquery(name)
