"""The ``safetybot`` command line: run, chat, ask, content check, eval."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.exc import DBAPIError

from bot.app.settings import ROLES, Settings, SettingsError, load_settings
from bot.content.checks import cross_check
from bot.content.checks.completeness import completeness_report, counts
from bot.content.loader import load_content
from bot.content.problems import ContentError
from bot.content.reading import DEFAULT_CONTENT_DIR, read_content
from bot.storage.db import DatabaseUnavailable
from bot.telemetry.logs import configure

if TYPE_CHECKING:
    from collections.abc import Mapping

    from bot.app.platforms import Platform
    from bot.content.library import ContentLibrary
    from bot.understanding.engine import AnswerEngine

_log = logging.getLogger("safetybot")


class _NoSecretsFilter(logging.Filter):
    """Keeps platform tokens out of every log line, whatever library writes it."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = [secret for secret in secrets if secret]

    def filter(self, record: logging.LogRecord) -> bool:
        if self._secrets:
            message = record.getMessage()
            if any(secret in message for secret in self._secrets):
                for secret in self._secrets:
                    message = message.replace(secret, "[secret]")
                record.msg, record.args = message, None
        return True


def configure_logging(settings: Settings, platforms: Mapping[str, Platform], *, quiet: bool = False) -> None:
    """Log to standard error at LOG_LEVEL in LOG_FORMAT (text or json), with tokens masked, exceptions
    without their messages and third-party libraries kept from logging what people wrote
    (``bot.telemetry.logs``).

    ``quiet`` (the console chat, unless LOG_LEVEL is set) shows only warnings, so logs don't interleave
    with the conversation.
    """
    secrets = [secret for platform in platforms.values() for secret in platform.secrets()]
    if settings.database_url is not None:
        secrets.append(settings.database_url.get_secret_value())
    level = "WARNING" if quiet and "LOG_LEVEL" not in os.environ else settings.log_level
    configure(settings.log_format, level, role=settings.safetybot_role, filters=[_NoSecretsFilter(secrets)])
    for noisy in ("aiosqlite", "alembic", "apscheduler", "bm25s"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))


def database_unreachable(error: BaseException) -> str:
    """One line for a database that cannot be reached (never the URL: it may hold a password)."""
    if isinstance(error, DatabaseUnavailable) and error.__cause__ is not None:
        error = error.__cause__
    cause = error.orig if isinstance(error, DBAPIError) and error.orig is not None else error
    return (
        f"cannot reach the database set in DATABASE_URL ({type(cause).__name__}); "
        "is the server running and the address right?"
    )


def _fail(message: str, code: int = 2) -> int:
    print(f"safetybot: {message}", file=sys.stderr)
    return code


def cmd_content_check(args: argparse.Namespace) -> int:
    root = Path(args.dir) if args.dir else DEFAULT_CONTENT_DIR
    result = read_content(root)
    if result.catalog is not None:
        cross_check(result)
    if result.problems:
        for problem in sorted(result.problems):
            print(problem)
        if result.catalog is not None:
            print("\n".join(completeness_report(result)))
        print(f"{len(result.problems)} problem(s) found in {root}", file=sys.stderr)
        return 1
    print("\n".join(completeness_report(result)))
    for lang, counter in counts(result).items():
        summary = ", ".join(f"{number} {kind}" for kind, number in sorted(counter.items()))
        print(f"{lang}: {summary}")
    print(f"content OK: {len(result.catalog.topics) if result.catalog else 0} topics in the catalog")
    return 0


async def _run(args: argparse.Namespace, settings: Settings, platforms: dict[str, Platform]) -> int:
    from bot.app.runner import run_platforms
    from bot.app.wiring import build_core

    main = asyncio.current_task()
    assert main is not None

    # SIGTERM (systemd, docker, a supervisor) stops the bot the way Ctrl-C does: adapters close, the
    # sender gives back what it claimed but did not send, the database closes.
    def stop() -> None:
        _log.info("SIGTERM received: stopping")
        main.cancel()

    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop)
    core = await build_core(settings, platforms=platforms)
    try:
        return await run_platforms(core, console=args.command == "chat", role=args.role)
    except asyncio.CancelledError:
        return 0
    finally:
        await core.close()


