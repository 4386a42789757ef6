"""The campaign file: name, audience, schedule and messages, validated with pydantic."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Self

from pydantic import Field, model_validator

from bot.content.models import NonEmpty, Slug, Strict
from bot.storage.campaigns import Recipients

SUBSCRIBER_ZONE = "subscriber"
"""Schedule timezone meaning: each chat at this local time in its own zone."""
PLATFORMS = ("telegram", "discord", "console")


class Audience(Strict):
    """Who receives it. Empty filters mean every active subscriber."""

    platforms: list[str] = Field(default_factory=list)
    languages: list[str] = Field(default_factory=list)
    categories: list[Slug] = Field(default_factory=list)
    chats: list[Annotated[str, Field(pattern=r"^[a-z]+:-?[A-Za-z0-9_.@-]+$")]] = Field(default_factory=list)

    def recipients(self) -> Recipients:
        """The audience as the campaigns store's query reads it."""
        return Recipients(self.chats, self.platforms, self.languages, self.categories)


class DailyWindow(Strict):
    """Every day between two dates (inclusive) at a local time."""

    time: Annotated[str, Field(pattern=r"^([01]?\d|2[0-3]):[0-5]\d$")]
    first_day: date = Field(alias="from")
    last_day: date = Field(alias="to")

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.last_day < self.first_day:
            raise ValueError("'to' is before 'from'")
        if (self.last_day - self.first_day).days > 366:
            raise ValueError("a daily campaign can last a year at most")
        return self


class Schedule(Strict):
    """A one-off moment (``at``) or a daily window; local to ``timezone`` or to each subscriber."""

    at: datetime | None = None
    daily: DailyWindow | None = None
    timezone: NonEmpty = SUBSCRIBER_ZONE

    @model_validator(mode="after")
    def _one_kind(self) -> Self:
        if (self.at is None) == (self.daily is None):
            raise ValueError("give either 'at' (one moment) or 'daily' (a window), not both or neither")
        if self.at is not None and self.at.tzinfo is not None:
            raise ValueError("'at' is a local time without an offset; the zone comes from 'timezone'")
        return self


class Message(Strict):
    """One message: a tip by id (in each recipient's language) or custom text per language."""

    tip: Slug | None = None
    text: dict[str, NonEmpty] | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Self:
        if (self.tip is None) == (self.text is None):
            raise ValueError("give either 'tip' or 'text'")
        return self


class CampaignFile(Strict):
    """A campaign as an organizer writes it."""

    name: NonEmpty
    audience: Audience = Field(default_factory=Audience)
    schedule: Schedule
    messages: Annotated[list[Message], Field(min_length=1)]
    fallback_language: str = "en"
