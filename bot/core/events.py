"""Platform-neutral incoming events: who wrote, where, when, and what (text, command or button press)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class ChatKind(StrEnum):
    """Whether a conversation is one-to-one with the bot or shared by several people."""

    PRIVATE = "private"
    GROUP = "group"


@dataclass(frozen=True, slots=True)
class UserRef:
    """A person on one platform.

    Attributes:
        platform: the adapter's name, e.g. "telegram", "discord", "console".
        user_id: the platform's id for the person, as text.
        display_name: how the platform shows the person (never stored unless a feature needs it).
        language_hint: the platform's idea of the person's language (e.g. "en", "es-419"), if any.
    """

    platform: str
    user_id: str
    display_name: str = ""
    language_hint: str | None = None


@dataclass(frozen=True, slots=True)
class ChatRef:
    """A conversation on one platform: a private chat, a group, or a server channel.

    Attributes:
        platform: the adapter's name.
        chat_id: the platform's id for the conversation, as text.
        kind: private or group.
        sender_is_admin: for groups, whether the sender administers it (None when the adapter does not know).
    """

    platform: str
    chat_id: str
    kind: ChatKind = ChatKind.PRIVATE
    sender_is_admin: bool | None = None

    @property
    def is_private(self) -> bool:
        """True for a one-to-one conversation with the bot."""
        return self.kind is ChatKind.PRIVATE


@dataclass(frozen=True, slots=True)
class TextMessage:
    """Plain text a person wrote.

    Attributes:
        addressed_to_bot: in groups, whether the message mentions the bot or replies to one of its messages.
    """

    user: UserRef
    chat: ChatRef
    at: datetime
    text: str
    addressed_to_bot: bool = False


@dataclass(frozen=True, slots=True)
class Command:
    """A slash command with its arguments, e.g. ``/ask how do I report a scam``."""

    user: UserRef
    chat: ChatRef
    at: datetime
    name: str
    args: tuple[str, ...] = field(default_factory=tuple)

    @property
    def arg_text(self) -> str:
        """The arguments joined back into one string."""
        return " ".join(self.args)


@dataclass(frozen=True, slots=True)
class ButtonPress:
    """A press on a button the bot sent earlier; ``payload`` is the opaque string the button carried."""

    user: UserRef
    chat: ChatRef
    at: datetime
    payload: str


Incoming = TextMessage | Command | ButtonPress
