"""Serves the organizers' dashboard in the bot's event loop: the Starlette app (``bot.web``) under
uvicorn's ``Server.serve()``, and the background refresh of the figures it shows.

``safetybot run`` starts it beside the other roles when SAFETYBOT_DASHBOARD_PORT is set;
``safetybot run --role dashboard`` runs it alone. It listens on SAFETYBOT_DASHBOARD_HOST (127.0.0.1 by
default): put a TLS-terminating proxy in front and set SAFETYBOT_DASHBOARD_URL to its https address.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator

import uvicorn
from starlette.applications import Starlette

from bot.app.wiring import Core, content_dir, dashboard_access
from bot.storage.dashboard import AuditLog, SignInNonces
from bot.storage.dashboard_stats import DashboardStats
from bot.storage.db import DatabaseUnavailable
from bot.web.access import DashboardAccess
from bot.web.app import create_app
from bot.web.context import BASE_PATH, DashboardContext
from bot.web.render import TEMPLATES_DIR, Renderer
from bot.web.strings import STRINGS_FILE, load_strings

_log = logging.getLogger(__name__)
SUBSCRIBERS_EVERY = 10
"""Subscribers are recounted every this many refreshes (the other figures every refresh)."""


async def build_dashboard(core: Core, *, strict: bool = False) -> tuple[Starlette, DashboardContext]:
    """The dashboard app and its context, over the core's services.

    Raises:
        RuntimeError: When the dashboard is not set up (neither a port nor a public address).
    """
    links = core.services.dashboard_links
    access = links if isinstance(links, DashboardAccess) else await dashboard_access(core.settings, core.db)
    if access is None:
        raise RuntimeError("set SAFETYBOT_DASHBOARD_PORT to serve the dashboard")
    renderer = Renderer(
        TEMPLATES_DIR,
        load_strings(STRINGS_FILE),
        strict=strict,
        base_path=BASE_PATH,
        static_path=f"{BASE_PATH}/static",
    )
    rates = {name: platform.send_rules().per_second for name, platform in core.platforms.items()}
    context = DashboardContext(
        db=core.db,
        access=access,
        campaigns=core.services.campaigns,
        content=core.content,
        texts=core.texts,
        clock=core.clock,
        stats=DashboardStats(core.db, core.content.default_language),
        audit=AuditLog(core.db),
        nonces=SignInNonces(core.db),
        renderer=renderer,
        send_rates=rates,
        platforms=tuple(sorted(core.platforms)) or ("telegram", "discord"),
        content_dir=content_dir(core.settings),
    )
    return create_app(context), context


async def refresh_figures(core: Core, stats: DashboardStats, stop: asyncio.Event) -> None:
    """Refresh the dashboard's rollups now and then every SAFETYBOT_CLOCK_SECONDS until ``stop``."""
    rounds = 0
    while not stop.is_set():
        try:
            async with core.db.exclusive("dashboard-figures") as mine:
                if mine:
                    await stats.refresh(core.clock.now(), subscribers=rounds % SUBSCRIBERS_EVERY == 0)
        except DatabaseUnavailable:
            _log.warning("dashboard figures not refreshed: the database is unreachable")
        rounds += 1
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), core.settings.safetybot_clock_seconds)


class _Server(uvicorn.Server):
    """uvicorn's server without its own signal handlers: the bot's runner owns SIGTERM and Ctrl-C."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def serve_dashboard(core: Core, stop: asyncio.Event) -> None:
    """Serve the dashboard until ``stop`` is set (or the task is cancelled)."""
    app, context = await build_dashboard(core)
    settings = core.settings
    config = uvicorn.Config(
        app,
        host=settings.safetybot_dashboard_host,
        port=settings.safetybot_dashboard_port or 8080,
        log_config=None,
        access_log=False,
        lifespan="off",
        server_header=False,
    )
    server = _Server(config)
    refresher = asyncio.create_task(refresh_figures(core, context.stats, stop), name="dashboard-figures")
    watcher = asyncio.create_task(stop.wait(), name="dashboard-stop")
    watcher.add_done_callback(lambda _: setattr(server, "should_exit", True))
    _log.info("dashboard at %s", context.access.public_url)
    try:
        await server.serve()
    except SystemExit:  # uvicorn exits when it cannot listen (the port is taken)
        where = f"{config.host}:{config.port}"
        _log.error("the dashboard could not listen on %s", where)
        raise RuntimeError(f"the dashboard could not listen on {where}") from None
    finally:
        server.should_exit = True
        for task in (refresher, watcher):
            task.cancel()
        await asyncio.gather(refresher, watcher, return_exceptions=True)


def start_dashboard(core: Core, stop: asyncio.Event, role: str) -> asyncio.Task[None] | None:
    """The dashboard's task for the runner: with role ``dashboard``, or ``all`` when a port is set."""
    if role != "dashboard" and not (role == "all" and core.settings.safetybot_dashboard_port):
        return None
    return asyncio.create_task(serve_dashboard(core, stop), name="dashboard")
