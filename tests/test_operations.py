"""What an operator sees: /healthz, /readyz and /metrics served by a running process (SQLite and
PostgreSQL), readiness going to 503 while the database or a platform connection is down, counters that
move with real turns and deliveries and never carry text, and JSON logs."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.engine import make_url

from bot.app.ops_server import OpsServer
from bot.content.library import ContentLibrary
from bot.core.events import ChatKind, ChatRef, TextMessage, UserRef
from bot.core.messenger import RecipientGone, RetryLater
from bot.telemetry.logs import configure
from bot.telemetry.metrics import render
from tests.auxil.core import FakeClock, Person, make_core
from tests.auxil.messengers import RecordingMessenger
from tests.auxil.postgres import throwaway_database
from tests.auxil.tcp_proxy import TcpProxy

ALICE = UserRef("console", "alice", display_name="Alice", language_hint="en")
CHAT = ChatRef("console", "alice", ChatKind.PRIVATE)


@contextlib.asynccontextmanager
async def serving(ops: OpsServer, port: int) -> AsyncIterator[aiohttp.ClientSession]:
    async with ops.serving("127.0.0.1", port), aiohttp.ClientSession(f"http://127.0.0.1:{port}") as http:
        yield http


def samples(exposition: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a /metrics page by (name, sorted labels)."""
    found = {}
    for family in text_string_to_metric_families(exposition):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


async def test_health_readiness_and_metrics_move_with_real_turns(
    tmp_path: Path, content: ContentLibrary, clock: FakeClock, unused_tcp_port: int
) -> None:
    core = await make_core(tmp_path, content, clock)
    try:
        ops = OpsServer(core, "all", ("console",))
        async with serving(ops, unused_tcp_port) as http:
            async with http.get("/healthz") as response:
                assert response.status == 200
                assert (await response.json())["status"] == "alive"
            async with http.get("/readyz") as response:
                body = await response.json()
                assert response.status == 200, body
                assert body["checks"] == {
                    "database": True,
                    "content": True,
                    "understanding": True,
                    "platforms": {},
                }
            secret = "how do I stop someone sharing my private photos zzqx"
            for text in ("is public wifi safe", secret, "what is the capital of peru"):
                await core.handle(TextMessage(ALICE, CHAT, clock.now(), text))
            await core.handle(TextMessage(ALICE, CHAT, clock.now(), "i want to kill myself tonight"))
            async with http.get("/metrics") as response:
                assert response.status == 200
                assert response.headers["Content-Type"].startswith("text/plain")
                page = await response.text()
        figures = samples(page)
        assert figures[("safetybot_updates_total", (("kind", "text"), ("platform", "console")))] == 4
        assert figures[("safetybot_replies_total", (("platform", "console"),))] >= 4
        assert figures[("safetybot_answers_total", (("kind", "answer"),))] >= 1
        assert figures[("safetybot_answers_total", (("kind", "fallback"),))] >= 1
        assert figures[("safetybot_crisis_total", (("level", "urgent"),))] == 1
        assert figures[("safetybot_answer_seconds_count", ())] >= 3
        assert figures[("safetybot_database_up", ())] == 1
        assert ("safetybot_outbox_depth", ()) in figures
        assert "zzqx" not in page and "alice" not in page and "wifi" not in page
    finally:
        await core.close()


async def test_a_platform_that_is_not_connected_makes_the_process_not_ready(
    tmp_path: Path, content: ContentLibrary, clock: FakeClock, unused_tcp_port: int
) -> None:
    core = await make_core(tmp_path, content, clock)
    try:
        async with (
            serving(OpsServer(core, "chat", ("telegram",)), unused_tcp_port) as http,
            http.get("/readyz") as response,
        ):
            body = await response.json()
        assert response.status == 503
        assert body["status"] == "not ready"
        assert body["checks"]["platforms"] == {"telegram": False}
    finally:
        await core.close()


async def test_a_process_whose_understanding_layer_did_not_load_is_not_ready(
    tmp_path: Path, content: ContentLibrary, clock: FakeClock, unused_tcp_port: int
) -> None:
    core = await make_core(tmp_path, content, clock)
    try:
        core.services.engine.understanding = None  # what a failed encoder load leaves (lexical engine only)
        async with (
            serving(OpsServer(core, "chat"), unused_tcp_port) as http,
            http.get("/readyz") as response,
        ):
            body = await response.json()
        assert response.status == 503
        assert body["checks"]["understanding"] is False
    finally:
        await core.close()


