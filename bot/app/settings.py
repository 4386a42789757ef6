"""Settings from the environment and an optional .env file; a bad value stops start-up with one clear line."""

from __future__ import annotations

import re
import typing
from pathlib import Path
from typing import Annotated, Literal, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.storage.dialect.connection import PoolOptions

Role = Literal["all", "chat", "scheduler", "sender", "dashboard"]
"""What a process does: everything, the platform connections, the clock's jobs, draining the outbox, or
serving the organizers' dashboard alone."""
ROLES: tuple[Role, ...] = typing.get_args(Role)

_ADMIN = re.compile(r"^[a-z][a-z0-9_-]*:[A-Za-z0-9_.@-]+$")
_LOG_LEVELS = {"CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"}


class SettingsError(Exception):
    """A setting is wrong; the message names the setting and never shows a secret's value."""


class Settings(BaseSettings):
    """Every setting the bot reads. Names are the environment variables, upper-cased."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: SecretStr | None = None
    database_pool_size: int = Field(default=5, ge=1, le=500)
    database_max_overflow: int = Field(default=10, ge=0, le=500)
    database_pool_timeout_seconds: float = Field(default=30, gt=0, le=600)
    database_connect_timeout_seconds: float = Field(default=10, gt=0, le=600)
    database_statement_timeout_seconds: float = Field(default=30, ge=0, le=3600)
    database_retry_max_seconds: float = Field(default=30, ge=1, le=600)
    safetybot_role: Role = "all"
    safetybot_clock_seconds: float = Field(default=60, ge=0.5, le=3600)
    safetybot_data_dir: Path = Path("data")
    safetybot_content_dir: Path | None = None
    safetybot_cache_dir: Path | None = None
    safetybot_encoder: Literal["use", "none"] = "use"
    safetybot_admins: Annotated[tuple[str, ...], NoDecode] = ()
    safetybot_viewers: Annotated[tuple[str, ...], NoDecode] = ()
    safetybot_dashboard_port: int | None = Field(default=None, ge=1, le=65535)
    safetybot_dashboard_host: str = "127.0.0.1"
    safetybot_dashboard_url: str | None = None
    safetybot_default_tz: str = "UTC"
    safetybot_default_language: str = "en"
    safetybot_flood_limit_per_minute: int = Field(default=20, ge=1, le=10_000)
    safetybot_payload_secret: SecretStr | None = None
    safetybot_missed_tip_grace_hours: float = Field(default=6, ge=0, le=48)
    safetybot_delivery_max_attempts: int = Field(default=5, ge=1, le=50)
    safetybot_sender_concurrency: int = Field(default=16, ge=1, le=512)
    safetybot_sender_batch: int = Field(default=200, ge=1, le=10_000)
    safetybot_sender_lease_seconds: float = Field(default=120, ge=5, le=3600)
    safetybot_challenge_round_size: int = Field(default=5, ge=1, le=20)
    safetybot_challenge_round_minutes: float = Field(default=30, gt=0, le=7 * 24 * 60)
    safetybot_metrics_port: int | None = Field(default=None, ge=1, le=65535)
    safetybot_metrics_host: str = "127.0.0.1"
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"

    @field_validator("database_url", "safetybot_payload_secret", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return blank_is_unset(value)

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        try:
            url = make_url(value.get_secret_value())
        except ArgumentError:
            raise ValueError("is not a database URL (e.g. sqlite+aiosqlite:///data/safetybot.db)") from None
        if url.get_backend_name() not in {"sqlite", "postgresql"}:
            raise ValueError("must be a SQLite or PostgreSQL URL") from None
        if url.get_backend_name() == "sqlite" and url.get_driver_name() != "aiosqlite":
            raise ValueError("for SQLite use the async driver: sqlite+aiosqlite:///path/to/file.db") from None
        if url.get_backend_name() == "postgresql" and url.get_driver_name() != "asyncpg":
            raise ValueError(
                "for PostgreSQL use the async driver: postgresql+asyncpg://user@host/db"
            ) from None
        return value

    @field_validator("safetybot_dashboard_port", "safetybot_dashboard_url", mode="before")
    @classmethod
    def _blank_is_unset_dashboard(cls, value: object) -> object:
        return blank_is_unset(value)

    @field_validator("safetybot_dashboard_url")
    @classmethod
    def _check_dashboard_url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("must be the dashboard's public address, e.g. https://bot.example.org/dashboard")
        return value.rstrip("/") if value is not None else None

    @field_validator("safetybot_admins", "safetybot_viewers", mode="before")
    @classmethod
    def _parse_admins(cls, value: object) -> tuple[str, ...]:
        if value is None or value == "":
            return ()
        items = [part.strip() for part in value.split(",")] if isinstance(value, str) else list(value)  # type: ignore[arg-type]
        admins = tuple(item for item in items if item)
        bad = [item for item in admins if not _ADMIN.match(item)]
        if bad:
            raise ValueError(
                f"expects platform:user_id entries separated by commas (e.g. telegram:12345), not {bad[0]!r}"
            )
        return admins

    @field_validator("safetybot_default_tz")
    @classmethod
    def _check_tz(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r}; use an IANA name such as Europe/Madrid or UTC"
            ) from None
        return value

    @field_validator("log_level")
    @classmethod
    def _check_level(cls, value: str) -> str:
        if value.upper() not in _LOG_LEVELS:
            raise ValueError(f"must be one of {', '.join(sorted(_LOG_LEVELS))}")
        return value.upper()

    @property
    def database_url_text(self) -> str:
        """The database URL to connect to: DATABASE_URL, else SQLite in the data folder."""
        if self.database_url is not None:
            return self.database_url.get_secret_value()
        return f"sqlite+aiosqlite:///{(self.safetybot_data_dir / 'safetybot.db').resolve()}"

    @property
    def cache_dir(self) -> Path:
        """Where computed vectors and fitted models are kept: SAFETYBOT_CACHE_DIR, else <data dir>/cache."""
        return self.safetybot_cache_dir or self.safetybot_data_dir / "cache"

    @property
    def pool_options(self) -> PoolOptions:
        """How the database engine connects (pool sizes, timeouts, retry back-off)."""
        return PoolOptions(
            size=self.database_pool_size,
            max_overflow=self.database_max_overflow,
            timeout_seconds=self.database_pool_timeout_seconds,
            connect_timeout_seconds=self.database_connect_timeout_seconds,
            statement_timeout_seconds=self.database_statement_timeout_seconds,
            retry_max_seconds=self.database_retry_max_seconds,
        )

    @property
    def uses_default_sqlite(self) -> bool:
        return self.database_url is None

    def is_organizer(self, platform: str, user_id: str) -> bool:
        """Whether a person is listed in SAFETYBOT_ADMINS."""
        return f"{platform}:{user_id}" in self.safetybot_admins

    @property
    def dashboard_public_url(self) -> str:
        """Where sign-in links point: SAFETYBOT_DASHBOARD_URL, else the local dashboard's address."""
        if self.safetybot_dashboard_url:
            return self.safetybot_dashboard_url
        host = self.safetybot_dashboard_host
        return f"http://{host}:{self.safetybot_dashboard_port or 8080}/dashboard"


T = TypeVar("T", bound=BaseSettings)


def read_settings(model: type[T], **overrides: object) -> T:
    """Read a settings model from the environment (and .env), with explicit overrides for tests; the
    platforms' settings (beside their adapters) are read the same way.

    Raises:
        SettingsError: naming the first bad setting, with no secret value in the message.
    """
    try:
        return model(**overrides)
    except ValidationError as error:
        first = error.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "settings"
        message = first["msg"].removeprefix("Value error, ")
        raise SettingsError(f"setting {name}: {message}") from None


def load_settings(**overrides: object) -> Settings:
    """The core's settings (see ``read_settings``)."""
    return read_settings(Settings, **overrides)


def blank_is_unset(value: object) -> object:
    """A setting given as an empty string counts as not set."""
    return None if isinstance(value, str) and not value.strip() else value


def comma_list(value: object) -> tuple[str, ...]:
    """A setting given as "a, b, c" (or a list) as a tuple of its non-empty parts."""
    if value is None or value == "":
        return ()
    items = [part.strip() for part in value.split(",")] if isinstance(value, str) else list(value)  # type: ignore[arg-type]
    return tuple(str(item) for item in items if str(item))
