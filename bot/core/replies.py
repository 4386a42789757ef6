"""What the core answers with: a reply (marked-up text, optional buttons) addressed to a chat.

Text uses a small markup subset that every adapter renders for its platform (see ``bot.core.markup``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.core.events import ChatRef

MAX_PAYLOAD_BYTES = 64
"""Telegram's callback_data limit; Discord allows 100 characters, so 64 bytes fits both."""


@dataclass(frozen=True, slots=True)
class Choice:
    """One button: what it says and the opaque payload it sends back when pressed."""

    label: str
    payload: str

    def __post_init__(self) -> None:
        if len(self.payload.encode()) > MAX_PAYLOAD_BYTES:
            raise ValueError(f"button payload over {MAX_PAYLOAD_BYTES} bytes: {self.payload!r}")


@dataclass(frozen=True, slots=True)
class Reply:
    """A message from the bot.

    Attributes:
        text: the message in the markup subset.
        choices: buttons, laid out in rows.
        private: only the person who triggered it should see it (ephemeral on Discord, a DM or
            callback answer elsewhere where the platform allows).
        notice: a short toast for a button press (Telegram's callback answer); optional.
    """

    text: str
    choices: tuple[tuple[Choice, ...], ...] = field(default_factory=tuple)
    private: bool = False
    notice: str | None = None

    @property
    def flat_choices(self) -> list[Choice]:
        """All buttons in reading order."""
        return [choice for row in self.choices for choice in row]


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A reply addressed to a chat."""

    chat: ChatRef
    reply: Reply


def rows(choices: list[Choice], per_row: int = 1) -> tuple[tuple[Choice, ...], ...]:
    """Lay buttons out ``per_row`` to a row."""
    return tuple(tuple(choices[i : i + per_row]) for i in range(0, len(choices), per_row))
