"""The same schema, migrations and repositories on a real PostgreSQL server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.app.wiring import Core
from bot.content.library import ContentLibrary
from bot.core.events import ChatKind, ChatRef
from tests.auxil.core import FakeClock, group_member, make_core, private_person, text_of
from tests.auxil.postgres import throwaway_database


@pytest.fixture
async def pg_core(tmp_path: Path, content: ContentLibrary, clock: FakeClock) -> AsyncIterator[Core]:
    async for url in throwaway_database():
        core = await make_core(tmp_path, content, clock, database_url=url)
        try:
            yield core
        finally:
            await core.close()


async def test_migrations_run_and_are_idempotent(
    pg_core: Core, content: ContentLibrary, tmp_path: Path
) -> None:
    assert pg_core.db.backend == "postgresql"
    await pg_core.db.migrate()
    async with pg_core.db.begin() as connection:
        tables = {
            row[0]
            for row in await connection.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            )
        }
    assert {"users", "chats", "flood_windows", "app_state", "alembic_version"} <= tables


async def test_conversation_flood_and_forget_on_postgres(pg_core: Core, clock: FakeClock) -> None:
    person = private_person(pg_core, clock)
    assert "Hi Ada!" in text_of(await person.command("start"))
    await person.command("language", "en")
    assert await pg_core.services.people.language_of(person.user) == "en"
    confirm = await person.command("forget")
    assert "deleted everything" in text_of(await person.press_label(confirm, "Yes, delete"))
    assert await pg_core.services.people.rows_about(person.user) == 0


async def test_group_language_and_inactive_chat_on_postgres(pg_core: Core, clock: FakeClock) -> None:
    admin = group_member(pg_core, clock, "1", group_id="-42", admin=True)
    assert "in this group" in text_of(await admin.command("language", "en"))
    chat = ChatRef("test", "-42", ChatKind.GROUP)
    await pg_core.services.people.mark_chat_inactive(chat, clock.now())
    settings = await pg_core.services.people.chat_settings(chat)
    assert settings is not None and settings.language == "en" and not settings.active
