"""Discord's settings, read from the same DISCORD_* environment variables (and .env) as always."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.app.settings import blank_is_unset, comma_list, read_settings


class DiscordSettings(BaseSettings):
    """Every DISCORD_* setting; a wrong value stops start-up with one line naming it."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    discord_bot_token: SecretStr | None = None
    discord_dev_guild_id: int | None = None
    discord_shard_count: int | None = Field(default=None, ge=1, le=10_000)
    discord_shard_ids: Annotated[tuple[int, ...], NoDecode] = ()

    @field_validator("discord_bot_token", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return blank_is_unset(value)

    @field_validator("discord_shard_ids", mode="before")
    @classmethod
    def _parse_shard_ids(cls, value: object) -> tuple[int, ...]:
        try:
            return tuple(int(item) for item in comma_list(value))
        except ValueError:
            raise ValueError("expects shard numbers separated by commas, e.g. 0,1") from None


def load(**overrides: object) -> DiscordSettings:
    """Discord's settings from the environment (see ``bot.app.settings.read_settings``)."""
    return read_settings(DiscordSettings, **overrides)
