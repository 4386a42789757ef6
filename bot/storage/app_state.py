"""Small shared values that every process must agree on (e.g. the button-signing secret)."""

from __future__ import annotations

import secrets

from sqlalchemy import select

from bot.storage.db import Database
from bot.storage.dialect.upserts import insert_ignore
from bot.storage.tables import app_state

PAYLOAD_SECRET_KEY = "payload_secret"


async def shared_secret(db: Database, key: str = PAYLOAD_SECRET_KEY) -> bytes:
    """A random secret created once and then read by every process (first writer wins)."""
    async with db.begin() as connection:
        await connection.execute(
            insert_ignore(db.backend, app_state, {"key": key, "value": secrets.token_hex(32)})
        )
        value = (
            await connection.execute(select(app_state.c.value).where(app_state.c.key == key))
        ).scalar_one()
    return bytes.fromhex(value)
