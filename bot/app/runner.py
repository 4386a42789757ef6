"""Starts the bot's roles in one event loop: chat (the platform adapters), scheduler (the clock's jobs)
and sender (draining the outbox), or all three.

Any role can run in any number of processes on any machine that reaches the database: the schedule and
the outbox live in the database, a scan runs in one scheduler process at a time (``Database.exclusive``),
and senders claim different rows. Platforms come from the registry (``bot.app.platforms``), so ``bot``
never names or imports one: each serves people through the core's ChatPort and, when it can send
without a gateway connection, gives sender processes an outbox messenger.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.app.dashboard_server import start_dashboard
from bot.app.ops_server import OpsServer
from bot.app.platforms import CONSOLE, Platform, to_start
from bot.app.settings import Role
from bot.app.wiring import Core
from bot.jobs import ClockJob
from bot.storage.db import Database, DatabaseUnavailable
from bot.telemetry.metrics import Metrics

CHECKPOINT_EVERY_SECONDS = 10
"""SQLite: how often the write-ahead log is copied into the database file, between the clock's rounds."""

_log = logging.getLogger(__name__)


async def run_job(db: Database, name: str, job: ClockJob, metrics: Metrics | None = None) -> None:
    """One round of a clock job, in one process at a time; skipped while the database is away."""
    started = time.perf_counter()
    try:
        async with db.exclusive(name) as mine:
            if not mine:
                _log.debug("%s: another process is doing this round", name)
                return
            result = await job()
    except DatabaseUnavailable:
        _log.warning("%s skipped this round: the database is unreachable", name)
        if metrics is not None:
            metrics.count_database_unavailable()
        return
    if metrics is not None:
        metrics.observe_tick(name, time.perf_counter() - started)
    enqueued = result if isinstance(result, int) else getattr(result, "enqueued", 0)
    if enqueued:
        _log.info("%s enqueued %d deliveries", name, enqueued)


def start_clock(core: Core) -> AsyncIOScheduler:
    """APScheduler runs the clock's jobs (``Core.clock_jobs``: daily tips, campaign runs, challenge posts
    and reveals) every SAFETYBOT_CLOCK_SECONDS (a minute), and once now.

    Its job store stays in memory; the schedule itself lives in our tables, so nothing is lost when
    the process stops, and any number of scheduler processes may run.
    """
    scheduler = AsyncIOScheduler(timezone=UTC)
    every = core.settings.safetybot_clock_seconds
    for job_id, job in core.clock_jobs():
        scheduler.add_job(
            run_job,
            "interval",
            args=(core.db, job_id, job, core.services.metrics),
            seconds=every,
            next_run_time=datetime.now(UTC),
            id=job_id,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=max(1, int(every)),
        )
    if core.db.backend == "sqlite":
        scheduler.add_job(
            core.db.checkpoint,
            "interval",
            seconds=CHECKPOINT_EVERY_SECONDS,
            id="sqlite-checkpoint",
            max_instances=1,
            coalesce=True,
        )
    scheduler.start()
    return scheduler


async def _until_cancelled() -> None:
    await asyncio.Event().wait()


async def _send_outbox(core: Core, stop: asyncio.Event, *, open_messengers: bool) -> None:
    """Drain the outbox until ``stop``. A sender-only process opens its own gateway-less messengers."""
    async with contextlib.AsyncExitStack() as stack:
        if open_messengers:
            for platform in to_start(core.platforms):
                opener = platform.outbox_messenger()
                if opener is not None:
                    core.register_messenger(await stack.enter_async_context(opener))
                    _log.info("sending %s deliveries", platform.name)
            if not core.messengers:
                _log.warning("no platform token is set: this sender has nothing to send through")
        await core.make_sender().run(stop)


def chat_platforms(core: Core, *, console: bool = False) -> list[Platform]:
    """The platforms a chat process serves: those whose tokens are set, or the console when asked or
    when no token is set."""
    chosen = to_start(core.platforms)
    if console or not chosen:
        chosen = [core.platforms[CONSOLE], *[p for p in chosen if not console]]
    return chosen


def connected_platforms(core: Core, *, console: bool, role: Role) -> tuple[str, ...]:
    """The platforms whose connection makes this process ready."""
    if role in ("all", "chat"):
        return tuple(platform.name for platform in chat_platforms(core, console=console))
    if role == "sender":
        return tuple(p.name for p in to_start(core.platforms) if p.outbox_messenger() is not None)
    return ()


async def run_platforms(core: Core, *, console: bool = False, role: Role = "all") -> int:
    """Run the role until its adapters stop (or Ctrl-C / SIGTERM), with /healthz, /readyz and /metrics
    when SAFETYBOT_METRICS_PORT is set.

    ``all`` and ``chat`` run the adapters whose tokens are set, or the console when asked or when no
    token is set; ``all`` and ``scheduler`` run the clock; ``all`` and ``sender`` drain the outbox.
    """
    settings = core.settings
    if settings.safetybot_metrics_port is None:
        return await _run_role(core, console=console, role=role)
    ops = OpsServer(core, role, connected_platforms(core, console=console, role=role))
    async with ops.serving(settings.safetybot_metrics_host, settings.safetybot_metrics_port):
        return await _run_role(core, console=console, role=role)


async def _run_role(core: Core, *, console: bool, role: Role) -> int:
    stop = asyncio.Event()
    scheduler = start_clock(core) if role in ("all", "scheduler") else None
    sender_task = (
        asyncio.create_task(_send_outbox(core, stop, open_messengers=role == "sender"), name="sender")
        if role in ("all", "sender")
        else None
    )
    dashboard_task = None if console else start_dashboard(core, stop, role)
    tasks = []
    if role in ("all", "chat"):
        for platform in chat_platforms(core, console=console):
            tasks.append(asyncio.create_task(platform.serve(core), name=f"adapter-{platform.name}"))
            _log.info("started the %s adapter", platform.name)
    else:
        tasks.append(asyncio.create_task(_until_cancelled(), name=f"role-{role}"))
        _log.info("running as a %s process", role)
    try:
        waiting = [*tasks, *([sender_task] if sender_task and role == "sender" else [])]
        waiting += [dashboard_task] if dashboard_task is not None and role == "dashboard" else []
        done, pending = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
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
        if sender_task is not None:
            await asyncio.gather(sender_task, return_exceptions=True)
        if dashboard_task is not None:
            await asyncio.gather(dashboard_task, return_exceptions=True)
        if scheduler is not None:
            scheduler.shutdown(wait=False)
    return 0
