"""``safetybot db backup PATH``: a consistent copy of the SQLite database while the bot runs."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.app.settings import Settings
from bot.storage.backup import BackupError, backup_sqlite, sqlite_file


def add_parsers(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    database = commands.add_parser("db", help="database tools")
    tools = database.add_subparsers(dest="db_command", required=True)
    backup = tools.add_parser(
        "backup", help="copy the SQLite database to PATH while the bot runs (PostgreSQL: use pg_dump)"
    )
    backup.add_argument("path", help="the new file to write (it must not exist)")


def run(args: argparse.Namespace, settings: Settings) -> int:
    source = sqlite_file(settings.database_url_text)
    if source is None:
        print(
            "safetybot db backup copies SQLite databases; for PostgreSQL use pg_dump, e.g.\n"
            '  pg_dump --format=custom --file=safetybot.dump "$DATABASE_URL_WITHOUT_+asyncpg"',
            file=sys.stderr,
        )
        return 2
    try:
        size = backup_sqlite(source, Path(args.path))
    except BackupError as error:
        print(f"safetybot: {error}", file=sys.stderr)
        return 1
    print(f"copied {source} to {args.path} ({size:,} bytes), integrity checked")
    return 0
