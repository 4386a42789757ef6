"""Structured logs: one JSON object per line, and third-party loggers kept from logging what people wrote.

``configure("json", "INFO")`` installs ``JsonFormatter`` on the root logger (``"text"`` keeps the
classic one-line format), quiets the third-party loggers that log message contents and adds
``PayloadFilter`` to the handler, so a library record that still carries an update payload is dropped
(or, at WARNING and above, kept with its message withheld).

What the libraries log, checked in their source (python-telegram-bot 22.8, discord.py 2.7.1,
httpx 0.28.1, httpcore 1.0.9, aiohttp 3.14.5, tornado 6.6.1, aiosqlite 0.22.1; paths under
site-packages), is listed in ``NOISY_LOGGERS``. Our own loggers never log message text; this module is
defence in depth for the code we don't own.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import traceback
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Literal, TextIO

_log = logging.getLogger(__name__)

EXTRA_FIELDS: tuple[str, ...] = ("platform", "update_id", "delivery_id", "latency_ms", "role")
"""The ``extra=`` fields a JSON line carries when a record has them; any other extra is left out."""
TRACEBACK_FRAMES = 8
"""How many of the innermost frames an exception's short traceback keeps."""
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
"""The ``text`` format (the one ``safetybot`` has always used)."""


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (ISO 8601, UTC), level, logger, event, and known extras.

    ``event`` is the record's message formatted as given (``msg % args``): this formatter does not
    redact, so callers never pass message text as an argument. Extras are taken only from
    ``EXTRA_FIELDS``. An exception becomes ``error`` (its type name), ``error_cause`` (the type of the
    exception it came from, if any) and ``traceback`` (the innermost frames as ``file:line in
    function``), never its message or the frames' local variables, which may hold what a person wrote,
    SQL parameters or a database URL.

    Args:
        defaults: values for extra fields a record does not carry, e.g. ``{"role": "sender"}``.
    """

    def __init__(self, defaults: Mapping[str, object] | None = None) -> None:
        super().__init__()
        self._defaults = {key: value for key, value in (defaults or {}).items() if value is not None}

    def format(self, record: logging.LogRecord) -> str:
        try:
            event = record.getMessage()
        except Exception:  # wrong arguments for the message: keep the template, never fail the line
            event = str(record.msg)
        payload: dict[str, object] = {
            "time": _iso_utc(record.created),
            "level": record.levelname,
            "logger": record.name,
            "event": event,
        }
        for name in EXTRA_FIELDS:
            value = getattr(record, name, self._defaults.get(name))
            if value is not None:
                payload[name] = _plain(value)
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            payload["error"] = type(error).__name__
            cause = error.__cause__ or (None if error.__suppress_context__ else error.__context__)
            if cause is not None:
                payload["error_cause"] = type(cause).__name__
            payload["traceback"] = short_traceback(record.exc_info[2])
        return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=str)


class TextFormatter(logging.Formatter):
    """The classic one-line format (``TEXT_FORMAT``); an exception is shown as its type and innermost
    frames, never its message, which may repeat what a person typed (a time zone, a command)."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def formatException(self, ei: tuple[type[BaseException], BaseException, TracebackType | None]) -> str:
        error = ei[1]
        cause = error.__cause__ or (None if error.__suppress_context__ else error.__context__)
        head = type(error).__name__ + (f" (from {type(cause).__name__})" if cause is not None else "")
        return "\n".join([f"  {head}", *(f"    {frame}" for frame in short_traceback(ei[2]))])


def _iso_utc(created: float) -> str:
    return datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _plain(value: object) -> object:
    return value if isinstance(value, str | int | float | bool) else str(value)


def short_traceback(tb: TracebackType | None, limit: int = TRACEBACK_FRAMES) -> list[str]:
    """The innermost ``limit`` frames of ``tb`` as ``file:line in function``: no source, no locals."""
    frames = traceback.StackSummary.extract(traceback.walk_tb(tb), lookup_lines=False, capture_locals=False)
    return [f"{_short_path(frame.filename)}:{frame.lineno} in {frame.name}" for frame in frames[-limit:]]


def _short_path(path: str) -> str:
    """A library file from its package on (``telegram/_bot.py``); our own from ``bot/`` or ``adapters/``."""
    normal = path.replace("\\", "/")
    for marker in ("/site-packages/", "/dist-packages/"):
        if marker in normal:
            return normal.rsplit(marker, 1)[1]
    for top in ("/bot/", "/adapters/", "/tests/"):
        if top in normal:
            return top.lstrip("/") + normal.rsplit(top, 1)[1]
    return "/".join(normal.rsplit("/", 2)[-2:])


