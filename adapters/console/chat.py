"""A chat in the terminal. Lines starting with / are commands, a bare number presses that button,
anything else is a message. Works with a pipe as standard input; ends on end of input or Ctrl-C."""

from __future__ import annotations

import asyncio
import getpass
import os
import sys
import threading
from dataclasses import replace
from typing import TextIO

from bot.app.platforms import ChatPort
from bot.core.events import ButtonPress, ChatKind, ChatRef, Command, Incoming, TextMessage, UserRef
from bot.core.markup import plain_text
from bot.core.replies import Choice, Outgoing, Reply

PLATFORM = "console"


def render(reply: Reply, first_number: int = 1) -> str:
    """A reply as terminal text: markup made readable, buttons as numbered choices."""
    lines = [plain_text(reply.text)]
    choices = reply.flat_choices
    if choices:
        lines.append("")
        lines.extend(f"  [{first_number + i}] {choice.label}" for i, choice in enumerate(choices))
    return "\n".join(lines)


def terminal_language(port: ChatPort) -> str | None:
    """The terminal's language (LC_ALL, LC_MESSAGES or LANG, e.g. "es_MX.UTF-8") when the bot ships it.

    None otherwise ("C.UTF-8", unset), so the core goes by the language each message is written in.
    """
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "").split(".")[0]
        if value:
            code = value.replace("_", "-").split("-")[0].lower()
            return code if code in port.content.languages else None
    return None


def parse_line(
    line: str, user: UserRef, chat: ChatRef, choices: list[Choice], port: ChatPort
) -> Incoming | None:
    """Turn one typed line into an event (None for a blank line)."""
    text = line.strip()
    now = port.clock.now()
    if not text:
        return None
    if text.isdigit() and choices:
        number = int(text)
        if 1 <= number <= len(choices):
            return ButtonPress(user, chat, now, choices[number - 1].payload)
    if text.startswith("/") and len(text) > 1:
        name, *args = text[1:].split()
        return Command(user, chat, now, name.split("@")[0].lower(), tuple(args))
    return TextMessage(user, chat, now, text, addressed_to_bot=True)


class ConsoleChat:
    """Reads lines, hands them to the core, prints the replies."""

    def __init__(self, port: ChatPort, *, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> None:
        self.port = port
        self.stdin = stdin
        self.stdout = stdout
        name = getpass.getuser() or "you"
        self.terminal_language = terminal_language(port)
        self.user = UserRef(PLATFORM, name, display_name=name, language_hint=self.terminal_language)
        self.chat = ChatRef(PLATFORM, name, ChatKind.PRIVATE)
        self.choices: list[Choice] = []
        self.interactive = stdin.isatty()

    def show(self, outgoing: list[Outgoing]) -> None:
        """Print replies; the buttons of the last one become the numbered choices."""
        choices: list[Choice] = []
        for item in outgoing:
            text = render(item.reply, first_number=len(choices) + 1)
            choices.extend(item.reply.flat_choices)
            self.stdout.write(f"\n{text}\n")
        if choices:
            self.choices = choices
        self.stdout.flush()

    def _start_reader(self) -> asyncio.Queue[str]:
        """Read standard input on a daemon thread, so a stop never waits for a line that may not come."""
        loop = asyncio.get_running_loop()
        lines: asyncio.Queue[str] = asyncio.Queue()

        def pump() -> None:
            while True:
                line = self.stdin.readline()
                loop.call_soon_threadsafe(lines.put_nowait, line)
                if line == "":
                    return

        threading.Thread(target=pump, name="console-stdin", daemon=True).start()
        return lines

    async def _read_line(self, lines: asyncio.Queue[str]) -> str:
        if self.interactive:
            self.stdout.write("\n> ")
            self.stdout.flush()
        return await lines.get()

    def _follow_language(self, event: Incoming) -> None:
        """A terminal that says nothing about its language: once the person clearly writes in one, the
        numbered buttons and commands that follow answer in it too (a platform would send its own hint)."""
        if self.terminal_language is None and isinstance(event, TextMessage):
            detected = self.port.detect_language(event.text)
            if detected is not None and detected != self.user.language_hint:
                self.user = replace(self.user, language_hint=detected)

    async def run(self) -> None:
        """Chat until end of input or Ctrl-C."""
        texts = self.port.texts
        lang = self.port.content.resolve_language(self.user.language_hint)
        if self.interactive:
            self.stdout.write(texts.say(lang, "console.intro") + "\n")
        lines = self._start_reader()
        try:
            while True:
                line = await self._read_line(lines)
                if line == "":
                    break
                event = parse_line(line, self.user, self.chat, self.choices, self.port)
                if event is None:
                    continue
                self._follow_language(event)
                self.show(await self.port.handle(event))
        except (KeyboardInterrupt, asyncio.CancelledError):
            pass
        finally:
            if self.interactive:
                self.stdout.write("\n" + texts.say(lang, "console.bye") + "\n")
            self.stdout.flush()
