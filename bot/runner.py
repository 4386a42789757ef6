"""Starts the platforms in one event loop: every adapter whose token is set, else the console chat.

Adapters are found by name so that ``bot`` never imports a platform library: ``adapters.<name>``
modules expose ``async def serve(core) -> None``.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.app import Core

DISPATCH_EVERY_SECONDS = 60

_log = logging.getLogger(__name__)


def platforms_to_start(core: Core) -> list[str]:
    """The adapters whose tokens are set."""
    settings = core.settings
    names = []
    if settings.telegram_bot_token is not None:
        names.append("telegram")
    if settings.discord_bot_token is not None:
        names.append("discord")
    return names


def start_clock(core: Core) -> AsyncIOScheduler:
    """APScheduler drives the dispatcher, the campaign runner and the daily challenge posts: every minute,
    and once now.

    Its job store stays in memory; the schedule itself lives in our tables, so nothing is lost when
    the process stops.
    """
    scheduler = AsyncIOScheduler(timezone=UTC)
    jobs = (
        ("dispatcher", core.dispatcher.tick),
        ("campaigns", core.services.campaigns.tick),
        ("daily-challenges", core.daily_challenges.tick),
        ("challenge-reveals", core.daily_challenges.reveal_tick),
    )
    for job_id, job in jobs:
        scheduler.add_job(
            job,
            "interval",
            seconds=DISPATCH_EVERY_SECONDS,
            next_run_time=datetime.now(UTC),
            id=job_id,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=DISPATCH_EVERY_SECONDS,
        )
    scheduler.start()
    return scheduler


async def run_platforms(core: Core, *, console: bool = False) -> int:
    """Run until every adapter stops (or Ctrl-C). The console runs when asked or when no token is set.

    Beside the adapters: the dispatcher on APScheduler's clock, and a sender draining the outbox
    through the messengers the adapters register.
    """
    names = platforms_to_start(core)
    if console or not names:
        names = ["console", *[name for name in names if not console]]
    scheduler = start_clock(core)
    stop = asyncio.Event()
    sender_task = asyncio.create_task(core.make_sender().run(stop), name="sender")
    tasks = []
    for name in names:
        module = importlib.import_module(f"adapters.{name}")
        tasks.append(asyncio.create_task(module.serve(core), name=f"adapter-{name}"))
        _log.info("started the %s adapter", name)
    try:
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        for task in done:
            if task.exception() is not None:
                raise task.exception()  # type: ignore[misc]
    except asyncio.CancelledError:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        stop.set()
        await asyncio.gather(sender_task, return_exceptions=True)
        scheduler.shutdown(wait=False)
    return 0