async def test_readiness_follows_the_postgresql_connection(
    tmp_path: Path, content: ContentLibrary, clock: FakeClock, unused_tcp_port: int
) -> None:
    async for url in throwaway_database():
        parsed = make_url(url)
        async with TcpProxy(parsed.host or "127.0.0.1", parsed.port or 5432) as proxy:
            through = parsed.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
            core = await make_core(
                tmp_path,
                content,
                clock,
                database_url=through,
                database_connect_timeout_seconds=1,
                database_retry_max_seconds=1,
            )
            try:
                ops = OpsServer(core, "scheduler")
                async with serving(ops, unused_tcp_port) as http:
                    async with http.get("/readyz") as response:
                        assert response.status == 200, await response.text()
                    proxy.cut()
                    await ops.refresh()
                    async with http.get("/readyz") as response:
                        body = await response.json()
                        assert response.status == 503
                        assert body["checks"]["database"] is False
                    async with http.get("/metrics") as response:
                        figures = samples(await response.text())
                    assert figures[("safetybot_database_up", ())] == 0
                    assert figures[("safetybot_database_unavailable_total", ())] >= 1
                    async with http.get("/healthz") as response:
                        assert response.status == 200, "alive even while the database is away"
                    proxy.restore()
                    for _ in range(40):
                        await ops.refresh()
                        async with http.get("/readyz") as response:
                            if response.status == 200:
                                break
                        await asyncio.sleep(0.25)
                    assert response.status == 200
            finally:
                await core.close()


def test_json_logs_are_one_object_per_line_without_message_text() -> None:
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    stream = io.StringIO()
    try:
        configure("json", "INFO", stream=stream, role="sender")
        logging.getLogger("bot.test").info(
            "delivered %d", 3, extra={"platform": "telegram", "delivery_id": 7}
        )
        try:
            raise ValueError("what someone typed: Europe/secret-zone")
        except ValueError:
            logging.getLogger("bot.test").exception("a turn failed")
    finally:
        for handler in root.handlers[:]:
            root.removeHandler(handler)
        for handler in saved_handlers:
            root.addHandler(handler)
        root.setLevel(saved_level)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert lines[0]["event"] == "delivered 3"
    assert (
        lines[0]["platform"] == "telegram" and lines[0]["delivery_id"] == 7 and lines[0]["role"] == "sender"
    )
    assert lines[1]["error"] == "ValueError" and lines[1]["level"] == "ERROR"
    assert "secret-zone" not in stream.getvalue()


def test_text_logs_show_an_exception_type_without_its_message(logging_restored: None) -> None:
    stream = io.StringIO()
    configure("text", "INFO", stream=stream)
    try:
        raise IsADirectoryError("/usr/share/zoneinfo/America/Argentina-typed-by-someone")
    except OSError:
        logging.getLogger("bot.test").exception("a turn failed")
    logged = stream.getvalue()
    assert "a turn failed" in logged and "IsADirectoryError" in logged
    assert "typed-by-someone" not in logged


async def test_deliveries_are_counted_by_platform_and_outcome_with_the_429_wait(
    tmp_path: Path, content: ContentLibrary, clock: FakeClock
) -> None:
    core = await make_core(tmp_path, content, clock)
    try:
        chats = []
        for number in range(3):
            user = UserRef("telegram", str(7000 + number), display_name="P", language_hint="en")
            person = Person(core, clock, user, ChatRef("telegram", user.user_id, ChatKind.PRIVATE))
            await person.command("subscribe", "09:05")
            chats.append(user.user_id)
        clock.advance(minutes=6)
        await core.dispatcher.tick()
        messenger = RecordingMessenger(
            platform="telegram",
            fail={chats[0]: [RetryLater("rate limited", 30)], chats[1]: [RecipientGone("blocked")]},
        )
        core.register_messenger(messenger)
        sender = core.make_sender()
        while await sender.run_once():
            pass
        assert core.services.metrics is not None
        body, _ = render(core.services.metrics.registry)
        figures = samples(body.decode())
        count = "safetybot_deliveries_total"
        assert figures[(count, (("outcome", "sent"), ("platform", "telegram")))] == 1
        assert figures[(count, (("outcome", "retry"), ("platform", "telegram")))] == 1
        assert figures[(count, (("outcome", "gone"), ("platform", "telegram")))] == 1
        assert figures[("safetybot_rate_limited_total", (("platform", "telegram"),))] == 1
        assert figures[("safetybot_rate_limit_wait_seconds_total", (("platform", "telegram"),))] == 30
    finally:
        await core.close()


async def test_a_handled_turn_logs_its_platform_and_latency_in_json_and_never_its_text(
    tmp_path: Path, content: ContentLibrary, clock: FakeClock, logging_restored: None
) -> None:
    core = await make_core(tmp_path, content, clock)
    try:
        stream = io.StringIO()
        configure("json", "DEBUG", stream=stream, role="chat")
        await core.handle(TextMessage(ALICE, CHAT, clock.now(), "is public wifi safe for my banking qqzx"))
    finally:
        await core.close()
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    (turn,) = [line for line in lines if line["event"].startswith("handled a text")]
    assert turn["platform"] == "console" and turn["role"] == "chat" and turn["latency_ms"] >= 0
    assert "qqzx" not in stream.getvalue()
