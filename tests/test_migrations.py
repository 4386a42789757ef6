"""Migrations on a database with data, on SQLite and PostgreSQL. 0009: categories become an exact JSON list,
"who set this" becomes "platform:id" in both tables, and the downgrade gives the old shape back. 0011: the
consent tables, up and down."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import bindparam, text
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import IntegrityError

from bot.core.events import ChatRef
from bot.storage.campaigns import CampaignStore, Recipients
from bot.storage.consent import ConsentStore, MessageKind
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


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_0011_consent_tables_up_and_down(backend: str, tmp_path: Path) -> None:
    """0011 adds chat_consent and consent_events (going with their chat), and takes them away again."""
    urls = database_urls(tmp_path)
    if backend == "postgresql":
        await anext(urls)
    db = Database(await anext(urls))
    stamp = bindparam("stamp", type_=UtcDateTime())
    try:
        async with db.engine.begin() as connection:
            await connection.run_sync(migrate, "0011")
            await connection.execute(
                text(
                    "INSERT INTO chats (id, platform, platform_chat_id, kind, active, created_at) "
                    "VALUES (1, 'telegram', '100', 'private', true, :stamp)"
                ).bindparams(stamp),
                {"stamp": NOW},
            )
            await connection.execute(
                text(
                    "INSERT INTO chat_consent (chat_id, kind, opted_out, opted_in_at, opted_in_how,"
                    " opted_out_at, opted_out_how)"
                    " VALUES (1, 'tips', true, :stamp, 'subscribe', :stamp, 'stop_button')"
                ).bindparams(stamp),
                {"stamp": NOW},
            )
            for change, how in (("in", "subscribe"), ("out", "stop_button")):
                await connection.execute(
                    text(
                        "INSERT INTO consent_events (chat_id, kind, change, how, campaign_id, at) "
                        "VALUES (1, 'tips', :change, :how, NULL, :stamp)"
                    ).bindparams(stamp),
                    {"change": change, "how": how, "stamp": NOW},
                )
            with pytest.raises(IntegrityError):  # one standing per chat and kind
                async with connection.begin_nested():
                    await connection.execute(
                        text("INSERT INTO chat_consent (chat_id, kind, opted_out) VALUES (1, 'tips', false)")
                    )
        consent = ConsentStore(db)
        assert await consent.is_opted_out(ChatRef("telegram", "100"), MessageKind.TIPS)
        assert [event.how for event in await consent.history(ChatRef("telegram", "100"))] == [
            "subscribe",
            "stop_button",
        ]
        async with db.begin() as connection:
            await connection.execute(text("DELETE FROM chats WHERE id = 1"))
            left = (await connection.execute(text("SELECT count(*) FROM consent_events"))).scalar_one()
            assert left == 0, "the records go with their chat"
        async with db.engine.begin() as connection:
            await connection.run_sync(migrate, "0010", down=True)
            names = await connection.run_sync(lambda sync: sa_inspect(sync).get_table_names())
        assert "chat_consent" not in names and "consent_events" not in names
        async with db.engine.begin() as connection:
            await connection.run_sync(migrate, "0011")
            names = await connection.run_sync(lambda sync: sa_inspect(sync).get_table_names())
        assert {"chat_consent", "consent_events"} <= set(names)
    finally:
        await db.close()
        await urls.aclose()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_0012_dashboard_tables_up_and_down(backend: str, tmp_path: Path) -> None:
    """0012 adds the audit log, used sign-in links, the rollups and two time indexes, on a database with
    deliveries; the rollups count them; the downgrade takes it all away and the upgrade works again."""
    from bot.storage.dashboard import AuditLog, SignInNonces
    from bot.storage.dashboard_stats import DashboardStats, LiveFigures

    dashboard_tables = {
        "audit_log",
        "dashboard_sign_ins",
        "stats_deliveries_daily",
        "stats_subscribers_daily",
        "stats_opt_outs_daily",
        "stats_challenges",
    }

    def schema(sync: object) -> tuple[set[str], set[str]]:
        inspector = sa_inspect(sync)
        names = set(inspector.get_table_names())
        indexes = {index["name"] for index in inspector.get_indexes("deliveries")}
        indexes |= {index["name"] for index in inspector.get_indexes("challenge_results")}
        return names, indexes

    urls = database_urls(tmp_path)
    if backend == "postgresql":
        await anext(urls)
    db = Database(await anext(urls))
    stamp = bindparam("stamp", type_=UtcDateTime())
    try:
        async with db.engine.begin() as connection:
            await connection.run_sync(migrate, "0011")
            await connection.execute(
                text(
                    "INSERT INTO chats (id, platform, platform_chat_id, kind, active, created_at) "
                    "VALUES (1, 'telegram', '100', 'private', true, :stamp)"
                ).bindparams(stamp),
                {"stamp": NOW},
            )
            for number, status in enumerate(("sent", "sent", "pending")):
                await connection.execute(
                    text(
                        "INSERT INTO deliveries (drop_id, chat_id, platform, language, status, attempts, "
                        "next_attempt_at, created_at) "
                        "VALUES (:drop, 1, 'telegram', 'en', :status, 0, :stamp, :stamp)"
                    ).bindparams(stamp),
                    {"drop": f"tip:{number}", "status": status, "stamp": NOW},
                )
        await db.migrate()
        async with db.engine.begin() as connection:
            names, indexes = await connection.run_sync(schema)
        assert dashboard_tables <= names
        assert {"ix_deliveries_created", "ix_challenge_results_answered"} <= indexes
        await AuditLog(db).record(NOW, "3f9a2c1b0d4e", "organizer", "signed_in")
        assert [entry.action for entry in await AuditLog(db).recent()] == ["signed_in"]
        nonces = SignInNonces(db)
        assert await nonces.use("n1", NOW, NOW) and not await nonces.use("n1", NOW, NOW)
        stats = DashboardStats(db, "en")
        await stats.refresh(NOW)
        rolled, live = await stats.overview(NOW), await LiveFigures(db, "en").overview(NOW)
        assert (
            rolled.deliveries == live.deliveries == {"sent": {"2026-12-06": 2}, "pending": {"2026-12-06": 1}}
        )
        async with db.engine.begin() as connection:
            await connection.run_sync(migrate, "0011", down=True)
            names, indexes = await connection.run_sync(schema)
        assert not dashboard_tables & names
        assert not {"ix_deliveries_created", "ix_challenge_results_answered"} & indexes
        async with db.engine.begin() as connection:
            await connection.run_sync(migrate, "0012")
            names, _ = await connection.run_sync(schema)
        assert dashboard_tables <= names
    finally:
        await db.close()
        await urls.aclose()
