"""Storage: migrations upgrade an existing database in place; /forget leaves no row about the person."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select, text

from bot.app.wiring import Core
from bot.content.library import ContentLibrary
from bot.core.events import ChatKind, ChatRef, UserRef
from bot.storage.db import Database
from bot.storage.tables import chats, flood_windows, users
from tests.auxil.core import FakeClock, make_core, private_person


async def count(core: Core, table) -> int:
    async with core.db.begin() as connection:
        return (await connection.execute(select(func.count()).select_from(table))).scalar_one()


async def test_forget_leaves_no_row_about_the_person(core: Core, clock: FakeClock) -> None:
    person = private_person(core, clock, user_id="42")
    neighbour = private_person(core, clock, user_id="43")
    for who in (person, neighbour):
        await who.command("language", "en")
        await who.command("tip")
    async with core.db.begin() as connection:
        await core.services.people.ensure_chat(connection, person.chat, person.user, clock.now())
    assert await core.services.people.rows_about(person.user) >= 3
    await core.services.people.forget(person.user)
    assert await core.services.people.rows_about(person.user) == 0
    async with core.db.begin() as connection:
        mentions = (
            await connection.execute(
                select(func.count()).select_from(users).where(users.c.platform_user_id == "42")
            )
        ).scalar_one()
        mentions += (
            await connection.execute(
                select(func.count()).select_from(chats).where(chats.c.platform_chat_id == "42")
            )
        ).scalar_one()
        mentions += (
            await connection.execute(
                select(func.count()).select_from(flood_windows).where(flood_windows.c.user_key.like("%:42"))
            )
        ).scalar_one()
    assert mentions == 0
    assert await core.services.people.rows_about(neighbour.user) >= 2


async def test_group_chat_survives_a_members_forget(core: Core, clock: FakeClock) -> None:
    member = UserRef("test", "77")
    group = ChatRef("test", "-100", ChatKind.GROUP)
    async with core.db.begin() as connection:
        await core.services.people.ensure_user(connection, member, clock.now())
        await core.services.people.ensure_chat(connection, group, member, clock.now())
    await core.services.people.forget(member)
    assert await core.services.people.chat_settings(group) is not None


async def test_no_message_text_is_stored(core: Core, clock: FakeClock, tmp_path: Path) -> None:
    secret_phrase = "my-very-unusual-question-zebra"
    await private_person(core, clock).say(f"is {secret_phrase} a scam")
    await core.close()
    raw = b"".join(path.read_bytes() for path in (tmp_path / "data").glob("safetybot.db*"))
    assert secret_phrase.encode() not in raw


async def test_migrations_upgrade_an_existing_database_without_losing_data(
    tmp_path: Path, content: ContentLibrary, clock: FakeClock
) -> None:
    first = await make_core(tmp_path, content, clock)
    await first.services.people.set_language(UserRef("test", "5"), "en", clock.now())
    await first.close()
    second = await make_core(tmp_path, content, clock)
    try:
        assert await second.services.people.language_of(UserRef("test", "5")) == "en"
        async with second.db.begin() as connection:
            version = (await connection.execute(text("SELECT version_num FROM alembic_version"))).scalar_one()
        assert version
    finally:
        await second.close()


async def test_data_dir_is_created(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'nested' / 'deeper' / 'bot.db'}")
    await db.migrate()
    await db.close()
    assert (tmp_path / "nested" / "deeper" / "bot.db").is_file()


async def test_mark_chat_inactive(core: Core, clock: FakeClock) -> None:
    chat = ChatRef("test", "-7", ChatKind.GROUP)
    async with core.db.begin() as connection:
        await core.services.people.ensure_chat(connection, chat, UserRef("test", "1"), clock.now())
    await core.services.people.mark_chat_inactive(chat, clock.now())
    settings = await core.services.people.chat_settings(chat)
    assert settings is not None and settings.active is False
    await core.services.people.reactivate_chat(chat)
    settings = await core.services.people.chat_settings(chat)
    assert settings is not None and settings.active is True
    never_seen = ChatRef("test", "555", ChatKind.PRIVATE)
    await core.services.people.mark_chat_inactive(never_seen, clock.now())
    settings = await core.services.people.chat_settings(never_seen)
    assert settings is not None and settings.active is False


async def test_forget_removes_the_persons_id_from_group_settings_they_made(
    core: Core, clock: FakeClock
) -> None:
    from tests.auxil.core import group_member

    admin = group_member(core, clock, "61", group_id="-600", admin=True)
    await admin.command("subscribe", "10:00")
    await admin.command("challenge", "daily", "18:00")
    async with core.db.begin() as connection:
        before = (await connection.execute(text("SELECT set_by FROM subscriptions"))).scalar_one()
        daily = (await connection.execute(text("SELECT set_by FROM challenge_schedules"))).scalar_one()
    assert (before, daily) == ("test:61", "test:61"), "one meaning: platform and id, in both tables"
    await core.services.people.forget(admin.user)
    async with core.db.begin() as connection:
        after = (await connection.execute(text("SELECT set_by, active FROM subscriptions"))).one()
        daily = (await connection.execute(text("SELECT set_by FROM challenge_schedules"))).scalar_one()
    assert after[0] is None and after[1], "the group keeps its daily tip, without the person's id"
    assert daily is None
