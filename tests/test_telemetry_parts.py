"""Operability parts: metrics on a private registry, JSON logs, quiet third-party loggers, container files."""

from __future__ import annotations

import io
import json
import logging
import re
import shlex
import sys
import warnings
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import httpx._client
import prometheus_client
import pytest
import telegram
import telegram.ext
import telegram.ext._application
import telegram.ext._utils.webhookhandler
import yaml
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families

from bot.telemetry.logs import (
    EXTRA_FIELDS,
    NOISY_LOGGERS,
    JsonFormatter,
    PayloadFilter,
    QuietThirdParty,
    configure,
    short_traceback,
)
from bot.telemetry.metrics import (
    ANSWER_BUCKETS,
    CAMPAIGN_STATES,
    OTHER,
    PLATFORMS,
    Metrics,
    render,
)

# discord.py imports audioop (voice, unused), which Python 3.11 deprecates; as in adapters/discord.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="'audioop' is deprecated", category=DeprecationWarning)
    import discord.gateway
    import discord.http
    import discord.webhook.async_

ROOT = Path(__file__).resolve().parents[1]

EXPECTED_SAMPLES = {
    "safetybot_updates_total",
    "safetybot_replies_total",
    "safetybot_answer_seconds_bucket",
    "safetybot_answer_seconds_sum",
    "safetybot_answer_seconds_count",
    "safetybot_answers_total",
    "safetybot_crisis_total",
    "safetybot_flood_throttled_total",
    "safetybot_outbox_depth",
    "safetybot_outbox_oldest_due_seconds",
    "safetybot_deliveries_total",
    "safetybot_rate_limited_total",
    "safetybot_rate_limit_wait_seconds_total",
    "safetybot_scheduler_tick_seconds_bucket",
    "safetybot_campaign_deliveries",
    "safetybot_database_up",
    "safetybot_database_unavailable_total",
}
ALLOWED_LABELS = {"platform", "kind", "outcome", "level", "state", "job", "le"}
FORBIDDEN_LABELS = {"user", "user_id", "chat", "chat_id", "text", "message", "campaign", "update_id", "id"}


def samples(registry: CollectorRegistry) -> list[prometheus_client.samples.Sample]:
    body, _ = render(registry)
    return [sample for family in text_string_to_metric_families(body.decode()) for sample in family.samples]


def value(registry: CollectorRegistry, name: str, **labels: str) -> float | None:
    return registry.get_sample_value(name, labels)


# ---------------------------------------------------------------------------------------------- metrics


def test_every_metric_is_rendered_from_a_private_registry() -> None:
    registry = CollectorRegistry()
    metrics = Metrics(registry)
    metrics.watch_outbox(lambda: (7, 42.5))
    metrics.watch_campaigns(lambda: {"queued": 3, "sent": 5, "failed": 1})

    body, content_type = render(registry)

    assert content_type.startswith("text/plain; version=0.0.4")
    names = {sample.name for sample in samples(registry)}
    assert names >= EXPECTED_SAMPLES, EXPECTED_SAMPLES - names
    assert all(name.startswith("safetybot_") for name in names)
    assert b"safetybot_campaign_progress" not in body
    # Nothing went to prometheus-client's global default registry.
    assert not any(
        sample.name.startswith("safetybot_")
        for family in prometheus_client.REGISTRY.collect()
        for sample in family.samples
    )


def test_two_registries_are_independent_and_a_duplicate_fails_loudly() -> None:
    first, second = CollectorRegistry(), CollectorRegistry()
    Metrics(first).count_flood_throttled()
    Metrics(second)
    assert value(first, "safetybot_flood_throttled_total") == 1
    assert value(second, "safetybot_flood_throttled_total") == 0
    with pytest.raises(ValueError, match="Duplicated"):
        Metrics(first)
    metrics = Metrics(CollectorRegistry())
    metrics.watch_outbox(lambda: (0, 0.0))
    with pytest.raises(ValueError, match="Duplicated"):
        metrics.watch_outbox(lambda: (0, 0.0))


