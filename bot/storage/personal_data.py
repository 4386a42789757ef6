"""Everything stored about one person, for /mydata (the right of access, beside /forget's erasure).

The walk follows the schema's foreign keys from the person's ``users`` row: every table whose rows hang
on it (directly, or through rows that do, such as their private chat's subscription or a round's
results), so a table added later is included without changing this module. Then the rows that name the
person without a foreign key: their flood-control counters and group settings they made (``set_by``).
Internal row ids and the links between rows are left out; every other column is shown as stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, Table, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.core.events import UserRef
from bot.storage import consent_tables  # noqa: F401  (its tables join the walk: they hang on chats)
from bot.storage.db import Database
from bot.storage.people import flood_key, person_key
from bot.storage.tables import flood_windows, metadata, users

MAX_ROWS_SHOWN = 20
"""Per table; beyond that the count is given (deliveries to a long-subscribed chat, say)."""
SET_BY = "set_by"


@dataclass(frozen=True, slots=True)
class StoredRows:
    """One table's rows about the person: how many, and the first ones as column -> value."""

    table: str
    count: int
    rows: tuple[tuple[tuple[str, str], ...], ...]


def _shown(value: object) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    return str(value)


def _visible(table: Table) -> list[str]:
    """Columns worth showing: not the row id, not a link to another row."""
    return [
        column.name
        for column in table.columns
        if not column.foreign_keys and not (column.primary_key and column.name == "id")
    ]


class PersonalData:
    """Reads everything about a person, grouped by table."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def of(self, user: UserRef) -> list[StoredRows]:
        found: list[StoredRows] = []
        async with self._db.begin() as connection:
            user_row = await connection.execute(
                select(users.c.id).where(
                    users.c.platform == user.platform, users.c.platform_user_id == user.user_id
                )
            )
            user_id = user_row.scalar_one_or_none()
            if user_id is not None:
                found += await self._walk(connection, users, [user_id])
            key = flood_key(user)
            found += await self._rows(connection, flood_windows, flood_windows.c.user_key == key)
            for table in metadata.sorted_tables:
                if SET_BY in table.columns:
                    found += await self._rows(connection, table, table.c[SET_BY] == person_key(user))
        return [rows for rows in found if rows.count]

    async def _walk(self, connection: AsyncConnection, table: Table, ids: list[int]) -> list[StoredRows]:
        """``table``'s rows with these ids, then every table whose rows point at them, recursively."""
        found = await self._rows(connection, table, table.c.id.in_(ids))
        for child in metadata.sorted_tables:
            for key in child.foreign_keys:
                if key.column.table is not table or child is table:
                    continue
                link = key.parent
                where = link.in_(ids)
                if "id" in child.columns:
                    child_ids = list((await connection.execute(select(child.c.id).where(where))).scalars())
                    if child_ids:
                        found += await self._walk(connection, child, child_ids)
                else:
                    found += await self._rows(connection, child, where)
        return found

    @staticmethod
    async def _rows(
        connection: AsyncConnection, table: Table, where: ColumnElement[bool]
    ) -> list[StoredRows]:
        names = _visible(table)
        rows = (await connection.execute(select(*[table.c[name] for name in names]).where(where))).all()
        shown = tuple(
            tuple((name, _shown(value)) for name, value in zip(names, row, strict=True) if value is not None)
            for row in rows[:MAX_ROWS_SHOWN]
        )
        return [StoredRows(table.name, len(rows), shown)]
