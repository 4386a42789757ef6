"""WhatsApp's settings, read from WHATSAPP_* environment variables (and .env)."""

from __future__ import annotations

import re

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.app.settings import blank_is_unset, read_settings

DEFAULT_API_BASE_URL = "https://graph.facebook.com"
DEFAULT_API_VERSION = "v21.0"


class WhatsAppSettings(BaseSettings):
    """Every WHATSAPP_* setting; a wrong value stops start-up with one line naming it.

    Attributes:
        whatsapp_token: the access token (a system user's permanent token in production); starts WhatsApp.
        whatsapp_phone_number_id: the business number's id (not the number itself), from the app dashboard.
        whatsapp_app_secret: the Meta app's secret; every webhook POST must be signed with it.
        whatsapp_verify_token: a word you choose and type into the webhook set-up, to prove the URL is yours.
        whatsapp_api_base_url: the Graph API (a stand-in or a proxy in tests).
        whatsapp_webhook_port: where the webhook server listens (0: any free port, for tests).
        whatsapp_messages_per_second: the business number's throughput (80 by default, up to 1,000 after
            Meta upgrades it).
        whatsapp_pair_gap_seconds: seconds between two scheduled messages to one person (Meta's pair rate).
    """

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    whatsapp_token: SecretStr | None = None
    whatsapp_phone_number_id: str | None = None
    whatsapp_app_secret: SecretStr | None = None
    whatsapp_verify_token: SecretStr | None = None
    whatsapp_api_base_url: str = DEFAULT_API_BASE_URL
    whatsapp_api_version: str = DEFAULT_API_VERSION
    whatsapp_webhook_host: str = "0.0.0.0"
    whatsapp_webhook_port: int = Field(default=8445, ge=0, le=65535)
    whatsapp_webhook_path: str = "/whatsapp/webhook"
    whatsapp_rate_limit: bool = True
    whatsapp_messages_per_second: float = Field(default=80, gt=0, le=1000)
    whatsapp_pair_gap_seconds: float = Field(default=6.0, ge=0, le=600)

    @field_validator(
        "whatsapp_token",
        "whatsapp_phone_number_id",
        "whatsapp_app_secret",
        "whatsapp_verify_token",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return blank_is_unset(value)

    @field_validator("whatsapp_phone_number_id")
    @classmethod
    def _check_phone_number_id(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[0-9]{5,32}", value.strip()):
            raise ValueError("must be the phone number ID (digits) from the app's WhatsApp API set-up page")
        return value.strip() if value is not None else None

    @field_validator("whatsapp_api_base_url")
    @classmethod
    def _check_api_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("must be an http(s) URL such as https://graph.facebook.com")
        return value.rstrip("/")

    @field_validator("whatsapp_api_version")
    @classmethod
    def _check_version(cls, value: str) -> str:
        if not re.fullmatch(r"v[0-9]{1,3}\.[0-9]{1,2}", value):
            raise ValueError("must be a Graph API version such as v21.0")
        return value

    @field_validator("whatsapp_webhook_path")
    @classmethod
    def _check_path(cls, value: str) -> str:
        if not re.fullmatch(r"/[A-Za-z0-9_./-]{0,200}", value):
            raise ValueError("must be a URL path starting with /, e.g. /whatsapp/webhook")
        return value

    @model_validator(mode="after")
    def _token_needs_a_number(self) -> WhatsAppSettings:
        if self.whatsapp_token is not None and self.whatsapp_phone_number_id is None:
            raise ValueError("WHATSAPP_PHONE_NUMBER_ID is needed with WHATSAPP_TOKEN")
        return self

    @property
    def messages_url(self) -> str:
        """Where messages are sent: ``{base}/{version}/{phone-number-id}/messages``."""
        base = f"{self.whatsapp_api_base_url}/{self.whatsapp_api_version}"
        return f"{base}/{self.whatsapp_phone_number_id}/messages"


def load(**overrides: object) -> WhatsAppSettings:
    """WhatsApp's settings from the environment (see ``bot.app.settings.read_settings``)."""
    return read_settings(WhatsAppSettings, **overrides)