def test_labels_are_only_known_names_and_values(caplog: pytest.LogCaptureFixture) -> None:
    registry = CollectorRegistry()
    metrics = Metrics(registry)
    metrics.count_update("telegram", "text")
    metrics.count_update("telegram", "text")
    metrics.count_update("user-12345678", "text")  # a user id passed by mistake
    metrics.count_update("discord", "hello, I need help")  # text passed by mistake
    metrics.count_delivery("telegram", "sent")
    metrics.count_delivery("telegram", "chat 987654321 blocked us")
    metrics.count_crisis("urgent")
    metrics.observe_tick("dispatcher", 0.04)
    metrics.observe_tick("job-for-chat-555", 0.01)

    everything = samples(registry)
    label_names = {name for sample in everything for name in sample.labels}
    assert label_names <= ALLOWED_LABELS
    assert not label_names & FORBIDDEN_LABELS
    rendered = render(registry)[0].decode()
    for leak in ("user-1234", "hello", "blocked us", "job-for-chat"):  # not digits: timestamps have them
        assert leak not in rendered
        assert leak not in caplog.text
    assert value(registry, "safetybot_updates_total", platform="telegram", kind="text") == 2
    assert value(registry, "safetybot_updates_total", platform=OTHER, kind="text") == 1
    assert value(registry, "safetybot_updates_total", platform="discord", kind=OTHER) == 1
    assert value(registry, "safetybot_deliveries_total", platform="telegram", outcome=OTHER) == 1
    assert value(registry, "safetybot_crisis_total", level="urgent") == 1
    assert value(registry, "safetybot_scheduler_tick_seconds_count", job=OTHER) == 1
    # Every label's series are bounded: known values and at most one "other".
    for label in ("platform", "kind", "outcome", "level", "job"):
        values = {sample.labels[label] for sample in everything if label in sample.labels}
        assert len(values) <= 8, (label, values)


def test_known_series_start_at_zero() -> None:
    registry = CollectorRegistry()
    Metrics(registry)
    for platform in PLATFORMS:
        for outcome in ("sent", "retry", "failed", "gone", "opted_out"):
            assert value(registry, "safetybot_deliveries_total", platform=platform, outcome=outcome) == 0
    for kind in ("answer", "clarify", "fallback", "crisis"):
        assert value(registry, "safetybot_answers_total", kind=kind) == 0
    assert value(registry, "safetybot_crisis_total", level="check_in") == 0


def test_answer_histogram_buckets_run_from_a_millisecond_to_a_second() -> None:
    registry = CollectorRegistry()
    metrics = Metrics(registry)
    metrics.observe_answer("answer", 0.0015)
    metrics.observe_answer("crisis", 0.3)
    bounds = sorted(
        float(sample.labels["le"])
        for sample in samples(registry)
        if sample.name == "safetybot_answer_seconds_bucket"
    )
    assert bounds[0] == 0.001
    assert bounds[-2] == 1.0
    assert bounds[-1] == float("inf")
    assert tuple(bounds[:-1]) == ANSWER_BUCKETS
    assert value(registry, "safetybot_answer_seconds_bucket", le="0.0025") == 1
    assert value(registry, "safetybot_answer_seconds_count") == 2
    assert value(registry, "safetybot_answers_total", kind="crisis") == 1


def test_rate_limits_and_database_state() -> None:
    registry = CollectorRegistry()
    metrics = Metrics(registry)
    metrics.count_rate_limited("telegram", 3.5)
    metrics.count_rate_limited("telegram", 1.0)
    metrics.set_database_up(True)
    assert value(registry, "safetybot_rate_limited_total", platform="telegram") == 2
    assert value(registry, "safetybot_rate_limit_wait_seconds_total", platform="telegram") == 4.5
    assert value(registry, "safetybot_database_up") == 1
    metrics.count_database_unavailable()
    assert value(registry, "safetybot_database_up") == 0
    assert value(registry, "safetybot_database_unavailable_total") == 1


