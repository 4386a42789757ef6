"""Scale-out figures on PostgreSQL, next to SQLite and a naive baseline measured in the same run.

1. Sender throughput with 1, 2 and 4 ``safetybot run --role sender`` processes sharing one PostgreSQL
   outbox, against the loopback Bot API server (benchmarks/fake_bot_api_server.py, its own process),
   rate limits off: M messages of one drop, timed from the moment the drop becomes due to the last row
   marked sent (process start-up is not counted); once with the server answering at once, once with a
   50 ms round trip like a real one to Telegram. Baseline: one process awaiting each send in turn.
2. Enqueueing one drop for N chats (DeliveryOutbox.enqueue_select, one INSERT ... SELECT) on PostgreSQL
   and on SQLite. Baseline: one INSERT per chat from Python on a sample, extrapolated linearly to N.

Needs a PostgreSQL server: --postgres URL, else SAFETYBOT_TEST_POSTGRES_URL. A throwaway database is
created and dropped; SQLite lives in a temporary directory.

    .venv/bin/python benchmarks/scale_out.py [--messages M] [--chats N] [--sample S]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, func, insert, literal, select
from sqlalchemy.engine import make_url

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE), str(ROOT)]

from delivery_speed import Report, machine, secs  # noqa: E402  (a sibling script)

from bot.storage.db import Database  # noqa: E402
from bot.storage.deliveries import DeliveryOutbox  # noqa: E402
from bot.storage.tables import chats, deliveries  # noqa: E402
from tests.auxil.postgres import admin_connection  # noqa: E402
from tests.auxil.processes import telegram_chat_rows  # noqa: E402

TOKEN = "123456:BENCHMARK"
CHUNK = 20_000
START_AFTER = timedelta(seconds=12)
"""The drop becomes due this long after the senders start, so start-up is not part of the figure."""


async def add_chats(db: Database, count: int) -> None:
    now = datetime.now(UTC)
    for start in range(0, count, CHUNK):
        rows = telegram_chat_rows(range(10_000_000 + start, 10_000_000 + min(count, start + CHUNK)), now)
        async with db.begin() as connection:
            await connection.execute(insert(chats), rows)


async def enqueue(db: Database, drop: str, due: datetime, limit: int | None = None) -> int:
    outbox = DeliveryOutbox(db)
    recipients = select(chats.c.id, literal("en")).order_by(chats.c.id)
    if limit is not None:
        recipients = recipients.limit(limit)
    async with db.begin() as connection:
        await outbox.save_drop_messages(
            connection, drop, {"en": "A benchmark message of ordinary tip length."}
        )
        return await outbox.enqueue_select(connection, drop, recipients, not_before=due)


# --- 1. senders -------------------------------------------------------------------------------------


def start_api(latency_ms: float) -> tuple[subprocess.Popen[str], str]:
    server = subprocess.Popen(
        [sys.executable, str(HERE / "fake_bot_api_server.py"), "--latency-ms", str(latency_ms)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None
    return server, server.stdout.readline().strip()


def start_senders(count: int, url: str, api: str, data: Path) -> list[subprocess.Popen[bytes]]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("SAFETYBOT_", "TELEGRAM_"))}
    env.update(
        DATABASE_URL=url,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=api,
        TELEGRAM_RATE_LIMIT="false",
        SAFETYBOT_DATA_DIR=str(data),
        SAFETYBOT_SENDER_CONCURRENCY="32",
        LOG_LEVEL="WARNING",
    )
    return [
        subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "run", "--role", "sender"],
            env=env,
            cwd=data,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
        )
        for _ in range(count)
    ]


async def sender_throughput(
    db: Database, url: str, api: str, data: Path, processes: int, messages: int
) -> float:
    async with db.begin() as connection:
        await connection.execute(delete(deliveries))
    due = datetime.now(UTC) + START_AFTER
    drop = f"bench:{processes}:{uuid.uuid4().hex[:6]}"
    assert await enqueue(db, drop, due, messages) == messages
    senders = start_senders(processes, url, api, data)
    try:
        while True:
            async with db.begin() as connection:
                done, last = (
                    await connection.execute(
                        select(func.count(), func.max(deliveries.c.finished_at)).where(
                            deliveries.c.drop_id == drop, deliveries.c.status == "sent"
                        )
                    )
                ).one()
            if done == messages:
                break
            if any(sender.poll() is not None for sender in senders):
                raise RuntimeError("a sender process exited")
            await asyncio.sleep(0.2)
    finally:
        for sender in senders:
            sender.terminate()
        for sender in senders:
            sender.wait(30)
    return messages / (last - due).total_seconds()


async def one_at_a_time(api: str, messages: int) -> float:
    os.environ["PTB_TIMEDELTA"] = "true"
    from telegram import Bot

    from adapters.telegram.transport import AiohttpRequest

    bot = Bot(TOKEN, base_url=api, request=AiohttpRequest())
    await bot.initialize()
    try:
        started = time.perf_counter()
        for i in range(messages):
            await bot.send_message(chat_id=10_000_000 + i, text="A benchmark message of ordinary tip length.")
        return messages / (time.perf_counter() - started)
    finally:
        await bot.shutdown()


# --- 2. enqueue ------------------------------------------------------------------------------------


async def enqueue_figures(db: Database, count: int, sample: int) -> tuple[float, float]:
    """(seconds for one INSERT ... SELECT of ``count`` rows, baseline seconds extrapolated to ``count``)."""
    async with db.begin() as connection:
        await connection.execute(delete(deliveries))
    started = time.perf_counter()
    assert await enqueue(db, "bench:enqueue", datetime.now(UTC)) == count
    ours = time.perf_counter() - started
    assert await enqueue(db, "bench:enqueue", datetime.now(UTC)) == 0, "enqueue is not idempotent"
    outbox = DeliveryOutbox(db)
    async with db.begin() as connection:
        ids = [row[0] for row in await connection.execute(select(chats.c.id).limit(sample))]
    started = time.perf_counter()
    for chat_id in ids:
        async with db.begin() as connection:
            await outbox.enqueue(connection, "bench:naive", chat_id, "en", not_before=datetime.now(UTC))
    naive = (time.perf_counter() - started) * count / len(ids)
    return ours, naive


async def main(postgres: str, messages: int, count: int, sample: int) -> None:
    print(f"machine: {machine()}")
    report = Report()
    admin = await admin_connection(postgres)
    name = f"safetybot_bench_{uuid.uuid4().hex[:8]}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = make_url(postgres).set(database=name).render_as_string(hide_password=False)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            pg = Database(url)
            await pg.migrate()
            await add_chats(pg, max(count, messages))
            for latency in (0, 50):
                server, api = start_api(latency)
                try:
                    naive = await one_at_a_time(api, 2_000 if latency == 0 else 200)
                    for processes in (1, 2, 4):
                        rate = await sender_throughput(pg, url, api, Path(tmp), processes, messages)
                        report.add(
                            f"1. {processes} sender process(es), {messages:,} msgs, {latency} ms round trip",
                            f"{rate:,.0f} msg/s",
                            baseline=f"{naive:,.0f} msg/s (one process, one send at a time)",
                        )
                finally:
                    server.terminate()
                    server.wait(10)
            await pg.close()
            lite = Database(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}")
            await lite.migrate()
            await add_chats(lite, max(count, messages))
            for label, db in (("PostgreSQL", Database(url)), ("SQLite", lite)):
                ours, baseline = await enqueue_figures(db, max(count, messages), sample)
                report.add(
                    f"2. enqueue a {max(count, messages):,}-chat drop, {label}",
                    secs(ours),
                    baseline=f"{secs(baseline)} (one INSERT per chat, extrapolated)",
                )
                await db.close()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
    report.notes.append(
        "the loopback Bot API server is one Python process on the same machine as the senders: with 2 "
        "cores, more sender processes compete with it and with each other for CPU"
    )
    report.print()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", default=os.environ.get("SAFETYBOT_TEST_POSTGRES_URL"))
    parser.add_argument("--messages", type=int, default=20_000, help="M (default 20,000)")
    parser.add_argument("--chats", type=int, default=1_000_000, help="N (default 1,000,000)")
    parser.add_argument("--sample", type=int, default=2_000, help="baseline sample (default 2,000)")
    args = parser.parse_args()
    if not args.postgres:
        sys.exit("needs --postgres URL or SAFETYBOT_TEST_POSTGRES_URL (postgresql+asyncpg://...)")
    asyncio.run(main(args.postgres, args.messages, args.chats, args.sample))