def cmd_run(args: argparse.Namespace) -> int:
    from bot.app.platforms import installed_platforms, to_start

    try:
        settings = load_settings()
        platforms = installed_platforms()
        starting = to_start(platforms)  # each platform reads its own settings here: errors stop us now
    except SettingsError as error:
        return _fail(str(error))
    role = getattr(args, "role", None) or settings.safetybot_role
    args.role = "all" if args.command == "chat" else role
    console_only = args.command == "chat" or (role in ("all", "chat") and not starting)
    configure_logging(settings, platforms, quiet=console_only)
    try:
        return asyncio.run(_run(args, settings, platforms))
    except ContentError as error:
        print(error.report(), file=sys.stderr)
        return _fail(
            f"refusing to start: {len(error.problems)} content problem(s); see `safetybot content check`", 1
        )
    except (OSError, DBAPIError, DatabaseUnavailable) as error:
        return _fail(database_unreachable(error))
    except KeyboardInterrupt:
        return 0


def _load_engine() -> tuple[ContentLibrary, AnswerEngine] | int:
    """The content and the answer engine (with the understanding layer), or the exit code after saying
    what is wrong."""
    from bot.app.wiring import build_engine, build_understanding_layer, content_dir

    try:
        settings = load_settings()
        content = load_content(content_dir(settings), settings.safetybot_default_language)
    except SettingsError as error:
        return _fail(str(error))
    except ContentError as error:
        print(error.report(), file=sys.stderr)
        return 1
    logging.basicConfig(level=logging.WARNING)
    return content, build_engine(content, build_understanding_layer(settings, content), settings.cache_dir)


def cmd_ask(args: argparse.Namespace) -> int:
    from bot.content.texts import Texts
    from bot.core.markup import plain_text
    from bot.features.answers import answer_text, check_in_text, crisis_text
    from bot.understanding.engine import Answer, AnswerKind
    from bot.understanding.layer import CrisisLevel

    loaded = _load_engine()
    if isinstance(loaded, int):
        return loaded
    content, engine = loaded
    lang = content.resolve_language(args.lang)
    texts = Texts(content)

    def labels(topics: list[str]) -> list[str]:
        return [f"- {entry.label}" for topic in topics if (entry := content.faq_entry(lang, topic))]

    def reply_text(answer: Answer) -> str:
        match answer.kind:
            case AnswerKind.ANSWER if answer.topic is not None:
                entry = content.faq_entry(lang, answer.topic)
                return plain_text(answer_text(content, texts, lang, entry)) if entry else ""
            case AnswerKind.CRISIS if answer.crisis_level is CrisisLevel.CHECK_IN:
                return plain_text(check_in_text(content, texts, lang))
            case AnswerKind.CRISIS:
                return plain_text(crisis_text(content, texts, lang))
            case AnswerKind.CLARIFY:
                question = texts.say(lang, "clarify.question")
                return plain_text("\n".join([question, *labels(answer.ranked[:3])]))
        key = "fallback.with_suggestions" if answer.closest else "fallback.no_suggestions"
        return plain_text("\n".join([texts.say(lang, key), *labels(answer.closest)]))

    questions = [args.question] if args.question is not None else (line.rstrip("\n") for line in sys.stdin)
    for question in questions:
        if not question.strip():
            continue
        answer = engine.answer(question, lang)
        if args.json:
            record: dict[str, object] = {
                "kind": answer.kind.value,
                "topic": answer.topic,
                "confidence": answer.confidence,
                "alternatives": answer.alternatives,
                "text": reply_text(answer),
            }
            if answer.kind is AnswerKind.CRISIS:
                record["crisis_level"] = (answer.crisis_level or CrisisLevel.URGENT).value
            print(json.dumps(record, ensure_ascii=False), flush=True)
        else:
            print(reply_text(answer))
            print(
                f"({answer.kind.value}, topic: {answer.topic or '-'}, confidence {answer.confidence:.2f})\n"
            )
    return 0