def test_outbox_and_campaign_gauges_come_from_the_callbacks() -> None:
    registry = CollectorRegistry()
    metrics = Metrics(registry)
    outbox: list[tuple[int, float] | None] = [None]
    metrics.watch_outbox(lambda: outbox[0])
    metrics.watch_campaigns(lambda: {"queued": 10, "sent": 4, "bogus-state": 99})

    assert value(registry, "safetybot_outbox_depth") is None  # not measured yet: no sample at all
    outbox[0] = (1200, 95.0)
    assert value(registry, "safetybot_outbox_depth") == 1200
    assert value(registry, "safetybot_outbox_oldest_due_seconds") == 95.0
    states = {
        sample.labels["state"]: sample.value
        for sample in samples(registry)
        if sample.name == "safetybot_campaign_deliveries"
    }
    assert states == {"queued": 10, "sent": 4, "failed": 0}
    assert set(states) == set(CAMPAIGN_STATES)


def test_a_failing_probe_leaves_the_rest_of_the_scrape_alone(caplog: pytest.LogCaptureFixture) -> None:
    registry = CollectorRegistry()
    metrics = Metrics(registry)

    def broken() -> tuple[int, float]:
        raise ConnectionError("postgresql://bot:hunter2@db/safetybot")

    metrics.watch_outbox(broken)
    with caplog.at_level(logging.WARNING, logger="bot.telemetry.metrics"):
        names = {sample.name for sample in samples(registry)}
    assert "safetybot_outbox_depth" not in names
    assert "safetybot_updates_total" in names
    assert "ConnectionError" in caplog.text
    assert "hunter2" not in caplog.text


# ------------------------------------------------------------------------------------------------- logs


