"""Migration 0009 on a database with data, on SQLite and PostgreSQL: categories become an exact JSON list,
"who set this" becomes "platform:id" in both tables, and the downgrade gives the old shape back."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import bindparam, text

from bot.storage.campaigns import CampaignStore, Recipients
from bot.storage.db import Database
from bot.storage.deliveries import DeliveryOutbox
from bot.storage.tables import UtcDateTime
from tests.auxil.migrations import database_urls, migrate

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


async def _at_0008_with_data(db: Database) -> None:
    stamp = bindparam("stamp", type_=UtcDateTime())
    async with db.engine.begin() as connection:
        await connection.run_sync(migrate, "0008")
        for chat_id, kind in ((1, "private"), (2, "group"), (3, "private")):
            await connection.execute(
                text(
                    "INSERT INTO chats (id, platform, platform_chat_id, kind, active, created_at) "
                    f"VALUES ({chat_id}, 'telegram', '{chat_id}00', '{kind}', true, :stamp)"
                ).bindparams(stamp),
                {"stamp": NOW},
            )
        rows = (
            (1, "privacy,misinformation", "telegram:7"),
            (2, "misinformation-literacy", None),
            (3, None, None),
        )
        for chat_id, categories, set_by in rows:
            await connection.execute(
                text(
                    "INSERT INTO subscriptions (id, chat_id, local_time, timezone, categories, weekdays_only,"
                    " next_due_at, active, rotation_cycle, rotation_position, set_by_user_id, created_at) "
                    "VALUES (:id, :id, '09:30', 'UTC', :categories, false, 1, true, 0, 0, :set_by, :stamp)"
                ).bindparams(stamp),
                {"id": chat_id, "categories": categories, "set_by": set_by, "stamp": NOW},
            )
        await connection.execute(
            text(
                "INSERT INTO challenge_schedules (chat_id, local_time, timezone, next_due_at, active, "
                "set_by_user_id, created_at) VALUES (2, '18:00', 'UTC', :stamp, true, '42', :stamp)"
            ).bindparams(stamp),
            {"stamp": NOW},
        )


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_0009_upgrades_data_in_place_and_back(backend: str, tmp_path: Path) -> None:
    urls = database_urls(tmp_path)
    if backend == "postgresql":
        await anext(urls)
    db = Database(await anext(urls))
    try:
        await _at_0008_with_data(db)
        await db.migrate()
        async with db.begin() as connection:
            rows = (
                await connection.execute(
                    text("SELECT chat_id, categories, set_by FROM subscriptions ORDER BY 1")
                )
            ).all()
            schedule = (await connection.execute(text("SELECT set_by FROM challenge_schedules"))).scalar_one()
        decoded = [(chat, json.loads(cats) if isinstance(cats, str) else cats, by) for chat, cats, by in rows]
        assert decoded == [
            (1, ["privacy", "misinformation"], "telegram:7"),
            (2, ["misinformation-literacy"], None),
            (3, None, None),
        ]
        assert schedule == "telegram:42", "a bare id gained its platform"

        store = CampaignStore(db, DeliveryOutbox(db), default_language="en", default_timezone="UTC")
        counted = await store.count_recipients(Recipients(categories=["misinformation"]))
        assert sum(counted.values()) == 2, "exact category: chat 1, and chat 3 that takes every category"

        async with db.engine.begin() as connection:
            await connection.run_sync(migrate, "0008", down=True)
            back = (
                await connection.execute(
                    text("SELECT chat_id, categories, set_by_user_id FROM subscriptions ORDER BY 1")
                )
            ).all()
            old_schedule = (
                await connection.execute(text("SELECT set_by_user_id FROM challenge_schedules"))
            ).scalar_one()
        assert [tuple(row) for row in back] == [
            (1, "privacy,misinformation", "telegram:7"),
            (2, "misinformation-literacy", None),
            (3, None, None),
        ]
        assert old_schedule == "42"
    finally:
        await db.close()
        await urls.aclose()