@dataclass(frozen=True, slots=True)
class NoisyLogger:
    """A third-party logger that logs message contents, an update payload or a secret.

    Attributes:
        name: the logger's name (its children are covered too).
        logs: what it logs, where (file:line under site-packages, in the version checked) and at what level.
    """

    name: str
    logs: str


NOISY_LOGGERS: tuple[NoisyLogger, ...] = (
    NoisyLogger(
        "telegram",
        "python-telegram-bot: every Bot API call's parameters (text, reply_markup) and its result "
        "(telegram/_bot.py:740 and :749, DEBUG, logger telegram.Bot / telegram.ext.ExtBot); each update "
        "(telegram/ext/_application.py:1219 'Processing update', :1236 'Dropping pending update', DEBUG; "
        ":1288 CRITICAL); unparseable updates (telegram/_bot.py:4789 CRITICAL, "
        "telegram/ext/_utils/webhookhandler.py:169 CRITICAL); raw webhook bodies "
        "(webhookhandler.py:164, DEBUG) and a wrong webhook secret (:206, DEBUG); invalid response "
        "bodies (telegram/request/_baserequest.py:399, ERROR)",
    ),
    NoisyLogger(
        "telegram.ext",
        "python-telegram-bot's extension loggers (telegram.ext.Application, telegram.ext.Updater, "
        "telegram.ext.ExtBot): the update and webhook lines above",
    ),
    NoisyLogger(
        "httpx",
        "the request URL, which holds the Telegram bot token (httpx/_client.py:1740, INFO)",
    ),
    NoisyLogger(
        "httpcore",
        "request and response trace events with URLs and headers (httpcore/_trace.py:47 and :87, DEBUG)",
    ),
    NoisyLogger(
        "discord.gateway",
        "every gateway event in full, MESSAGE_CREATE content and INTERACTION_CREATE options included "
        "(discord/gateway.py:518, DEBUG)",
    ),
    NoisyLogger(
        "discord.http",
        "request bodies (message content) and response bodies (discord/http.py:660 and :707, DEBUG)",
    ),
    NoisyLogger(
        "discord.webhook",
        "interaction follow-up URLs, which hold the interaction token (discord/webhook/async_.py:185, DEBUG)",
    ),
    NoisyLogger(
        "aiohttp.access",
        "one line per request to an aiohttp server (aiohttp/web_log.py:212, INFO): client address, path "
        "and query string",
    ),
    NoisyLogger(
        "tornado.access",
        "one line per request to python-telegram-bot's webhook server (tornado/web.py:2585, INFO): "
        "client address and path",
    ),
    NoisyLogger(
        "aiosqlite",
        "each SQL call with its bound parameters: names, ids, answers (aiosqlite/core.py:62 and :67, DEBUG)",
    ),
    NoisyLogger(
        "sqlalchemy.engine",
        "each statement with its parameters (at INFO; SQLAlchemy keeps its loggers at WARNING unless "
        "someone lowers them)",
    ),
)
"""The third-party loggers ``QuietThirdParty`` keeps at WARNING or above."""

PAYLOAD_LIBRARIES: tuple[str, ...] = (
    "telegram",
    "discord",
    "httpx",
    "httpcore",
    "aiohttp",
    "tornado",
    "aiosqlite",
    "sqlalchemy",
)
"""Logger-name roots whose records ``PayloadFilter`` inspects; everything else passes untouched."""

_PAYLOAD = re.compile(
    r"""
    ["'](?:text|caption|content|message|edited_message|callback_query|inline_query|query|data|options
          |update_id|first_name|last_name|username|global_name|nick|title|description)["']\s*:
        # a JSON or dict key that carries what people wrote, or an update
    | \b(?:Update|Message|CallbackQuery|InlineQuery|ChatMemberUpdated)\(
        # python-telegram-bot object reprs
    | \b(?:text|caption|content|data|query)=['"]
        # keyword reprs such as text='...'
    | WebSocket\ Event:
        # discord.py's gateway dump
    | \bbot\d+:[A-Za-z0-9_-]{20,}
        # a Telegram bot token in a URL
    | /webhooks/\d+/[A-Za-z0-9_.-]{20,}
        # a Discord interaction or webhook token in a URL
    """,
    re.VERBOSE,
)


