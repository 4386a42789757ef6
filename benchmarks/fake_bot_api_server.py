"""Runs the loopback Bot API stand-in (tests/auxil/telegram_server.py) on its own, in its own process.

delivery_speed.py starts it as a subprocess so the server does not share an event loop (or a CPU core)
with the sender it serves. It prints its base URL on the first line of standard output, then serves
until it is terminated. ``--latency-ms`` delays each sendMessage answer, as a real round trip does.

    .venv/bin/python benchmarks/fake_bot_api_server.py
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.auxil.telegram_server import FakeBotApi  # noqa: E402  (needs the project root on sys.path)


async def serve(latency: float) -> None:
    api = FakeBotApi()
    if latency > 0:  # each sendMessage answers after this long, like a round trip to Telegram
        send = api._handlers["sendMessage"]

        async def slow_send(params: Any) -> Any:
            await asyncio.sleep(latency)
            return await send(params)

        api._handlers["sendMessage"] = slow_send
    await api.start()
    print(api.base_url, flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await api.stop()


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        parser = argparse.ArgumentParser()
        parser.add_argument(
            "--latency-ms", type=float, default=0, help="delay before each sendMessage answer"
        )
        asyncio.run(serve(parser.parse_args().latency_ms / 1000))
