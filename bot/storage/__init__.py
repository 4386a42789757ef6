"""Storage: SQLAlchemy 2 (asyncio) on SQLite by default or PostgreSQL, schema managed by Alembic."""

from bot.storage.db import Database
from bot.storage.people import PeopleStore

__all__ = ["Database", "PeopleStore"]
