"""Scale-out on a real PostgreSQL: processes that migrate at once, scans one process at a time, a database
that goes away and comes back, two chat processes sharing one conversation, and three sender plus two
scheduler processes delivering a 20,000-recipient drop while one sender is SIGKILLed."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import make_url

from bot.app.runner import run_job
from bot.content.library import ContentLibrary
from bot.storage.db import Database
from bot.storage.dialect.locks import lock_key
from bot.storage.tables import chats, deliveries, subscriptions
from tests.auxil.core import FakeClock, make_core, private_person, text_of
from tests.auxil.postgres import throwaway_database
from tests.auxil.processes import Bot, CrashingBotApi, bot_env, telegram_chat_rows, wait_until
from tests.auxil.tcp_proxy import TcpProxy

RECIPIENTS = 20_000
FIRST_CHAT_ID = 5_000_000
CHAT_IDS = frozenset(range(FIRST_CHAT_ID, FIRST_CHAT_ID + RECIPIENTS))
CONCURRENCY = 16
BATCH = 100
LEASE_SECONDS = 5
KILL_AT = 6_000
VICTIM_TOKEN = "123456:VICTIM"
"""The sender killed mid-drop calls the Bot API with its own token, so the server can catch it sending."""
TEXT = "Scale-out test message"


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    async for url in throwaway_database():
        yield url


async def _head(db: Database) -> list[str]:
    async with db.begin() as connection:
        return [row[0] for row in await connection.execute(text("SELECT version_num FROM alembic_version"))]


async def _migrate_together(url: str) -> None:
    """Four processes' engines migrating one database at the same moment all end at the same head."""
    databases = [Database(url) for _ in range(4)]
    try:
        await asyncio.gather(*(db.migrate() for db in databases))
        heads = [await _head(db) for db in databases]
    finally:
        await asyncio.gather(*(db.close() for db in databases))
    assert len(heads[0]) == 1 and all(head == heads[0] for head in heads)


async def test_processes_starting_together_migrate_in_turn_on_postgres(pg_url: str) -> None:
    await _migrate_together(pg_url)


async def test_processes_starting_together_migrate_in_turn_on_sqlite(tmp_path: Path) -> None:
    await _migrate_together(f"sqlite+aiosqlite:///{tmp_path / 'shared.db'}")


async def test_only_one_process_scans_at_a_time_and_a_dead_holder_frees_the_scan(pg_url: str) -> None:
    first, second = Database(pg_url), Database(pg_url)
    await first.migrate()
    rounds: list[str] = []
    inside, leave = asyncio.Event(), asyncio.Event()

    async def slow_scan() -> int:
        rounds.append("slow")
        inside.set()
        await leave.wait()
        return 0

    async def quick_scan() -> int:
        rounds.append("quick")
        return 0

    try:
        holder = asyncio.create_task(run_job(first, "dispatcher", slow_scan))
        await asyncio.wait_for(inside.wait(), 10)
        await run_job(second, "dispatcher", quick_scan)  # another process: skips this round
        assert rounds == ["slow"]
        await run_job(second, "campaigns", quick_scan)  # a different scan is free
        assert rounds == ["slow", "quick"]
        leave.set()
        await holder
        await run_job(second, "dispatcher", quick_scan)  # free again once the first is done
        assert rounds == ["slow", "quick", "quick"]

        # A process that dies holding the lock frees it: its connection closes with it.
        parsed = make_url(pg_url)
        dying = await asyncpg.connect(
            host=parsed.host, port=parsed.port or 5432, user=parsed.username, database=parsed.database
        )
        assert await dying.fetchval("SELECT pg_try_advisory_lock($1)", lock_key("dispatcher"))
        await run_job(second, "dispatcher", quick_scan)
        assert rounds.count("quick") == 2, "the scan ran while another process held it"
        dying.terminate()
        await run_job(second, "dispatcher", quick_scan)
        assert rounds.count("quick") == 3
    finally:
        await first.close()
        await second.close()


async def test_while_the_database_is_away_questions_are_answered_and_settings_wait(
    pg_url: str, tmp_path: Path, content: ContentLibrary, clock: FakeClock
) -> None:
    parsed = make_url(pg_url)
    async with TcpProxy(parsed.host or "127.0.0.1", parsed.port or 5432) as proxy:
        url = parsed.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        core = await make_core(
            tmp_path,
            content,
            clock,
            database_url=url,
            database_connect_timeout_seconds=2,
            database_retry_max_seconds=1,
        )
        try:
            person = private_person(core, clock)
            assert "Europe/Madrid" in text_of(await person.command("subscribe", "08:00", "Europe/Madrid"))

            proxy.cut()
            answer = text_of(await person.say("how do i make a strong password"))
            assert "16 characters" in answer
            crisis = text_of(await person.say("i want to kill myself"))
            assert "988" in crisis
            assert "Tip" in text_of(await person.command("tip"))
            away = text_of(await person.command("subscribe", "09:00"))
            assert "can't reach my memory" in away
            assert not core.db.reachable

            proxy.restore()
            deadline = time.monotonic() + 15
            while "can't reach my memory" in (shown := text_of(await person.command("subscription"))):
                assert time.monotonic() < deadline, "the bot never reconnected"
                await asyncio.sleep(0.2)
            assert "08:00" in shown and "Europe/Madrid" in shown
            assert core.db.reachable
        finally:
            await core.close()


