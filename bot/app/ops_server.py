"""Health, readiness and metrics for whoever operates the bot, on every process (every role).

With SAFETYBOT_METRICS_PORT set, each process serves on SAFETYBOT_METRICS_HOST (127.0.0.1 by default):

- ``/healthz``: 200 while the process runs (liveness).
- ``/readyz``: 200 when the process can do its job, else 503; the JSON body names each check
  (database reachable, content loaded, the understanding layer loaded, each platform this role
  connects to connected). Never a secret, never a person's data.
- ``/metrics``: Prometheus text format (``bot.telemetry.metrics``); the database-backed figures
  (outbox depth, oldest due delivery, campaign progress) come from a snapshot refreshed in the
  background, so a scrape never waits on the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from aiohttp import web

from bot.app.platforms import CONSOLE
from bot.app.settings import Role
from bot.app.wiring import Core
from bot.storage.ops_figures import OpsFigures
from bot.telemetry.metrics import Metrics, render

_log = logging.getLogger(__name__)

REFRESH_SECONDS = 10.0
"""How often the database-backed figures and the database check are refreshed."""
PING_TIMEOUT_SECONDS = 3.0


@dataclass
class Snapshot:
    """The latest database-backed figures; None until first measured."""

    database_up: bool | None = None
    outbox: tuple[int, float] | None = None
    campaigns: dict[str, int] | None = None
    measured_at: datetime | None = None


@dataclass
class OpsServer:
    """The /healthz, /readyz and /metrics endpoints of one process."""

    core: Core
    role: Role
    platforms: tuple[str, ...] = ()
    """The platforms this process connects to (their connection is part of readiness)."""
    snapshot: Snapshot = field(default_factory=Snapshot)

    @property
    def metrics(self) -> Metrics:
        assert self.core.services.metrics is not None
        return self.core.services.metrics

    def __post_init__(self) -> None:
        self._figures = OpsFigures(self.core.db)
        self.metrics.watch_outbox(lambda: self.snapshot.outbox)
        self.metrics.watch_campaigns(lambda: self.snapshot.campaigns)

    async def refresh(self) -> None:
        """Ping the database and read the outbox and campaign figures (never raises)."""
        try:
            async with asyncio.timeout(PING_TIMEOUT_SECONDS):
                await self._figures.ping()
                now = datetime.now(UTC)
                self.snapshot.outbox = await self._figures.outbox(now)
                self.snapshot.campaigns = await self._figures.campaign_deliveries()
        except Exception as error:  # unreachable, timed out, or locked: not ready, and counted
            if self.snapshot.database_up is not False:
                _log.warning("readiness: the database did not answer (%s)", type(error).__name__)
            self.snapshot.database_up = False
            self.metrics.count_database_unavailable()
        else:
            self.snapshot.database_up = True
            self.metrics.set_database_up(True)
        self.snapshot.measured_at = datetime.now(UTC)

    def checks(self) -> dict[str, object]:
        """Each readiness check by name: True when it passes."""
        services = self.core.services
        connected = {name: self._connected(name) for name in self.platforms if name != CONSOLE}
        return {
            "database": self.snapshot.database_up is True,
            "content": bool(services.content.languages),
            # Without the encoder the bot answers on the lexical engine alone: ready only when chosen so.
            "understanding": services.engine.understanding is not None
            or self.core.settings.safetybot_encoder == "none",
            "platforms": connected,
        }

    def _connected(self, name: str) -> bool:
        messenger = self.core.messengers.get(name)
        if messenger is None:
            return False
        probe = getattr(messenger, "connected", None)
        return bool(probe()) if callable(probe) else True

    def ready(self) -> bool:
        checks = self.checks()
        platforms = checks.pop("platforms")
        return all(checks.values()) and all(platforms.values())  # type: ignore[union-attr]

    # Routes ---------------------------------------------------------------------------------------

    async def healthz(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "alive", "role": self.role})

    async def readyz(self, request: web.Request) -> web.Response:
        if self.snapshot.database_up is not True:
            await self.refresh()
        ready = self.ready()
        body = {"status": "ready" if ready else "not ready", "role": self.role, "checks": self.checks()}
        return web.Response(
            text=json.dumps(body), status=200 if ready else 503, content_type="application/json"
        )

    async def metrics_page(self, request: web.Request) -> web.Response:
        body, content_type = render(self.metrics.registry)
        response = web.Response(body=body)
        response.headers["Content-Type"] = content_type
        return response

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/healthz", self.healthz)
        app.router.add_get("/readyz", self.readyz)
        app.router.add_get("/metrics", self.metrics_page)
        return app

    async def _refresh_forever(self) -> None:
        while True:
            await self.refresh()
            await asyncio.sleep(REFRESH_SECONDS)

    @contextlib.asynccontextmanager
    async def serving(self, host: str, port: int) -> AsyncIterator[None]:
        """Serve until the block ends."""
        runner = web.AppRunner(self.app(), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, host, port).start()
        refresher = asyncio.create_task(self._refresh_forever(), name="ops-refresh")
        _log.info("health and metrics on http://%s:%d (/healthz, /readyz, /metrics)", host, port)
        try:
            yield
        finally:
            refresher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await refresher
            await runner.cleanup()
