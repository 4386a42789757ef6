"""The privacy tools a person and an operator have: /mydata shows a person everything stored about them
(and only to them), /forget leaves nothing for /mydata to show, and ``safetybot db backup`` copies the
SQLite database consistently while the bot writes to it."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from bot.content.library import ContentLibrary
from bot.storage.backup import BackupError, backup_sqlite
from tests.auxil.core import FakeClock, group_member, make_core, private_person, text_of

ROOT = Path(__file__).resolve().parents[1]


async def test_mydata_shows_everything_stored_and_forget_leaves_nothing(
    tmp_path: Path, content: ContentLibrary, clock: FakeClock
) -> None:
    core = await make_core(tmp_path, content, clock)
    try:
        ada = private_person(core, clock)
        first = text_of(await ada.command("mydata"))
        # Only the flood-control counter of this very message (kept a few minutes) exists yet.
        assert "Message counters (kept a few minutes, to stop floods) (1)" in first
        assert "You (" not in first and "language:" not in first
        await ada.command("language", "es")
        await ada.command("subscribe", "08:30", "Europe/Madrid", "privacidad")
        await ada.command("reto")
        shown = text_of(await ada.command("misdatos"))
        assert shown.startswith("Esto es todo lo que tengo guardado sobre ti")
        assert "language: es" in shown
        assert "Consejos diarios (1)" in shown
        assert "local_time: 08:30" in shown and "timezone: Europe/Madrid" in shown
        assert "Rondas del reto (1)" in shown
        assert "/olvidar" in shown
        forget = await ada.command("olvidar")
        await ada.press(forget[0].reply.flat_choices[0].payload)
        after = text_of(await ada.command("misdatos"))
        assert "Tú (" not in after and "Consejos diarios" not in after and "Rondas del reto" not in after
        assert "Message counters" in after, (
            "only the counter of this message (and English again: the language is gone)"
        )
    finally:
        await core.close()


async def test_mydata_in_a_group_points_to_the_private_chat_and_shows_nothing_there(
    tmp_path: Path, content: ContentLibrary, clock: FakeClock
) -> None:
    core = await make_core(tmp_path, content, clock)
    try:
        member = group_member(core, clock, "2001", admin=True)
        await member.command("subscribe", "09:00", "UTC")
        replies = await member.command("mydata")
        assert text_of(replies).startswith("Your data is yours: send me /mydata in a private chat")
        assert replies[0].reply.private
        alone = private_person(core, clock, user_id="2001")
        shown = text_of(await alone.command("mydata"))
        assert "Daily tips (1)" in shown, "a group setting the person made names them (set_by)"
    finally:
        await core.close()


def test_db_backup_copies_sqlite_consistently_while_it_is_written(tmp_path: Path) -> None:
    source = tmp_path / "live.db"
    with sqlite3.connect(source) as setup:
        setup.execute("PRAGMA journal_mode=WAL")
        setup.execute("CREATE TABLE rows (id INTEGER PRIMARY KEY, pair INTEGER NOT NULL)")
    stop = threading.Event()

    def write() -> None:  # two rows per transaction: a consistent copy holds an even number
        with sqlite3.connect(source, timeout=10) as writer:
            while not stop.is_set():
                with writer:
                    writer.execute("INSERT INTO rows (pair) VALUES (1)")
                    writer.execute("INSERT INTO rows (pair) VALUES (2)")

    thread = threading.Thread(target=write)
    thread.start()
    try:
        copies = [tmp_path / f"copy{n}.db" for n in range(3)]
        for copy in copies:
            assert backup_sqlite(source, copy) > 0
    finally:
        stop.set()
        thread.join()
    for copy in copies:
        with sqlite3.connect(copy) as reading:
            (count,) = reading.execute("SELECT count(*) FROM rows").fetchone()
            assert count % 2 == 0
    with pytest.raises(BackupError, match="already exists"):
        backup_sqlite(source, copies[0])
    with pytest.raises(BackupError, match="there is no database"):
        backup_sqlite(tmp_path / "missing.db", tmp_path / "x.db")


def test_the_db_backup_command_copies_the_bots_database_and_points_postgresql_to_pg_dump(
    tmp_path: Path,
) -> None:
    env = {"PATH": "", "SAFETYBOT_DATA_DIR": str(tmp_path / "data"), "HOME": str(tmp_path)}
    (tmp_path / "data").mkdir()
    with sqlite3.connect(tmp_path / "data" / "safetybot.db") as db:
        db.execute("CREATE TABLE users (id INTEGER PRIMARY KEY)")
    command = [sys.executable, "-m", "bot.cli", "db", "backup", str(tmp_path / "backup.db")]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "integrity checked" in done.stdout
    assert (tmp_path / "backup.db").is_file()
    again = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 1 and "already exists" in again.stderr
    postgres = {**env, "DATABASE_URL": "postgresql+asyncpg://someone@127.0.0.1:5432/safetybot"}
    refused = subprocess.run(command, cwd=ROOT, env=postgres, capture_output=True, text=True, timeout=120)
    assert refused.returncode == 2 and "pg_dump" in refused.stderr
