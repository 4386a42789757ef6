"""The Messenger port: how the sender reaches a platform, and the only errors it may raise.

Adapters implement it (Telegram, Discord, the console, test recorders). The sender never sees a
platform exception: each messenger translates its platform's errors into these.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from bot.core.events import ChatRef
from bot.core.replies import Reply


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


@dataclass(frozen=True, slots=True)
class SendRules:
    """How fast a platform accepts the bot's proactive messages (the sender paces itself by these).

    Attributes:
        per_second: overall messages a second (None: no overall pacing).
        private_gap: seconds between two messages to one private chat.
        group_gap: seconds between two messages to one group or channel.
    """

    per_second: float | None
    private_gap: float = 1.0
    group_gap: float = 3.0


class Messenger(Protocol):
    """Sends one reply to one chat and returns the platform's id of the message."""

    platform: str

    async def deliver(self, chat: ChatRef, reply: Reply) -> str:
        """Send; raise RecipientGone, RetryLater or DeliveryFailed on failure."""
        ...


SCHEDULED_TIP = "daily_tip"
"""The kind of a scheduled message that is a daily tip (see ``ScheduledMessenger``)."""
SCHEDULED_DROP = "campaign"
"""The kind of any other scheduled message: a campaign drop."""


@runtime_checkable
class ScheduledMessenger(Protocol):
    """A messenger that sends scheduled messages (daily tips, campaign drops) its own way, choosing per
    recipient at send time (WhatsApp: free text inside 24 hours of the person's last message, an approved
    template outside it). Optional: the sender calls it when a messenger has it, ``deliver`` otherwise."""

    platform: str

    async def deliver_scheduled(self, chat: ChatRef, reply: Reply, *, kind: str, language: str) -> str:
        """Send a scheduled message of ``kind`` in ``language``; raise as ``deliver`` does."""
        ...


@runtime_checkable
class AdminNotifier(Protocol):
    """A messenger that can also reach the person who set a subscription (Discord: a DM), to tell them
    a chat's deliveries were paused. Optional: platforms that cannot simply do not implement it."""

    platform: str

    async def tell_admin(self, user_id: str, chat: ChatRef, text: str) -> None:
        """Send ``text`` (``{place}`` stands for the chat as the platform names it) to that person."""
        ...
