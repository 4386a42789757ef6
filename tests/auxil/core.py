"""Build a real core (content, SQLite, conversation) for tests, and events as a platform would send them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app.platforms import Platform
from bot.app.settings import load_settings
from bot.app.wiring import Core, build_core
from bot.content.library import ContentLibrary
from bot.core.events import ButtonPress, ChatKind, ChatRef, Command, TextMessage, UserRef
from bot.core.markup import plain_text
from bot.core.replies import Outgoing
from tests.auxil.understanding import shared_understanding


@dataclass
class FakeClock:
    """A clock that stands still until a test moves it."""

    current: datetime = field(default_factory=lambda: datetime(2026, 11, 25, 9, 0, tzinfo=UTC))

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


async def make_core(
    tmp_path: Path,
    content: ContentLibrary,
    clock: FakeClock,
    *,
    platforms: dict[str, Platform] | None = None,
    **settings: object,
) -> Core:
    """A core on SQLite in ``tmp_path``; it knows only the ``platforms`` given (none read the environment)."""
    values: dict[str, object] = {"safetybot_data_dir": tmp_path / "data", "_env_file": None}
    values.update(settings)
    return await build_core(
        load_settings(**values),
        content=content,
        clock=clock,
        understanding=shared_understanding(content),
        platforms=platforms or {},
    )


@dataclass
class Person:
    """Someone chatting with the bot, in a private chat or a group."""

    core: Core
    clock: FakeClock
    user: UserRef
    chat: ChatRef

    async def say(self, text: str, *, addressed: bool = False) -> list[Outgoing]:
        event = TextMessage(self.user, self.chat, self.clock.now(), text, addressed_to_bot=addressed)
        return await self.core.conversation.handle(event)

    async def command(self, name: str, *args: str) -> list[Outgoing]:
        event = Command(self.user, self.chat, self.clock.now(), name, tuple(args))
        return await self.core.conversation.handle(event)

    async def press(self, payload: str) -> list[Outgoing]:
        event = ButtonPress(self.user, self.chat, self.clock.now(), payload)
        return await self.core.conversation.handle(event)

    async def press_label(self, replies: list[Outgoing], label: str) -> list[Outgoing]:
        """Press the button with this label in the given replies (fails the test when missing)."""
        for item in replies:
            for choice in item.reply.flat_choices:
                if choice.label == label:
                    return await self.press(choice.payload)
        labels = [c.label for item in replies for c in item.reply.flat_choices]
        raise AssertionError(f"no button {label!r}; buttons were {labels}")


def private_person(
    core: Core, clock: FakeClock, user_id: str = "1001", name: str = "Ada", lang: str = "en"
) -> Person:
    user = UserRef("test", user_id, display_name=name, language_hint=lang)
    return Person(core, clock, user, ChatRef("test", user_id, ChatKind.PRIVATE))


def group_member(
    core: Core, clock: FakeClock, user_id: str, group_id: str = "-500", *, admin: bool | None = None
) -> Person:
    user = UserRef("test", user_id, display_name=f"user{user_id}", language_hint="en")
    return Person(core, clock, user, ChatRef("test", group_id, ChatKind.GROUP, sender_is_admin=admin))


def text_of(replies: list[Outgoing]) -> str:
    """Everything the person would read, markup removed."""
    return "\n\n".join(plain_text(item.reply.text) for item in replies)


def labels_of(replies: list[Outgoing]) -> list[str]:
    return [choice.label for item in replies for choice in item.reply.flat_choices]
