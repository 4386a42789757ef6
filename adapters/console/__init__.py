"""The console chat: the same core and database, in a terminal or through a pipe."""

from typing import TYPE_CHECKING

from adapters.console.chat import ConsoleChat, render

if TYPE_CHECKING:
    from bot.app import Core

__all__ = ["ConsoleChat", "render"]


async def serve(core: "Core") -> None:
    """Run the console chat on this process's standard input and output."""
    await ConsoleChat(core).run()
