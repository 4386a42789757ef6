"""The Messenger port: how the sender reaches a platform, and the only errors it may raise.

Adapters implement it (Telegram, Discord, the console, test recorders). The sender never sees a
platform exception: each messenger translates its platform's errors into these.
"""

from __future__ import annotations

from typing import Protocol

from bot.events import ChatRef
from bot.replies import Reply


class RecipientGone(Exception):
    """The platform says we may no longer write to this chat (blocked, removed, deleted)."""


class RetryLater(Exception):
    """A temporary failure: rate limited (with the wait it named) or a network or server error."""

    def __init__(self, reason: str, seconds: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.seconds = seconds


class DeliveryFailed(Exception):
    """A permanent failure for this message (malformed, too long, not allowed)."""


class Messenger(Protocol):
    """Sends one reply to one chat and returns the platform's id of the message."""

    platform: str

    async def deliver(self, chat: ChatRef, reply: Reply) -> str:
        """Send; raise RecipientGone, RetryLater or DeliveryFailed on failure."""
        ...
