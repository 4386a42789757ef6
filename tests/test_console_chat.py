"""The console chat as a person uses it: `safetybot chat` driven through a pipe, in a real subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from adapters.console import render
from bot.core.replies import Choice, Reply


def chat(lines: list[str], data_dir: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "SAFETYBOT_DATA_DIR": str(data_dir),
        "TELEGRAM_BOT_TOKEN": "",
        "DISCORD_BOT_TOKEN": "",
    }
    env.pop("LOG_LEVEL", None)
    env.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "chat"],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


def test_a_whole_console_session(tmp_path: Path) -> None:
    result = chat(
        [
            "/start",
            "/help",
            "/topics",
            "2",  # Phishing & scams
            "1",  # its first question
            "/tip",
            "my pasword got leaked in a breach what do i do",
            "/language en",
            "/forget",
            "1",  # Yes, delete
        ],
        tmp_path,
    )
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "I'm safetybot" in out
    assert "[1] Topics" in out
    assert "/forget: Delete everything I've stored about you" in out
    assert "[2] Phishing & scams" in out
    assert "Phishing & scams: pick a question." in out
    assert "How do I recognise a phishing message?" in out
    assert "Sources:" in out
    assert "Tip:" in out
    assert "My details were in a data breach. What now?" in out
    assert "Done: I'll speak English with you from now on." in out
    assert "Delete it?" in out
    assert "I've deleted everything I had stored about you." in out


def test_end_of_input_and_blank_lines_exit_cleanly(tmp_path: Path) -> None:
    result = chat(["", "   ", "7"], tmp_path)
    assert result.returncode == 0
    assert "Traceback" not in result.stderr


def test_render_numbers_buttons_and_keeps_markup_readable() -> None:
    reply = Reply(
        "**Hello** [site](https://example.org)\n- one", ((Choice("A", "a~~x"), Choice("B", "b~~x")),)
    )
    assert render(reply) == "Hello site (https://example.org)\n• one\n\n  [1] A\n  [2] B"


async def test_a_daily_tip_arrives_in_the_console_chat(tmp_path: Path) -> None:
    import io

    from adapters.console.chat import ConsoleChat
    from adapters.console.messenger import ConsoleMessenger
    from bot.content.loader import load_content
    from tests.auxil.core import FakeClock, make_core

    clock = FakeClock()
    core = await make_core(tmp_path, load_content(), clock)
    try:
        output = io.StringIO()
        chat = ConsoleChat(core, stdin=io.StringIO(""), stdout=output)
        core.messengers["console"] = ConsoleMessenger(chat)
        from bot.core.events import Command

        subscribe = Command(chat.user, chat.chat, clock.now(), "subscribe", ("09:05",))
        chat.show(await core.conversation.handle(subscribe))
        clock.advance(minutes=6)
        assert (await core.dispatcher.tick()).enqueued == 1
        assert await core.make_sender().run_once() == 1
        shown = output.getvalue()
        assert "Done! at 09:05 (UTC)" in shown
        assert "\nTip: " in shown.split("Done!", 1)[1], "the tip is shown after the subscription reply"
    finally:
        await core.close()
