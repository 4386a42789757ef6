"""A throwaway PostgreSQL database per test, from SAFETYBOT_TEST_POSTGRES_URL.

Without the variable the tests that need it are skipped with a one-line reason. With it set and the
server unreachable they are skipped on a laptop, but fail under CI (CI=true), so a broken CI database
cannot turn into a silent skip.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy.engine import make_url

ENV = "SAFETYBOT_TEST_POSTGRES_URL"


async def admin_connection(url: str) -> asyncpg.Connection:
    parsed = make_url(url)
    return await asyncpg.connect(
        host=parsed.host or "127.0.0.1",
        port=parsed.port or 5432,
        user=parsed.username or "postgres",
        password=parsed.password,
        database=parsed.database or "postgres",
        timeout=5,
    )


async def throwaway_database() -> AsyncIterator[str]:
    """Yield the SQLAlchemy URL of a new, empty database; drop it afterwards."""
    url = os.environ.get(ENV)
    if not url:
        pytest.skip(f"PostgreSQL tests need {ENV} (e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/test)")
    try:
        admin = await admin_connection(url)
    except (OSError, asyncpg.PostgresError) as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{ENV} is set but PostgreSQL is unreachable under CI: {type(error).__name__}")
        pytest.skip(f"PostgreSQL at {ENV} is unreachable: {type(error).__name__}")
    name = f"safetybot_test_{uuid.uuid4().hex[:12]}"
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