HELD_OUT_DIR = Path("tests/eval/heldout")


def cmd_eval(args: argparse.Namespace) -> int:
    """Every language's held-out set (or one language's, or one file): the figures, then every miss."""
    from bot.understanding.evaluation import evaluate, format_report

    loaded = _load_engine()
    if isinstance(loaded, int):
        return loaded
    content, engine = loaded
    if args.file:
        runs = [(Path(args.file), args.lang or content.default_language)]
    else:
        languages = [args.lang] if args.lang else content.shipped
        runs = [(HELD_OUT_DIR / f"{lang}.yaml", lang) for lang in languages]
    for path, _ in runs:
        if not path.is_file():
            return _fail(f"no evaluation set at {path}")
    for path, lang in runs:
        print(f"== {lang}: {path}")
        print(format_report(evaluate(engine, content, path, lang)))
        print()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="safetybot", description="A chat bot that helps people stay safe online."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser(
        "run", help="start every platform whose token is set (the console chat when none is)"
    )
    run.add_argument(
        "--role",
        choices=ROLES,
        help="all (default, or SAFETYBOT_ROLE): everything in one process; chat: the platform connections; "
        "scheduler: daily tips, campaigns and challenge posts; sender: drain the delivery outbox; "
        "dashboard: the organizers' dashboard alone (SAFETYBOT_DASHBOARD_PORT)",
    )
    commands.add_parser("chat", help="chat with the bot in this terminal")
    ask = commands.add_parser("ask", help="answer one question, or one per line of standard input")
    ask.add_argument("question", nargs="?", help="the question; omit to read standard input")
    ask.add_argument("--lang", default="en", help="language code (default en)")
    ask.add_argument("--json", action="store_true", help="print one JSON object per answer")
    content = commands.add_parser("content", help="content tools")
    content_commands = content.add_subparsers(dest="content_command", required=True)
    check = content_commands.add_parser("check", help="validate every content file")
    check.add_argument("dir", nargs="?", help="the content folder (default: the shipped content/)")
    evaluation = commands.add_parser("eval", help="measure answer quality on an evaluation set")
    evaluation.add_argument("--lang", help="one language (default: every shipped language)")
    evaluation.add_argument("--file", help="an evaluation YAML (default tests/eval/heldout/<lang>.yaml)")
    from bot.cli.campaign import add_parsers as add_campaign_parsers
    from bot.cli.database import add_parsers as add_database_parsers

    add_campaign_parsers(commands)
    add_database_parsers(commands)
    return parser


def cmd_campaign(args: argparse.Namespace) -> int:
    from bot.cli.campaign import run

    try:
        settings = load_settings()
    except SettingsError as error:
        return _fail(str(error))
    logging.basicConfig(level=logging.WARNING)
    try:
        return asyncio.run(run(args, settings))
    except ContentError as error:
        print(error.report(), file=sys.stderr)
        return 1
    except (OSError, DBAPIError, DatabaseUnavailable) as error:
        return _fail(database_unreachable(error))


def cmd_db(args: argparse.Namespace) -> int:
    from bot.cli.database import run

    try:
        return run(args, load_settings())
    except SettingsError as error:
        return _fail(str(error))


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    match args.command:
        case "run" | "chat":
            return cmd_run(args)
        case "ask":
            return cmd_ask(args)
        case "content":
            return cmd_content_check(args)
        case "eval":
            return cmd_eval(args)
        case "campaign" | "stats":
            return cmd_campaign(args)
        case "db":
            return cmd_db(args)
    return 2


if __name__ == "__main__":
    sys.exit(main())
