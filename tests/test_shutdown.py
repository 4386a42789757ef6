"""Stopping the bot: SIGTERM ends `safetybot run` cleanly and promptly, even while the console waits."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path


def test_sigterm_stops_the_bot_cleanly(tmp_path: Path) -> None:
    env = {**os.environ, "SAFETYBOT_DATA_DIR": str(tmp_path), "LOG_LEVEL": "INFO"}
    for name in ("TELEGRAM_BOT_TOKEN", "DISCORD_BOT_TOKEN", "DATABASE_URL"):
        env.pop(name, None)
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write("/help\n")
        process.stdin.flush()
        deadline = time.monotonic() + 60
        seen = ""
        while "Here's what I can do" not in seen and time.monotonic() < deadline:
            seen += process.stdout.readline()
        assert "Here's what I can do" in seen
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=15)
        stderr = process.stderr.read() if process.stderr else ""
        assert code == 0, stderr
        assert "stopping" in stderr
        assert "Traceback" not in stderr
    finally:
        if process.poll() is None:
            process.kill()
