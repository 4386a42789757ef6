"""Settings: a wrong value stops start-up with one clear line naming it; secrets never appear."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.app.settings import SettingsError, load_settings

BAD = [
    (
        "SAFETYBOT_DEFAULT_TZ",
        "Mars/Olympus",
        "setting SAFETYBOT_DEFAULT_TZ: unknown time zone 'Mars/Olympus'",
    ),
    ("DATABASE_URL", "not a url at all", "setting DATABASE_URL: is not a database URL"),
    ("DATABASE_URL", "mysql://u:pw@h/db", "setting DATABASE_URL: must be a SQLite or PostgreSQL URL"),
    ("SAFETYBOT_ADMINS", "telegram:1,bob", "setting SAFETYBOT_ADMINS: expects platform:user_id entries"),
    ("LOG_LEVEL", "LOUD", "setting LOG_LEVEL: must be one of"),
    ("SAFETYBOT_FLOOD_LIMIT_PER_MINUTE", "0", "setting SAFETYBOT_FLOOD_LIMIT_PER_MINUTE:"),
]


@pytest.mark.parametrize(("name", "value", "message"), BAD)
def test_bad_setting_is_one_clear_line(name: str, value: str, message: str, monkeypatch) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings(_env_file=None)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


PLATFORM_BAD = [
    ("TELEGRAM_API_BASE_URL", "ftp://example", "setting TELEGRAM_API_BASE_URL: must be an http(s) URL"),
    ("TELEGRAM_WEBHOOK_SECRET", "has spaces", "setting TELEGRAM_WEBHOOK_SECRET: may hold only letters"),
    ("DISCORD_SHARD_IDS", "0,one", "setting DISCORD_SHARD_IDS: expects shard numbers separated by commas"),
]


@pytest.mark.parametrize(("name", "value", "message"), PLATFORM_BAD)
def test_a_platform_reads_its_own_settings_and_names_a_bad_one(
    name: str, value: str, message: str, monkeypatch
) -> None:
    """Each adapter declares its settings beside it; the registry reads them the same way."""
    from bot.app.platforms import installed_platforms, to_start

    monkeypatch.setenv(name, value)
    load_settings(_env_file=None)  # the core's settings know nothing of platforms
    with pytest.raises(SettingsError) as caught:
        to_start(installed_platforms())
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_the_registry_knows_every_shipped_platform(monkeypatch) -> None:
    from bot.app.platforms import installed_platforms, to_start

    for name in ("TELEGRAM_BOT_TOKEN", "DISCORD_BOT_TOKEN"):
        monkeypatch.setenv(name, "")
    platforms = installed_platforms()
    assert {"console", "telegram", "discord"} <= set(platforms)
    assert to_start(platforms) == [], "with no token only the console runs"
    monkeypatch.setenv("DISCORD_BOT_TOKEN", "a-token")
    assert [platform.name for platform in to_start(installed_platforms())] == ["discord"]


def test_database_password_is_never_shown(monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "mysql://user:hunter2secret@host/db")
    with pytest.raises(SettingsError) as caught:
        load_settings(_env_file=None)
    assert "hunter2secret" not in str(caught.value)


def test_admins_and_defaults(monkeypatch) -> None:
    monkeypatch.setenv("SAFETYBOT_ADMINS", "telegram:123, discord:456")
    settings = load_settings(_env_file=None)
    assert settings.is_organizer("telegram", "123")
    assert not settings.is_organizer("telegram", "456")
    assert settings.database_url_text.startswith("sqlite+aiosqlite:///")


def run_bot(env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """``safetybot run`` as someone would start it, with only ``env`` (expected to stop at once)."""
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "run"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        stdin=subprocess.DEVNULL,
        cwd=cwd,
    )


def test_cli_reports_bad_setting_without_traceback_or_secret(tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "SAFETYBOT_DATA_DIR": str(tmp_path),
        "SAFETYBOT_DEFAULT_TZ": "Nowhere/Land",
        "TELEGRAM_BOT_TOKEN": "123456:SECRET-TOKEN-VALUE",
    }
    result = run_bot(env, tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "safetybot: setting SAFETYBOT_DEFAULT_TZ: unknown time zone 'Nowhere/Land'; "
        "use an IANA name such as Europe/Madrid or UTC"
    ]
    assert "SECRET-TOKEN-VALUE" not in result.stdout + result.stderr


def test_cli_reports_a_bad_platform_setting_in_one_line(tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "SAFETYBOT_DATA_DIR": str(tmp_path),
        "TELEGRAM_BOT_TOKEN": "123456:SECRET-TOKEN-VALUE",
        "TELEGRAM_API_BASE_URL": "ftp://example",
    }
    result = run_bot(env, tmp_path)
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("safetybot: setting TELEGRAM_API_BASE_URL: must be an http(s) URL")
    assert "SECRET-TOKEN-VALUE" not in result.stdout + result.stderr


def test_unreachable_database_is_one_clear_line_without_the_password(tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "SAFETYBOT_DATA_DIR": str(tmp_path),
        "DATABASE_URL": "postgresql+asyncpg://bot:hunter2secret@127.0.0.1:1/safetybot",
    }
    for command in (["run"], ["campaign", "list"]):
        result = subprocess.run(
            [sys.executable, "-m", "bot.cli", *command],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
            stdin=subprocess.DEVNULL,
            cwd=tmp_path,
        )
        assert result.returncode == 2, result.stderr
        assert result.stderr.strip().splitlines()[-1] == (
            "safetybot: cannot reach the database set in DATABASE_URL (ConnectionRefusedError); "
            "is the server running and the address right?"
        )
        assert "Traceback" not in result.stderr
        assert "hunter2secret" not in result.stdout + result.stderr