async def test_two_chat_processes_share_one_conversation(
    pg_url: str, tmp_path: Path, content: ContentLibrary, clock: FakeClock
) -> None:
    """Two chat processes behind a load balancer: a button made by one works on the other, and a
    setting saved through one is what the other sees."""
    first = await make_core(tmp_path / "a", content, clock, database_url=pg_url)
    second = await make_core(tmp_path / "b", content, clock, database_url=pg_url)
    try:
        on_first, on_second = private_person(first, clock), private_person(second, clock)
        started = await on_first.command("challenge")
        first_item = text_of(started)
        verdict = await on_second.press_label(started, "Reliable")
        judged = text_of(verdict)
        assert "expired" not in judged.lower() and judged != first_item
        await on_first.command("subscribe", "07:45", "America/Mexico_City")
        assert "07:45" in text_of(await on_second.command("subscription"))
    finally:
        await first.close()
        await second.close()


# --- several processes --------------------------------------------------------------------------------


async def prepare_subscribers(db: Database, chat_ids: frozenset[int] = CHAT_IDS) -> None:
    """Private Telegram chats, each subscribed to the daily tip (not due during the test)."""
    await db.migrate()
    now = datetime.now(UTC)
    chat_rows = telegram_chat_rows(chat_ids, now)
    async with db.begin() as connection:
        await connection.execute(insert(chats), chat_rows)
        ids = [row[0] for row in await connection.execute(select(chats.c.id))]
        await connection.execute(
            insert(subscriptions),
            [
                {
                    "chat_id": chat_id,
                    "local_time": "09:00",
                    "timezone": "UTC",
                    "weekdays_only": False,
                    "next_due_at": now + timedelta(days=1),
                    "active": True,
                    "rotation_cycle": 0,
                    "rotation_position": 0,
                    "created_at": now,
                }
                for chat_id in ids
            ],
        )


def schedule_campaign(env: dict[str, str], workdir: Path) -> None:
    now = datetime.now(UTC)
    if now.second > 30:  # the command takes a few seconds to start: keep "this minute" from passing
        time.sleep(61 - now.second)
    at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M")  # this minute: due at once
    spec = workdir / "drop.yaml"
    spec.write_text(
        f'name: "Scale-out drop"\naudience: {{}}\nschedule: {{at: "{at}", timezone: UTC}}\n'
        f'fallback_language: en\nmessages:\n  - text: {{en: "{TEXT}"}}\n'
    )
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "campaign", "schedule", str(spec)],
        env=env,
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


async def rows_of(db: Database) -> list[tuple[int, str, str | None]]:
    """(Telegram chat id, status, claimed by) of every delivery."""
    async with db.begin() as connection:
        result = await connection.execute(
            select(chats.c.platform_chat_id, deliveries.c.status, deliveries.c.claimed_by).join(
                chats, chats.c.id == deliveries.c.chat_id
            )
        )
        return [(int(chat_id), status, claimed_by) for chat_id, status, claimed_by in result]


