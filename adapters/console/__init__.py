"""The console chat: the same core and database, in a terminal or through a pipe."""

from typing import TYPE_CHECKING

from adapters.console.chat import ConsoleChat, render

if TYPE_CHECKING:
    from bot.app.wiring import Core

__all__ = ["ConsoleChat", "render"]


async def serve(core: "Core") -> None:
    """Run the console chat on this process's standard input and output; deliveries appear in it too."""
    from adapters.console.messenger import ConsoleMessenger

    chat = ConsoleChat(core)
    core.messengers[ConsoleMessenger.platform] = ConsoleMessenger(chat)
    try:
        await chat.run()
    finally:
        core.messengers.pop(ConsoleMessenger.platform, None)
