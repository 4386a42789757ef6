"""Telegram's settings, read from the same TELEGRAM_* environment variables (and .env) as always."""

from __future__ import annotations

import re

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.app.settings import blank_is_unset, read_settings


class TelegramSettings(BaseSettings):
    """Every TELEGRAM_* setting; a wrong value stops start-up with one line naming it."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str | None = None
    telegram_webhook_url: str | None = None
    telegram_webhook_listen: str = "0.0.0.0"
    telegram_webhook_port: int = Field(default=8443, ge=1, le=65535)
    telegram_webhook_secret: SecretStr | None = None
    telegram_rate_limit: bool = True
    telegram_messages_per_second: float = Field(default=30, gt=0, le=1000)
    telegram_group_messages_per_minute: float = Field(default=20, gt=0, le=1000)
    telegram_concurrent_updates: int = Field(default=16, ge=1, le=512)
    telegram_admin_cache_seconds: float = Field(default=60, ge=0, le=3600)
    telegram_paid_broadcast: bool = False

    @field_validator("telegram_bot_token", "telegram_webhook_secret", "telegram_webhook_url", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return blank_is_unset(value)

    @field_validator("telegram_api_base_url")
    @classmethod
    def _check_api_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("must be an http(s) URL such as https://api.telegram.org/bot")
        return value.rstrip("/")

    @field_validator("telegram_webhook_url")
    @classmethod
    def _check_webhook_url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("must be the public https URL Telegram should post updates to")
        return value

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _check_webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not re.match(r"^[A-Za-z0-9_-]{1,256}$", value.get_secret_value()):
            raise ValueError("may hold only letters, digits, _ and - (1 to 256 characters)")
        return value


def load(**overrides: object) -> TelegramSettings:
    """Telegram's settings from the environment (see ``bot.app.settings.read_settings``)."""
    return read_settings(TelegramSettings, **overrides)