async def test_three_senders_and_two_schedulers_deliver_a_drop_once_through_a_sigkill(
    pg_url: str, tmp_path: Path
) -> None:
    started = time.monotonic()
    db = Database(pg_url)
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    processes: list[Bot] = []
    async with CrashingBotApi() as api:
        env = bot_env(
            api,
            tmp_path,
            pg_url,
            safetybot_sender_concurrency=str(CONCURRENCY),
            safetybot_sender_batch=str(BATCH),
            safetybot_sender_lease_seconds=str(LEASE_SECONDS),
            safetybot_clock_seconds="1",
        )
        try:
            await prepare_subscribers(db)
            schedulers = [
                Bot(env, workdir, tmp_path / f"scheduler-{n}.log", "--role", "scheduler") for n in range(2)
            ]
            victim_env = {**env, "TELEGRAM_BOT_TOKEN": VICTIM_TOKEN}  # so the server knows its requests
            senders = [
                Bot(victim_env if n == 0 else env, workdir, tmp_path / f"sender-{n}.log", "--role", "sender")
                for n in range(3)
            ]
            processes = [*schedulers, *senders]
            schedule_campaign(env, workdir)
            for process in processes:
                process.start()

            # 1. SIGKILL the first sender while it sends the 6,000th message (or the first after it).
            victim = senders[0]
            assert victim.proc is not None
            api.kill_when_sent(victim.proc, KILL_AT, token=VICTIM_TOKEN)
            await wait_until(lambda: api.sent_at_kill is not None, 120, f"{KILL_AT} messages sent", None)
            assert await victim.wait_exit(10) == -signal.SIGKILL
            at_kill = await rows_of(db)
            marker = f":{victim.proc.pid}:"
            in_flight = {
                chat_id
                for chat_id, status, owner in at_kill
                if status == "sending" and owner and marker in owner
            }
            assert in_flight, "the killed sender had nothing in flight: the kill was not mid-drop"
            assert len(at_kill) == RECIPIENTS, f"{len(at_kill)} deliveries enqueued for {RECIPIENTS} chats"

            # 2. The other senders finish the drop, reclaiming the dead one's rows after their lease.
            await wait_until(lambda: api.reached >= CHAT_IDS, 180, "every chat to get the message", None)
            deadline = time.monotonic() + 60
            while (state := Counter(status for _, status, _ in await rows_of(db)))["sent"] < RECIPIENTS:
                assert time.monotonic() < deadline, f"rows not all marked sent: {state}"
                await asyncio.sleep(0.2)
            for process in processes[:2] + senders[1:]:
                assert process.alive(), f"a process died:\n{process.tail()}"
        finally:
            stops = [await process.stop() for process in processes if process.alive()]
            async with db.begin() as connection:
                drops = (
                    await connection.execute(select(func.count(func.distinct(deliveries.c.drop_id))))
                ).scalar()
            await db.close()

    # 3. Every recipient got it; duplicates only among the killed sender's in-flight rows.
    per_chat = Counter(message["chat_id"] for message in api.sent)
    assert set(per_chat) == CHAT_IDS
    assert all(message["text"] == TEXT for message in api.sent)
    duplicated = {chat_id for chat_id, count in per_chat.items() if count > 1}
    assert duplicated <= in_flight, (
        f"duplicates outside the killed sender's rows: {sorted(duplicated - in_flight)[:5]}"
    )
    assert len(duplicated) <= CONCURRENCY and max(per_chat.values()) <= 2

    # 4. The drop was enqueued exactly once: one drop, one row per chat, one scheduler did it.
    assert drops == 1
    logs = [process.log.read_text(errors="replace") for process in schedulers]
    enqueued = [line for log in logs for line in log.splitlines() if "campaigns enqueued" in line]
    assert len(enqueued) == 1 and f"enqueued {RECIPIENTS} deliveries" in enqueued[0], enqueued
    assert all(how == "exited on SIGTERM with status 0" for how in stops), stops
    print(
        f"\n{len(api.sent)} sends for {RECIPIENTS} chats, killed sender had {len(in_flight)} in flight, "
        f"{len(duplicated)} duplicated, {time.monotonic() - started:.1f} s"
    )


async def test_scheduler_and_sender_roles_on_sqlite(tmp_path: Path) -> None:
    """The roles without PostgreSQL: a scheduler process enqueues a campaign drop, a sender process
    (no polling, no webhook) delivers it, each message once."""
    database = tmp_path / "roles.db"
    url = f"sqlite+aiosqlite:///{database}"
    db = Database(url)
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    chat_ids = frozenset(range(FIRST_CHAT_ID, FIRST_CHAT_ID + 50))
    await prepare_subscribers(db, chat_ids)
    await db.close()
    async with CrashingBotApi() as api:
        env = bot_env(api, tmp_path, url, safetybot_clock_seconds="1")
        schedule_campaign(env, workdir)
        scheduler = Bot(env, workdir, tmp_path / "scheduler.log", "--role", "scheduler")
        sender = Bot(env, workdir, tmp_path / "sender.log", "--role", "sender")
        try:
            scheduler.start()
            sender.start()
            await wait_until(lambda: api.reached >= chat_ids, 120, "every chat to get the message", sender)
            assert scheduler.alive(), scheduler.tail()
        finally:
            stopped = [await scheduler.stop(), await sender.stop()]
    assert Counter(message["chat_id"] for message in api.sent) == dict.fromkeys(chat_ids, 1)
    assert not api.calls_to("getUpdates"), "a sender process must not poll for updates"
    assert stopped == ["exited on SIGTERM with status 0"] * 2, stopped
    assert "sending telegram deliveries" in sender.log.read_text()
