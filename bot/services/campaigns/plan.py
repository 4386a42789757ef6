"""A campaign's runs: which message goes on which day, and from when each chat may receive it.

A run in a fixed zone has one moment. A run "at each subscriber's local time" starts at the earliest
zone on Earth (UTC+14) and every chat's delivery waits for its own zone's local time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from bot.content.library import ContentLibrary
from bot.content.texts import Texts
from bot.core.timezones import occurrence, parse_local_time, zone
from bot.services.campaigns.models import SUBSCRIBER_ZONE, CampaignFile

EARLIEST_ZONE = "Etc/GMT-14"
"""UTC+14 (Kiribati): the first place on Earth where a given local time comes."""


@dataclass(frozen=True, slots=True)
class Run:
    """One sending: its index, local day and time, and message."""

    index: int
    day: date
    wall: time
    message_index: int


def runs(campaign: CampaignFile) -> list[Run]:
    """Every run of a campaign, in order (a daily window cycles through its messages)."""
    schedule = campaign.schedule
    if schedule.at is not None:
        return [Run(0, schedule.at.date(), schedule.at.time().replace(second=0, microsecond=0), 0)]
    assert schedule.daily is not None
    wall = parse_local_time(schedule.daily.time)
    days = (schedule.daily.last_day - schedule.daily.first_day).days + 1
    return [
        Run(i, schedule.daily.first_day + timedelta(days=i), wall, i % len(campaign.messages))
        for i in range(days)
    ]


def run_start(run: Run, timezone_name: str) -> datetime:
    """The UTC instant a run begins (the earliest zone's, for subscriber-local campaigns)."""
    return occurrence(
        run.day, run.wall, zone(EARLIEST_ZONE if timezone_name == SUBSCRIBER_ZONE else timezone_name)
    )


def local_start(run: Run, timezone_name: str) -> datetime:
    """When a chat in ``timezone_name`` receives a run."""
    return occurrence(run.day, run.wall, zone(timezone_name))


def snapshot_texts(campaign: CampaignFile, content: ContentLibrary, texts: Texts) -> list[dict[str, str]]:
    """Each message rendered in every shipped language (the fallback language where it has no text)."""
    rendered: list[dict[str, str]] = []
    for message in campaign.messages:
        per_language: dict[str, str] = {}
        for lang in content.shipped:
            if message.tip is not None:
                tip = content.tip(lang, message.tip) or content.tip(campaign.fallback_language, message.tip)
                if tip is not None:
                    per_language[lang] = texts.tip(lang, tip)
            elif message.text is not None:
                per_language[lang] = message.text.get(lang) or message.text[campaign.fallback_language]
        rendered.append(per_language)
    return rendered


def upcoming(campaign: CampaignFile, now: datetime) -> list[Run]:
    """The runs that have not started yet."""
    return [run for run in runs(campaign) if run_start(run, campaign.schedule.timezone) > now.astimezone(UTC)]