class PayloadFilter(logging.Filter):
    """Keeps message contents, update payloads and tokens logged by third-party libraries out of the logs.

    Records from loggers under ``libraries`` whose formatted message looks like a payload (``"text":``
    keys, ``Update(...)`` reprs, gateway event dumps, token-bearing URLs) are dropped. At WARNING and
    above they are kept, because a CRITICAL "could not process the update" must still reach the
    operator, but with the message replaced by a fixed line naming the logger and the error type, and
    without the exception (whose message may repeat the payload). Records from other loggers pass.

    Attach it to handlers, not loggers: a logger's filters see only records logged on that very logger,
    not those its children propagate.

    Args:
        libraries: logger-name roots to inspect.
        keep_severe: False drops severe records too instead of withholding their message.
    """

    def __init__(self, libraries: Iterable[str] = PAYLOAD_LIBRARIES, *, keep_severe: bool = True) -> None:
        super().__init__()
        self._roots = tuple(libraries)
        self._keep_severe = keep_severe

    def _from_library(self, name: str) -> bool:
        return any(name == root or name.startswith(root + ".") for root in self._roots)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._from_library(record.name):
            return True
        try:
            message = record.getMessage()
        except Exception:  # wrong arguments: the template alone is library code, not a payload
            return True
        if not _PAYLOAD.search(message):
            return True
        if record.levelno < logging.WARNING or not self._keep_severe:
            return False
        error = record.exc_info[1] if record.exc_info else None
        detail = f" ({type(error).__name__})" if error is not None else ""
        record.msg = f"message withheld: it carried message contents, an update payload or a token{detail}"
        record.args = None
        record.exc_info = None
        record.exc_text = None
        return True


class QuietThirdParty:
    """The third-party loggers that log message contents, held at WARNING whatever LOG_LEVEL says.

    Args:
        loggers: logger names to quiet; ``NOISY_LOGGERS`` by default.
        level: the least severe level they may log at.
    """

    def __init__(self, loggers: Iterable[str] | None = None, level: int = logging.WARNING) -> None:
        self.loggers: tuple[str, ...] = (
            tuple(loggers) if loggers is not None else tuple(noisy.name for noisy in NOISY_LOGGERS)
        )
        self.level = level

    def apply(self) -> None:
        """Set each logger to ``level``, or to the root's level when that is stricter."""
        level = max(self.level, logging.getLogger().getEffectiveLevel())
        for name in self.loggers:
            logging.getLogger(name).setLevel(level)

    @staticmethod
    def payload_filter(*, keep_severe: bool = True) -> PayloadFilter:
        """A ``PayloadFilter`` for the handlers (see its docstring)."""
        return PayloadFilter(keep_severe=keep_severe)

    def install(self, handlers: Iterable[logging.Handler]) -> None:
        """``apply`` the levels and add a ``PayloadFilter`` to each handler."""
        self.apply()
        for handler in handlers:
            if not any(isinstance(existing, PayloadFilter) for existing in handler.filters):
                handler.addFilter(self.payload_filter())


def configure(
    fmt: Literal["text", "json"],
    level: str | int,
    *,
    stream: TextIO | None = None,
    role: str | None = None,
    filters: Sequence[logging.Filter] = (),
) -> logging.Handler:
    """Log to ``stream`` (standard error) in ``fmt`` at ``level``, replacing the root logger's handlers.

    Also quiets the third-party loggers (``QuietThirdParty``) and filters their payloads.

    Args:
        fmt: ``"json"`` (one object per line) or ``"text"`` (``TEXT_FORMAT``).
        level: LOG_LEVEL, e.g. ``"INFO"`` or ``logging.DEBUG``.
        stream: where lines go; standard error by default.
        role: added to every JSON line as ``role`` unless a record carries its own.
        filters: more handler filters, e.g. one that masks tokens.

    Returns:
        The handler installed on the root logger.

    Raises:
        ValueError: for an unknown ``fmt`` or ``level``.
    """
    if fmt not in ("text", "json"):
        raise ValueError(f"unknown log format {fmt!r}: use 'text' or 'json'")
    numeric = logging.getLevelName(level.upper()) if isinstance(level, str) else level
    if not isinstance(numeric, int):
        raise ValueError(f"unknown log level {level!r}")
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(JsonFormatter({"role": role}) if fmt == "json" else TextFormatter())
    for extra in filters:
        handler.addFilter(extra)
    root = logging.getLogger()
    for old in root.handlers[:]:
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    root.setLevel(numeric)
    QuietThirdParty().install([handler])
    _log.debug("logging configured: %s at %s", fmt, logging.getLevelName(numeric))
    return handler
