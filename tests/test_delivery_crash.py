"""Crash safety of the delivery outbox, end to end: ``safetybot run`` is SIGKILLed in the middle of a
5,000-recipient drop sent through the loopback Bot API server, then started again.

The requirement: every recipient gets the message, and the only duplicates are rows that were in flight
at the moment of the kill (sent to Telegram, not yet marked sent), at most the sender's concurrency.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, insert, literal, select

from bot.storage.db import Database
from bot.storage.deliveries import DeliveryOutbox
from bot.storage.tables import chats, deliveries
from tests.auxil.processes import Bot, CrashingBotApi, bot_env, telegram_chat_rows, wait_until

RECIPIENTS = 5_000
FIRST_CHAT_ID = 900_000
CHAT_IDS = frozenset(range(FIRST_CHAT_ID, FIRST_CHAT_ID + RECIPIENTS))
CONCURRENCY = 16
BATCH = 200
LEASE_SECONDS = 5
DROP_ID = "campaign:crash:1"
TEXT = "Crash test message"
KILL_AT = 2_150
"""The kill comes with this send (43%): in the middle of the 11th batch, so rows are in flight."""

_OWN_SETTINGS = ("TELEGRAM_", "DISCORD_", "SAFETYBOT_", "DATABASE_URL", "LOG_LEVEL")


@pytest.fixture
async def api() -> AsyncIterator[CrashingBotApi]:
    async with CrashingBotApi() as server:
        yield server


async def prepare_drop(db: Database) -> None:
    """5,000 private Telegram chats and one campaign drop enqueued for all of them."""
    await db.migrate()
    now = datetime.now(UTC)
    rows = telegram_chat_rows(CHAT_IDS, now)
    outbox = DeliveryOutbox(db)
    async with db.begin() as connection:
        await connection.execute(insert(chats), rows)
        await outbox.save_drop_messages(connection, DROP_ID, {"en": TEXT})
        recipients = select(chats.c.id, func.coalesce(chats.c.language, literal("en"))).where(
            chats.c.platform == "telegram", chats.c.active.is_(True)
        )
        enqueued = await outbox.enqueue_select(connection, DROP_ID, recipients, not_before=now)
    assert enqueued == RECIPIENTS


async def statuses(db: Database) -> dict[int, str]:
    """Each chat's delivery status for the drop, by Telegram chat id."""
    async with db.begin() as connection:
        result = await connection.execute(
            select(chats.c.platform_chat_id, deliveries.c.status)
            .join(chats, chats.c.id == deliveries.c.chat_id)
            .where(deliveries.c.drop_id == DROP_ID)
        )
        return {int(chat_id): status for chat_id, status in result}


async def test_sigkill_mid_drop_loses_nothing_and_duplicates_at_most_the_in_flight_rows(
    api: CrashingBotApi, tmp_path: Path
) -> None:
    started = time.monotonic()
    database = tmp_path / "crash.db"
    db = Database(f"sqlite+aiosqlite:///{database}")
    workdir = tmp_path / "cwd"  # no stray .env is read
    workdir.mkdir()
    bot = Bot(
        bot_env(
            api,
            tmp_path,
            f"sqlite+aiosqlite:///{database}",
            safetybot_sender_concurrency=str(CONCURRENCY),
            safetybot_sender_batch=str(BATCH),
            safetybot_sender_lease_seconds=str(LEASE_SECONDS),
        ),
        workdir,
        tmp_path / "bot.log",
    )
    try:
        await prepare_drop(db)

        # 1. Start the bot and SIGKILL it when the 2,150th message of the drop reaches Telegram.
        api.kill_when_sent(bot.start(), KILL_AT)
        await wait_until(lambda: api.sent_at_kill is not None, 60, f"{KILL_AT} messages sent", bot)
        assert await bot.wait_exit(10) == -signal.SIGKILL, f"the bot did not die of SIGKILL:\n{bot.tail()}"
        await wait_until(lambda: api.serving == 0, 10, "requests in flight to be served", None)
        sent_at_kill = api.sent_at_kill
        assert sent_at_kill is not None and 0.2 * RECIPIENTS <= sent_at_kill <= 0.8 * RECIPIENTS
        received = Counter(message["chat_id"] for message in api.sent)
        assert max(received.values()) == 1, "duplicates before any crash"
        at_kill = await statuses(db)
        in_flight = {chat_id for chat_id in received if at_kill[chat_id] != "sent"}
        kill_state = Counter(at_kill.values())
        assert kill_state["pending"] > 0 and kill_state["sending"] > 0, f"not mid-drop: {kill_state}"
        assert 1 <= len(in_flight) <= CONCURRENCY, (
            f"{len(in_flight)} chats got the message but their rows were not marked sent when the bot "
            f"died; at most the sender's concurrency ({CONCURRENCY}) can be in flight"
        )

        # 2. Start it again: it sends what is pending and reclaims the dead sender's rows after the lease.
        bot.start()
        await wait_until(
            lambda: api.reached >= CHAT_IDS,
            120,
            "every chat to get the message after the restart",
            bot,
        )
        deadline = time.monotonic() + 30
        while (state := Counter((await statuses(db)).values()))["sent"] < RECIPIENTS:
            assert bot.alive(), f"the bot exited before marking every row: {state}\n{bot.tail()}"
            assert time.monotonic() < deadline, f"rows not all marked sent after 30 s: {state}"
            await asyncio.sleep(0.1)
        how_it_stopped = await bot.stop()
        final = await statuses(db)
    finally:
        try:
            if bot.alive():
                await bot.stop()
        finally:
            await db.close()

    # 3. No loss, and duplicates only for the rows in flight at the kill.
    sends = [message for message in api.sent if message["chat_id"] in CHAT_IDS]
    assert len(sends) == len(api.sent), "messages to chats outside the drop"
    assert all(message["text"] == TEXT for message in sends), {message["text"] for message in sends}
    per_chat = Counter(message["chat_id"] for message in sends)
    assert set(per_chat) == CHAT_IDS, f"{len(CHAT_IDS - set(per_chat))} recipients never got the message"
    duplicated = {chat_id for chat_id, count in per_chat.items() if count > 1}
    duplicates = len(sends) - RECIPIENTS
    assert duplicates <= CONCURRENCY, f"{duplicates} duplicates; at most {CONCURRENCY} (the concurrency)"
    assert max(per_chat.values()) <= 2, "a chat got the message more than twice"
    assert duplicated <= in_flight, (
        f"duplicates for chats that were not in flight at the kill: {sorted(duplicated - in_flight)[:10]}"
    )
    assert Counter(final.values()) == {"sent": RECIPIENTS}, Counter(final.values())
    print(
        f"\nsent at kill {sent_at_kill}, received by the server before the restart {sum(received.values())}, "
        f"rows in flight {len(in_flight)}, duplicates {duplicates}, restarted bot {how_it_stopped}, "
        f"{time.monotonic() - started:.1f} s"
    )
