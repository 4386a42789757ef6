"""The console chat as the registry knows it: always there, never paced, sending into the terminal."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager

from bot.app.platforms import ChatPort, SendRules
from bot.core.messenger import Messenger


class ConsolePlatform:
    """A chat in this process's terminal (or a pipe): the bot with no token and no server."""

    name = "console"

    def configured(self) -> bool:
        return True

    def secrets(self) -> list[str]:
        return []

    def send_rules(self) -> SendRules:
        return SendRules(per_second=None, private_gap=0.0, group_gap=0.0)

    async def serve(self, port: ChatPort) -> None:
        """Chat on standard input and output; deliveries appear in it too."""
        from adapters.console.chat import ConsoleChat
        from adapters.console.messenger import ConsoleMessenger

        chat = ConsoleChat(port)
        port.register_messenger(ConsoleMessenger(chat))
        try:
            await chat.run()
        finally:
            port.unregister_messenger(ConsoleMessenger.platform)

    def outbox_messenger(self) -> AbstractAsyncContextManager[Messenger] | None:
        return None  # deliveries reach a console only while its chat runs


def platform() -> ConsolePlatform:
    """The registry's entry point."""
    return ConsolePlatform()
