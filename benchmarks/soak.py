"""A soak run: mixed traffic for a set number of minutes through the Telegram stand-in, against the bot
started as a real process (``python -m bot.cli run`` with TELEGRAM_API_BASE_URL on loopback).

Before the load, a baseline: one person alone asking questions one after the other. Then U people at
once, each in their own private chat, in a loop: a question (60 %), /tip (15 %), /topics and a press
of its first button (10 %), /challenge (10 %), /subscribe or /unsubscribe (5 %), waiting for the
bot's reply and a short think time (0.2-1 s) in between. It prints throughput, latency percentiles
(the time from the update being available to the first sendMessage in that chat), replies that never
came, and the bot process's resident memory at start, middle and end. Telegram's own rate limiter is
off (it would pace replies at 30 a second on purpose) and flood control is raised, so what is measured
is the bot. Everything stays on 127.0.0.1.

    .venv/bin/python benchmarks/soak.py [--minutes 5] [--people 50]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.auxil.telegram_server import FakeBotApi  # noqa: E402  (needs the project root on sys.path)
from tests.auxil.understanding import TEST_CACHE_DIR  # noqa: E402

QUESTIONS = (
    "is public wifi safe",
    "how do I spot a phishing email",
    "someone is sharing my photos without asking",
    "my instagram got hacked what do I do",
    "how do i know if a news story is fake",
    "a classmate keeps sending me mean messages",
    "how much screen time is too much for a 10 year old",
    "what should I do if someone asks me for money online",
    "how do I make a strong password",
    "what is the capital of peru",
)
REPLY_TIMEOUT = 15.0


@dataclass
class Figures:
    latencies: list[float] = field(default_factory=list)
    sent: int = 0
    lost: int = 0


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000 if ordered else float("nan")


async def exchange(api: FakeBotApi, user_id: int, text: str, figures: Figures) -> bool:
    """Send one message as ``user_id`` and wait for the bot's first reply in that chat."""
    before = api._last_bot_message.get(user_id)
    started = time.perf_counter()
    api.user_message(text, user_id=user_id, first_name=f"P{user_id}")
    figures.sent += 1
    deadline = started + REPLY_TIMEOUT
    while api._last_bot_message.get(user_id) == before:
        if time.perf_counter() > deadline:
            figures.lost += 1
            return False
        await asyncio.sleep(0.002)
    figures.latencies.append(time.perf_counter() - started)
    return True


async def press_first_button(api: FakeBotApi, user_id: int, figures: Figures) -> None:
    sent = [item for item in api.sent[-200:] if item["chat_id"] == user_id and item.get("reply_markup")]
    if not sent:
        return
    buttons = [b for row in sent[-1]["reply_markup"].get("inline_keyboard", []) for b in row]
    if not buttons:
        return
    before = api._last_bot_message.get(user_id)
    started = time.perf_counter()
    api.press_button(buttons[0]["callback_data"], user_id=user_id)
    figures.sent += 1
    while api._last_bot_message.get(user_id) == before:
        if time.perf_counter() - started > REPLY_TIMEOUT:
            figures.lost += 1
            return
        await asyncio.sleep(0.002)
    figures.latencies.append(time.perf_counter() - started)


async def person(api: FakeBotApi, user_id: int, until: float, figures: Figures, rng: random.Random) -> None:
    while time.perf_counter() < until:
        roll = rng.random()
        if roll < 0.60:
            await exchange(api, user_id, rng.choice(QUESTIONS), figures)
        elif roll < 0.75:
            await exchange(api, user_id, "/tip", figures)
        elif roll < 0.85:
            if await exchange(api, user_id, "/topics", figures):
                await press_first_button(api, user_id, figures)
        elif roll < 0.95:
            await exchange(api, user_id, "/challenge", figures)
        else:
            await exchange(
                api, user_id, rng.choice(("/subscribe 08:00 Europe/Madrid", "/unsubscribe")), figures
            )
        await asyncio.sleep(rng.uniform(0.2, 1.0))


def start_bot(api: FakeBotApi, data_dir: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": "123456:SOAK-TEST",
        "TELEGRAM_API_BASE_URL": api.base_url,
        "TELEGRAM_RATE_LIMIT": "false",
        "SAFETYBOT_DATA_DIR": str(data_dir),
        "SAFETYBOT_CACHE_DIR": str(TEST_CACHE_DIR),
        "SAFETYBOT_FLOOD_LIMIT_PER_MINUTE": "1000",
        "LOG_LEVEL": "WARNING",
    }
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "run"], cwd=ROOT, env=env, stdout=out, stderr=out
        )


def row(label: str, figures: Figures, seconds: float) -> str:
    replies = len(figures.latencies)
    p50, p95, p99 = (percentile(figures.latencies, share) for share in (0.5, 0.95, 0.99))
    return (
        f"{label:<34} {figures.sent:>8} {replies / seconds:>10.1f} {p50:>8.1f} {p95:>8.1f} {p99:>8.1f} "
        f"{figures.lost:>6}"
    )


async def main(minutes: float, people: int, baseline_messages: int) -> None:
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    async with FakeBotApi() as api:
        with tempfile.TemporaryDirectory() as folder:
            log = Path(folder) / "bot.log"
            bot = start_bot(api, Path(folder) / "data", log)
            try:
                started = time.perf_counter()
                await api.wait_for(lambda: bool(api.calls_to("getUpdates")), timeout=300, what="polling")
                print(f"bot ready in {time.perf_counter() - started:.1f} s")
                alone = Figures()
                began = time.perf_counter()
                for n in range(baseline_messages):
                    await exchange(api, 1, QUESTIONS[n % len(QUESTIONS)], alone)
                alone_seconds = time.perf_counter() - began
                memory = {"start": rss_mb(bot.pid)}
                load = Figures()
                until = time.perf_counter() + minutes * 60
                rng = random.Random(7)
                crowd = [
                    asyncio.create_task(person(api, 1000 + n, until, load, random.Random(rng.random())))
                    for n in range(people)
                ]
                began = time.perf_counter()
                await asyncio.sleep(minutes * 30)
                memory["middle"] = rss_mb(bot.pid)
                await asyncio.gather(*crowd)
                load_seconds = time.perf_counter() - began
                memory["end"] = rss_mb(bot.pid)
                assert bot.poll() is None, log.read_text()[-2000:]
            finally:
                bot.terminate()
                bot.wait(timeout=60)
    print()
    print(f"{'':<34} {'messages':>8} {'replies/s':>10} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'lost':>6}")
    print(row("baseline: one person, one by one", alone, alone_seconds))
    print(row(f"soak: {people} people, {minutes:g} min", load, load_seconds))
    print()
    print("bot resident memory: " + ", ".join(f"{when} {mb:.0f} MB" for when, mb in memory.items()))
    growth = memory["end"] - memory["middle"]
    mean = statistics.fmean(load.latencies) * 1000
    print(f"growth over the second half: {growth:+.0f} MB; mean latency {mean:.1f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5)
    parser.add_argument("--people", type=int, default=50)
    parser.add_argument("--baseline", type=int, default=100, help="questions in the one-person baseline")
    options = parser.parse_args()
    asyncio.run(main(options.minutes, options.people, options.baseline))
