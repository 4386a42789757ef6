"""The platform registry: what the bot needs to know about a platform, declared once by its adapter.

An adapter package declares a ``Platform`` (its name, whether its settings are there, how fast it takes
messages, how to serve people and how to send proactive messages) and registers a factory for it as an
entry point of the group ``safetybot.platforms`` in pyproject.toml. The runner, the sender and the
campaign planner read the registry; nothing in ``bot`` names a platform.

Adapters get a ``ChatPort``: the narrow way into the core (handle a person's turn, register a messenger,
say that a chat can no longer be reached), never the whole core.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from importlib.metadata import entry_points
from typing import Protocol

from bot.content.library import ContentLibrary
from bot.content.texts import Texts
from bot.core.clock import Clock
from bot.core.events import ChatRef, Incoming
from bot.core.messenger import Messenger, SendRules
from bot.core.replies import Outgoing

_log = logging.getLogger(__name__)

ENTRY_POINTS = "safetybot.platforms"
CONSOLE = "console"
"""The platform that runs when no other is configured (and for ``safetybot chat``)."""

AdminCheck = Callable[[Incoming], Awaitable[bool]]


class ChatPort(Protocol):
    """What an adapter may ask of the core."""

    @property
    def content(self) -> ContentLibrary: ...
    @property
    def texts(self) -> Texts: ...
    @property
    def clock(self) -> Clock: ...

    async def handle(self, event: Incoming, *, admin_check: AdminCheck | None = None) -> list[Outgoing]:
        """The replies to one event of a person (possibly none)."""
        ...

    def detect_language(self, text: str) -> str | None:
        """The shipped language a text is clearly written in, if any."""
        ...

    def register_messenger(self, messenger: Messenger) -> None:
        """Proactive messages to this platform go through ``messenger`` from now on."""
        ...

    def unregister_messenger(self, platform: str) -> None: ...

    async def chat_unreachable(self, chat: ChatRef, now: datetime) -> None:
        """The platform says the bot may no longer write there (blocked, removed)."""
        ...

    async def chat_reachable(self, chat: ChatRef) -> None:
        """The bot may write there again (unblocked, added back)."""
        ...


class Platform(Protocol):
    """A platform as its adapter declares it."""

    name: str

    def configured(self) -> bool:
        """Whether its settings (a token) are there, so the bot should start it."""
        ...

    def secrets(self) -> list[str]:
        """Values that must never appear in a log line (tokens)."""
        ...

    def send_rules(self) -> SendRules: ...

    async def serve(self, port: ChatPort) -> None:
        """Serve people until cancelled."""
        ...

    def outbox_messenger(self) -> AbstractAsyncContextManager[Messenger] | None:
        """A messenger for a sender-only process (no gateway, no polling), or None if it cannot."""
        ...


def installed_platforms() -> dict[str, Platform]:
    """Every platform installed (each adapter's entry point), each reading its own settings."""
    found: dict[str, Platform] = {}
    for point in entry_points(group=ENTRY_POINTS):
        factory: Callable[[], Platform] = point.load()
        platform = factory()
        if platform.name in found:
            raise RuntimeError(f"two platforms are called {platform.name!r}")
        found[platform.name] = platform
    return found


def to_start(platforms: Mapping[str, Platform]) -> list[Platform]:
    """The configured platforms, the console aside (it runs when none is, or when asked)."""
    return [platform for name, platform in platforms.items() if name != CONSOLE and platform.configured()]