@pytest.fixture
def clean_logging() -> Iterator[None]:
    """Put the root logger and every quieted logger back as they were."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    names = [noisy.name for noisy in NOISY_LOGGERS] + ["telegram.ext.ExtBot", "discord.gateway"]
    levels = {name: logging.getLogger(name).level for name in names}
    yield
    for handler in root.handlers[:]:
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)
    for name, saved in levels.items():
        logging.getLogger(name).setLevel(saved)


def record(
    message: str,
    *args: object,
    level: int = logging.INFO,
    name: str = "bot.test",
    exc_info: object = None,
    **extra: object,
) -> logging.LogRecord:
    made = logging.LogRecord(name, level, __file__, 1, message, args or None, exc_info)  # type: ignore[arg-type]
    for key, item in extra.items():
        setattr(made, key, item)
    return made


def test_json_lines_carry_time_level_logger_event_and_known_extras() -> None:
    formatter = JsonFormatter()
    line = formatter.format(
        record(
            "delivery %d sent\nsecond line",
            41,
            platform="telegram",
            delivery_id=41,
            latency_ms=12.5,
            update_id=9001,
            role="sender",
            user_id="12345",  # not a known extra: left out
            text="what someone wrote",  # not a known extra: left out
        )
    )
    assert "\n" not in line
    data = json.loads(line)
    assert set(data) == {"time", "level", "logger", "event", *EXTRA_FIELDS}
    assert data["event"] == "delivery 41 sent\nsecond line"
    assert data["level"] == "INFO"
    assert data["logger"] == "bot.test"
    assert data["platform"] == "telegram"
    assert data["delivery_id"] == 41
    assert data["latency_ms"] == 12.5
    assert data["role"] == "sender"
    assert data["time"].endswith("Z")
    assert datetime.fromisoformat(data["time"]).utcoffset().total_seconds() == 0
    plain = json.loads(formatter.format(record("started")))
    assert set(plain) == {"time", "level", "logger", "event"}


def test_role_default_and_message_formatted_as_given() -> None:
    formatter = JsonFormatter({"role": "chat"})
    data = json.loads(formatter.format(record("answered %s in %.1f ms", "topic-7", 1.25)))
    assert data["event"] == "answered topic-7 in 1.2 ms"
    assert data["role"] == "chat"
    assert json.loads(formatter.format(record("x", role="sender")))["role"] == "sender"
    # The formatter does not redact: whatever a caller passes as an argument is in the line. Callers
    # log ids and type names, never text (see PayloadFilter for the libraries that don't).
    assert "hello there" in formatter.format(record("got %s", "hello there"))


def _fail_with_secret_local() -> None:
    secret_local = "what a person wrote to the bot"  # noqa: F841 - must never appear in a log line
    raise ValueError("postgresql://bot:hunter2@db/safetybot and what a person wrote")


def test_exception_is_a_type_name_and_short_traceback() -> None:
    """Never the exception's message, never the frames' locals."""
    try:
        try:
            _fail_with_secret_local()
        except ValueError as error:
            raise RuntimeError("wrapped") from error
    except RuntimeError:
        line = JsonFormatter().format(record("send failed", level=logging.ERROR, exc_info=sys.exc_info()))
    data = json.loads(line)
    assert data["error"] == "RuntimeError"
    assert data["error_cause"] == "ValueError"
    assert data["traceback"][-1].startswith("tests/test_telemetry_parts.py:")
    assert data["traceback"][-1].endswith(" in test_exception_is_a_type_name_and_short_traceback")
    assert all(re.fullmatch(r"\S+:\d+ in \S+", frame) for frame in data["traceback"])
    for leak in ("what a person wrote", "hunter2", "wrapped", "secret_local"):
        assert leak not in line


def test_short_traceback_keeps_the_innermost_frames() -> None:
    def deep(level: int) -> None:
        if level == 0:
            raise KeyError("x")
        deep(level - 1)

    try:
        deep(20)
    except KeyError as error:
        frames = short_traceback(error.__traceback__, limit=5)
    assert len(frames) == 5
    assert all(frame.endswith(" in deep") for frame in frames)


def test_configure_installs_one_json_handler_on_the_root(clean_logging: None) -> None:
    stream = io.StringIO()
    handler = configure("json", "DEBUG", stream=stream, role="scheduler")
    assert logging.getLogger().handlers == [handler]
    assert logging.getLogger().level == logging.DEBUG
    logging.getLogger("bot.app.runner").debug(
        "dispatcher enqueued %d deliveries", 3, extra={"platform": "console"}
    )
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert lines[-1]["event"] == "dispatcher enqueued 3 deliveries"
    assert lines[-1]["role"] == "scheduler"
    assert lines[-1]["platform"] == "console"

    text_stream = io.StringIO()
    configure("text", "info", stream=text_stream)
    logging.getLogger("bot.x").info("hello operator")
    assert re.search(r" INFO bot\.x: hello operator$", text_stream.getvalue().strip())
    with pytest.raises(ValueError, match="log format"):
        configure("xml", "INFO")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="log level"):
        configure("json", "LOUD")


def test_third_party_loggers_that_log_contents_are_quieted_at_debug(clean_logging: None) -> None:
    stream = io.StringIO()
    configure("json", "DEBUG", stream=stream)
    # The very logger objects the libraries log payloads with (see NOISY_LOGGERS for file:line).
    library_loggers = [
        telegram.Bot._LOGGER,
        telegram.ext.ExtBot._LOGGER,
        telegram.ext._application._LOGGER,
        telegram.ext._utils.webhookhandler._LOGGER,
        discord.gateway._log,
        discord.http._log,
        discord.webhook.async_._log,
        httpx._client.logger,
        logging.getLogger("httpcore.http11"),
        logging.getLogger("aiosqlite"),
        logging.getLogger("aiohttp.access"),
        logging.getLogger("tornado.access"),
    ]
    for logger in library_loggers:
        assert logger.getEffectiveLevel() >= logging.WARNING, logger.name
        assert not logger.isEnabledFor(logging.INFO), logger.name
    telegram.ext.ExtBot._LOGGER.debug(
        "Calling Bot API endpoint `%s` with parameters `%s`", "sendMessage", {"text": "my password is"}
    )
    discord.gateway._log.debug("For Shard ID %s: WebSocket Event: %s", 0, {"d": {"content": "help me"}})
    httpx._client.logger.info('HTTP Request: POST https://api.telegram.org/bot123:SECRET/sendMessage "200"')
    logging.getLogger("bot.core").debug("ours still logs at DEBUG")
    output = stream.getvalue()
    for leak in ("my password is", "help me", "SECRET"):
        assert leak not in output
    assert "ours still logs at DEBUG" in output


def test_quieting_never_makes_a_library_louder_than_the_root(clean_logging: None) -> None:
    configure("text", "ERROR", stream=io.StringIO())
    assert logging.getLogger("telegram").level == logging.ERROR
    assert QuietThirdParty(["discord.http"]).loggers == ("discord.http",)


def test_payload_filter_drops_library_records_that_carry_contents(clean_logging: None) -> None:
    stream = io.StringIO()
    configure("json", "DEBUG", stream=stream)
    # Someone lowered a library logger again after configure: the handler's filter still holds.
    logging.getLogger("discord.gateway").setLevel(logging.DEBUG)
    logging.getLogger("telegram.ext.Application").setLevel(logging.DEBUG)
    logging.getLogger("discord.gateway").debug(
        "For Shard ID %s: WebSocket Event: %s",
        None,
        {"t": "MESSAGE_CREATE", "d": {"content": "someone is threatening me", "author": {"id": "55"}}},
    )
    logging.getLogger("telegram.ext.Application").debug(
        "Processing update %s", "Update(message=Message(text='they shared my photos'), update_id=7)"
    )
    logging.getLogger("discord.gateway").debug("Shard ID %s has sent the IDENTIFY payload.", None)
    output = stream.getvalue()
    assert "someone is threatening me" not in output
    assert "they shared my photos" not in output
    assert "has sent the IDENTIFY payload" in output


def test_a_severe_payload_record_is_kept_with_its_message_withheld(clean_logging: None) -> None:
    stream = io.StringIO()
    configure("text", "INFO", stream=stream)
    payload = {"update_id": 1, "message": {"text": "I want to end it", "chat": {"id": 42}}}
    try:
        raise KeyError("I want to end it")
    except KeyError as error:
        logging.getLogger("telegram.ext.Updater").critical(
            "Something went wrong processing the data received from Telegram. Received data was: %r",
            payload,
            exc_info=error,
        )
    logging.getLogger("bot.adapters").warning("our own line with %s", {"text": "kept: we never log text"})
    output = stream.getvalue()
    assert "I want to end it" not in output
    assert "CRITICAL telegram.ext.Updater: message withheld" in output
    assert "(KeyError)" in output
    assert "kept: we never log text" in output  # only library records are inspected


def test_payload_filter_can_drop_severe_records_too() -> None:
    strict = PayloadFilter(keep_severe=False)
    lenient = PayloadFilter()
    severe = record("data: %r", {"text": "x"}, level=logging.CRITICAL, name="telegram.Bot")
    assert strict.filter(severe) is False
    assert lenient.filter(record("data: %r", {"text": "x"}, level=logging.CRITICAL, name="telegram.Bot"))
    assert lenient.filter(
        record("Rate limit hit. Retrying after %f seconds", 3.0, name="telegram.ext.AIORateLimiter")
    )
    assert lenient.filter(
        record("a %s", "b", name="telegramx.other")
    )  # a prefix of a name is not the library
    assert not lenient.filter(record("a %r", {"content": "x"}, name="discord.http", level=logging.DEBUG))


# ---------------------------------------------------------------------------------------- container files


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) per instruction, continuation lines joined, comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in (ROOT / "Dockerfile").read_text().splitlines():
        line = raw.strip()
        if not line or (line.startswith("#") and not pending):
            continue
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        full = pending + line
        pending = ""
        keyword, _, rest = full.partition(" ")
        instructions.append((keyword.upper(), rest.strip()))
    assert not pending
    return instructions


def test_dockerfile_has_a_builder_and_a_slim_non_root_final_stage() -> None:
    instructions = dockerfile_instructions()
    stages = [index for index, (keyword, _) in enumerate(instructions) if keyword == "FROM"]
    assert len(stages) == 2
    assert instructions[stages[0]][1] == "python:3.11-slim AS builder"
    assert instructions[stages[1]][1] == "python:3.11-slim"
    builder = instructions[stages[0] : stages[1]]
    final = instructions[stages[1] :]

    assert any(
        keyword == "RUN" and "pip wheel" in args and ".[postgres]" in args for keyword, args in builder
    )
    install = next(args for keyword, args in final if keyword == "RUN" and "pip install" in args)
    assert "from=builder" in install
    assert "safetybot[postgres]" in install
    assert "--no-index" in install

    final_keywords = [keyword for keyword, _ in final]
    user = next(args for keyword, args in final if keyword == "USER")
    assert user.split(":")[0] not in {"root", "0"}
    assert final_keywords.index("USER") > final_keywords.index("RUN")  # installs run as root, the bot doesn't
    assert ("WORKDIR", "/app") in final
    env = " ".join(args for keyword, args in final if keyword == "ENV")
    assert "SAFETYBOT_DATA_DIR=/data" in env
    assert "SAFETYBOT_CONTENT_DIR=/app/content" in env  # the wheel carries no content/
    assert any(keyword == "COPY" and args.startswith("content ") for keyword, args in final)
    assert ("VOLUME", '["/data"]') in final

    healthcheck = next(args for keyword, args in final if keyword == "HEALTHCHECK")
    assert "CMD python -c" in healthcheck
    assert "urllib.request" in healthcheck
    assert "http://127.0.0.1:${SAFETYBOT_METRICS_PORT:-9102}/healthz" in healthcheck
    assert "curl" not in healthcheck
    command = healthcheck.split("CMD", 1)[1]
    python_code = shlex.split(command)[2]
    compile(python_code.replace("${SAFETYBOT_METRICS_PORT:-9102}", "9102"), "healthcheck", "exec")

    cmd = [args for keyword, args in final if keyword == "CMD"]
    assert len(cmd) == 1
    assert json.loads(cmd[0]) == ["safetybot", "run"]
    assert final_keywords[-1] == "CMD"


def test_dockerignore_keeps_secrets_and_local_state_out_of_the_context() -> None:
    lines = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert lines[0] == "*"  # everything out, then the build inputs back in
    let_in = {line[1:] for line in lines if line.startswith("!")}
    assert let_in == {"pyproject.toml", "README.md", "LICENSE", "bot", "adapters", "content"}
    for needed in let_in:
        assert (ROOT / needed).exists()
    assert "**/.env" in lines
    copied = {
        args.split()[0]
        for keyword, args in dockerfile_instructions()
        if keyword == "COPY" and "--from" not in args
    }
    assert copied <= let_in


def test_compose_runs_postgres_and_every_role_from_the_dockerfile() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"postgres", "chat", "scheduler", "sender", "dashboard"}

    postgres = services["postgres"]
    assert postgres["image"] == "postgres:16"
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    volume = postgres["volumes"][0].split(":")
    assert volume[1] == "/var/lib/postgresql/data"
    assert volume[0] in compose["volumes"]

    for role in ("chat", "scheduler", "sender", "dashboard"):
        service = services[role]
        command = (
            service["command"] if isinstance(service["command"], list) else shlex.split(service["command"])
        )
        assert command == ["safetybot", "run", "--role", role]
        assert service["build"]["context"] == "."
        assert service["build"]["dockerfile"] == "Dockerfile"
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert service["env_file"] in (".env", [".env"])
        environment = service["environment"]
        assert re.fullmatch(
            r"postgresql\+asyncpg://safetybot:\$\{POSTGRES_PASSWORD[^}]*\}@postgres/safetybot",
            environment["DATABASE_URL"],
        )
        assert str(environment["SAFETYBOT_METRICS_PORT"]) == "9102"
        assert environment["SAFETYBOT_METRICS_HOST"] == "0.0.0.0"

    dashboard = services["dashboard"]
    assert str(dashboard["environment"]["SAFETYBOT_DASHBOARD_PORT"]) == "8080"
    assert any(str(port).endswith(":8080:8080") for port in dashboard["ports"])
    # No bot service publishes its metrics port on the host: Prometheus scrapes them on the network.
    for role in ("chat", "scheduler", "sender", "dashboard"):
        assert not any("9102" in str(port) for port in services[role].get("ports", []))
