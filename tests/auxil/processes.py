"""Bot processes for end-to-end tests: ``python -m bot.cli.main run`` in a subprocess (any role), and a
loopback Bot API server that SIGKILLs one of them when the Nth message lands."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from datetime import datetime
from pathlib import Path
from typing import Any

from aiohttp import web

from tests.auxil.telegram_server import JSON, FakeBotApi
from tests.auxil.understanding import TEST_CACHE_DIR

SEND_DELAY = 0.004
"""Each sendMessage takes this long in the server, as a real round trip does: requests overlap."""


_caller_token: ContextVar[str] = ContextVar("caller_token", default="")


class CrashingBotApi(FakeBotApi):
    """The loopback Bot API with a slower sendMessage that SIGKILLs the bot when the Nth message lands.

    The kill happens inside the handler, before the answer is written: that request and the ones still
    being served are in flight (Telegram has them, the bot never hears back). Requests that reached the
    server are recorded even though their client died, as Telegram would deliver them.
    """

    def __init__(self) -> None:
        super().__init__()
        self.serving = 0
        self.reached: set[int | str] = set()
        self.victim: subprocess.Popen[bytes] | None = None
        self.kill_at = 0
        self.sent_at_kill: int | None = None
        self.victim_token: str | None = None
        self._handlers["sendMessage"] = self._slow_send_message

    def kill_when_sent(self, victim: subprocess.Popen[bytes], count: int, token: str | None = None) -> None:
        """SIGKILL ``victim`` once ``count`` messages were sent, while serving one of its own requests
        when it calls with its own ``token`` (so it surely has that message in flight)."""
        self.victim, self.kill_at, self.sent_at_kill, self.victim_token = victim, count, None, token

    async def _handle(self, request: web.Request) -> web.Response:
        _caller_token.set(request.match_info["token"])  # each request is served in its own task
        return await super()._handle(request)

    async def _slow_send_message(self, params: JSON) -> JSON:
        self.serving += 1
        try:
            await asyncio.sleep(SEND_DELAY)
            message = await self._send_message(params)
            self.reached.add(params["chat_id"])
        finally:
            self.serving -= 1
        mine = self.victim_token is None or _caller_token.get() == self.victim_token
        if self.victim is not None and len(self.sent) >= self.kill_at and mine:
            self.victim.send_signal(signal.SIGKILL)
            self.sent_at_kill = len(self.sent)
            self.victim = None
        return message


class Bot:
    """``python -m bot.cli.main run [args]`` as a subprocess, its output in a log file."""

    def __init__(self, env: dict[str, str], cwd: Path, log: Path, *args: str) -> None:
        self.env, self.cwd, self.log, self.args = env, cwd, log, args
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> subprocess.Popen[bytes]:
        with self.log.open("ab") as out:
            out.write(b"\n----- start -----\n")
            out.flush()
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "run", *self.args],
                env=self.env,
                cwd=self.cwd,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        return self.proc

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def tail(self, lines: int = 25) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    async def wait_exit(self, timeout: float) -> int | None:
        """The exit status, or None when it is still running after ``timeout`` seconds."""
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        return self.proc.poll()

    async def stop(self) -> str:
        """SIGTERM, then SIGKILL after a few seconds; how it ended."""
        if not self.alive():
            return "not running"
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        code = await self.wait_exit(10)
        if code is not None:
            return f"exited on SIGTERM with status {code}"
        self.proc.send_signal(signal.SIGKILL)
        await self.wait_exit(10)
        return "ignored SIGTERM for 10 s; killed"


async def wait_until(predicate: Callable[[], bool], timeout: float, what: str, bot: Bot | None) -> None:
    """Poll until ``predicate`` holds; fail with ``what`` (and the bot's log) on timeout or if the bot
    (when given) dies."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if bot is not None and not bot.alive():
            status = bot.proc.poll() if bot.proc else None
            raise AssertionError(f"the bot exited ({status}) while waiting for {what}; log:\n{bot.tail()}")
        if time.monotonic() >= deadline:
            log = bot.tail() if bot is not None else ""
            raise AssertionError(f"timed out after {timeout}s waiting for {what}; log:\n{log}")
        await asyncio.sleep(0.02)


_OWN_SETTINGS = ("TELEGRAM_", "DISCORD_", "SAFETYBOT_", "DATABASE_", "LOG_LEVEL")


def bot_env(api: FakeBotApi, tmp_path: Path, database_url: str, **settings: str) -> dict[str, str]:
    """The environment for a bot process: this machine's, minus our settings, plus the loopback Bot API,
    rate limits off, the given database and ``settings`` (upper-cased names)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(_OWN_SETTINGS)}
    env.update(
        TELEGRAM_BOT_TOKEN="123456:TEST",
        TELEGRAM_API_BASE_URL=api.base_url,
        TELEGRAM_RATE_LIMIT="false",
        DATABASE_URL=database_url,
        SAFETYBOT_DATA_DIR=str(tmp_path / "data"),
        SAFETYBOT_CACHE_DIR=str(TEST_CACHE_DIR),
        LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
    )
    env.update({name.upper(): value for name, value in settings.items()})
    return env


def console_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    """The environment for a console chat process: no platform token, its own data folder, the shared
    classifier cache, and ``settings`` (e.g. LANG)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(_OWN_SETTINGS)}
    env.update(
        SAFETYBOT_DATA_DIR=str(tmp_path / "data"),
        SAFETYBOT_CACHE_DIR=str(TEST_CACHE_DIR),
        LC_ALL="",
        **settings,
    )
    return env


def telegram_chat_rows(chat_ids: Iterable[int], now: datetime) -> list[dict[str, Any]]:
    """Rows for the chats table: private Telegram chats in English."""
    return [
        {
            "platform": "telegram",
            "platform_chat_id": str(chat_id),
            "kind": "private",
            "language": "en",
            "active": True,
            "created_at": now,
        }
        for chat_id in sorted(chat_ids)
    ]
