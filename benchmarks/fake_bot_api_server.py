"""Runs the loopback Bot API stand-in (tests/auxil/telegram_server.py) on its own, in its own process.

delivery_speed.py starts it as a subprocess so the server does not share an event loop (or a CPU core)
with the sender it serves. It prints its base URL on the first line of standard output, then serves
until it is terminated.

    .venv/bin/python benchmarks/fake_bot_api_server.py
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.auxil.telegram_server import FakeBotApi  # noqa: E402  (needs the project root on sys.path)


async def serve() -> None:
    api = FakeBotApi()
    await api.start()
    print(api.base_url, flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await api.stop()


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve())
