"""WhatsApp under ``safetybot run``: a campaign drop to 2,000 WhatsApp subscribers on a real PostgreSQL,
enqueued by a scheduler process and sent by two sender processes through the loopback Graph API, while
one sender is SIGKILLed with messages in flight. Nobody has written in the last 24 hours, so every
message goes out as the campaign's approved template. Nothing is lost; duplicates only in flight."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp import web
from sqlalchemy import insert, select

from bot.storage.db import Database
from bot.storage.tables import chats, subscriptions
from tests.auxil.postgres import throwaway_database
from tests.auxil.processes import Bot, wait_until
from tests.auxil.understanding import TEST_CACHE_DIR
from tests.auxil.whatsapp_server import FakeGraphApi
from tests.test_scale_out import TEXT, rows_of, schedule_campaign

RECIPIENTS = 2_000
FIRST_WA_ID = 34_600_000_000
WA_IDS = frozenset(str(FIRST_WA_ID + n) for n in range(RECIPIENTS))
KILL_AT = 700
CONCURRENCY = 16
SEND_DELAY = 0.004
"""Each send takes this long in the stand-in, as a real round trip does: requests overlap."""
SECRET = "app-secret-for-tests"
PHONE_ID = "106540352242922"
TOKEN = "EAAtest-token"
VICTIM_TOKEN = "EAAvictim-token"
"""The sender killed mid-drop calls the Graph API with its own token, so the stand-in can catch it."""


class CrashingGraphApi(FakeGraphApi):
    """The stand-in with a slower send that SIGKILLs one sender while serving one of its requests, after
    ``kill_at`` messages: that request and the others being served are in flight (Meta delivers them;
    the sender never hears back)."""

    def __init__(self) -> None:
        super().__init__(app_secret=SECRET, phone_number_id=PHONE_ID)
        self.victim: subprocess.Popen[bytes] | None = None
        self.kill_at = 0
        self.sent_at_kill: int | None = None

    def kill_when_sent(self, victim: subprocess.Popen[bytes], count: int) -> None:
        self.victim, self.kill_at = victim, count

    async def _messages(self, request: web.Request) -> web.Response:
        await asyncio.sleep(SEND_DELAY)
        response = await super()._messages(request)
        mine = request.headers.get("Authorization") == f"Bearer {VICTIM_TOKEN}"
        if self.victim is not None and mine and len(self.sent) >= self.kill_at:
            self.victim.send_signal(signal.SIGKILL)
            self.sent_at_kill = len(self.sent)
            self.victim = None
        return response


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    async for url in throwaway_database():
        yield url


def whatsapp_env(api: FakeGraphApi, tmp_path: Path, database_url: str, **settings: str) -> dict[str, str]:
    """A bot process's environment: this machine's minus our settings, WhatsApp on the stand-in."""
    ours = ("TELEGRAM_", "DISCORD_", "WHATSAPP_", "SAFETYBOT_", "DATABASE_", "LOG_LEVEL")
    env = {key: value for key, value in os.environ.items() if not key.startswith(ours)}
    env.update(
        WHATSAPP_TOKEN=TOKEN,
        WHATSAPP_PHONE_NUMBER_ID=PHONE_ID,
        WHATSAPP_APP_SECRET=SECRET,
        WHATSAPP_VERIFY_TOKEN="verify",
        WHATSAPP_API_BASE_URL=api.base_url,
        WHATSAPP_MESSAGES_PER_SECOND="1000",
        DATABASE_URL=database_url,
        SAFETYBOT_DATA_DIR=str(tmp_path / "data"),
        SAFETYBOT_CACHE_DIR=str(TEST_CACHE_DIR),
        LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
    )
    env.update({name.upper(): value for name, value in settings.items()})
    return env


async def prepare_whatsapp_subscribers(db: Database) -> None:
    """Private WhatsApp chats in English, each subscribed to the daily tip (not due during the test)."""
    await db.migrate()
    now = datetime.now(UTC)
    rows = [
        {
            "platform": "whatsapp",
            "platform_chat_id": wa_id,
            "kind": "private",
            "language": "en",
            "active": True,
            "created_at": now,
        }
        for wa_id in sorted(WA_IDS)
    ]
    async with db.begin() as connection:
        await connection.execute(insert(chats), rows)
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


async def test_a_campaign_drop_to_2000_whatsapp_users_survives_a_sigkilled_sender(
    pg_url: str, tmp_path: Path
) -> None:
    started = time.monotonic()
    db = Database(pg_url)
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    processes: list[Bot] = []
    async with CrashingGraphApi() as api:
        env = whatsapp_env(
            api,
            tmp_path,
            pg_url,
            safetybot_sender_concurrency=str(CONCURRENCY),
            safetybot_sender_batch="100",
            safetybot_sender_lease_seconds="5",
            safetybot_clock_seconds="1",
        )
        try:
            await prepare_whatsapp_subscribers(db)
            scheduler = Bot(env, workdir, tmp_path / "scheduler.log", "--role", "scheduler")
            victim = Bot(
                {**env, "WHATSAPP_TOKEN": VICTIM_TOKEN}, workdir, tmp_path / "victim.log", "--role", "sender"
            )
            survivor = Bot(env, workdir, tmp_path / "survivor.log", "--role", "sender")
            processes = [scheduler, victim, survivor]
            schedule_campaign(env, workdir)
            for process in processes:
                process.start()
            assert victim.proc is not None
            api.kill_when_sent(victim.proc, KILL_AT)

            # 1. The first sender is SIGKILLed while one of its sends is being served.
            await wait_until(lambda: api.sent_at_kill is not None, 120, f"{KILL_AT} messages sent", None)
            assert await victim.wait_exit(10) == -signal.SIGKILL
            at_kill = await rows_of(db)
            marker = f":{victim.proc.pid}:"
            in_flight = {
                str(chat)
                for chat, status, owner in at_kill
                if status == "sending" and owner and marker in owner
            }
            assert in_flight, "the killed sender had nothing in flight: the kill was not mid-drop"
            assert len(at_kill) == RECIPIENTS

            # 2. The other sender finishes the drop, taking over the dead one's rows once their lease ends.
            reached = lambda: {message["to"] for message in api.sent} >= WA_IDS  # noqa: E731
            await wait_until(reached, 180, "every WhatsApp user to get the message", survivor)
            deadline = time.monotonic() + 60
            while (state := Counter(status for _, status, _ in await rows_of(db)))["sent"] < RECIPIENTS:
                assert time.monotonic() < deadline, f"rows not all marked sent: {state}"
                await asyncio.sleep(0.2)
            assert scheduler.alive() and survivor.alive()
        finally:
            stops = [await process.stop() for process in processes if process.alive()]
            await db.close()

    # 3. Everyone got the campaign's template, once; duplicates only among the killed sender's in-flight rows.
    per_person = Counter(message["to"] for message in api.sent)
    assert set(per_person) == WA_IDS
    templates = {(m["type"], m["template"]["name"], m["template"]["language"]["code"]) for m in api.sent}
    assert templates == {("template", "safetybot_campaign", "en")}
    values = {m["template"]["components"][0]["parameters"][0]["text"] for m in api.sent}
    assert values == {TEXT}
    duplicated = {wa_id for wa_id, count in per_person.items() if count > 1}
    assert duplicated <= in_flight, (
        f"duplicates outside the killed sender's rows: {sorted(duplicated - in_flight)[:5]}"
    )
    assert len(duplicated) <= CONCURRENCY and max(per_person.values()) <= 2
    assert "sending whatsapp deliveries" in survivor.log.read_text()
    assert all(how == "exited on SIGTERM with status 0" for how in stops), stops
    print(
        f"\n{len(api.sent)} sends for {RECIPIENTS} people, {len(in_flight)} in flight at the kill, "
        f"{len(duplicated)} duplicated, {time.monotonic() - started:.1f} s"
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_safetybot_run_serves_whatsapp_when_its_token_is_set(tmp_path: Path) -> None:
    """``safetybot run --role chat`` finds WhatsApp in the registry, verifies Meta's handshake, refuses a
    forged webhook and answers a signed one through the Graph API."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/hooks/wa"
    async with FakeGraphApi(app_secret=SECRET, phone_number_id=PHONE_ID, access_token=TOKEN) as api:
        env = whatsapp_env(
            api,
            tmp_path,
            f"sqlite+aiosqlite:///{tmp_path / 'chat.db'}",
            whatsapp_webhook_host="127.0.0.1",
            whatsapp_webhook_port=str(port),
            whatsapp_webhook_path="/hooks/wa",
        )
        bot = Bot(env, tmp_path, tmp_path / "chat.log", "--role", "chat")
        bot.start()
        try:

            async def handshake() -> tuple[int, str] | None:
                try:
                    return await api.verify(url, "verify", "424242")
                except OSError:
                    return None

            deadline = time.monotonic() + 120
            while (answered := await handshake()) is None:
                assert bot.alive(), bot.tail()
                assert time.monotonic() < deadline, bot.tail()
                await asyncio.sleep(0.2)
            assert answered == (200, "424242")
            assert await api.send_text(url, "15551234567", "/tip", secret="forged") == 401
            assert await api.send_text(url, "15551234567", "/tip") == 200
            [tip] = await api.wait_for_sent("15551234567", timeout=60)
            text = tip["text"]["body"] if tip["type"] == "text" else tip["interactive"]["body"]["text"]
            assert text.startswith("*Tip:*")
        finally:
            stopped = await bot.stop()
    assert stopped == "exited on SIGTERM with status 0", bot.tail()
    log = bot.log.read_text()
    assert "started the whatsapp adapter" in log
    assert "refused a WhatsApp webhook: bad signature" in log
    assert TOKEN not in log and SECRET not in log
