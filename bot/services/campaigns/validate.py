"""Checking a campaign file: every problem with its file and line, against the shipped content."""

from __future__ import annotations

from pathlib import Path

from bot.content.library import ContentLibrary
from bot.content.problems import Problem
from bot.content.reading import validate_file
from bot.core.timezones import BadZone, zone
from bot.services.campaigns.models import PLATFORMS, SUBSCRIBER_ZONE, CampaignFile


def validate_campaign(path: Path, content: ContentLibrary) -> tuple[CampaignFile | None, list[Problem]]:
    """The campaign and its problems (the campaign is None when the file itself is invalid)."""
    problems: list[Problem] = []
    if not path.is_file():
        return None, [Problem(path, 1, "file not found")]
    located = validate_file(path, CampaignFile, problems)
    if located is None:
        return None, problems
    campaign = located.model
    assert isinstance(campaign, CampaignFile)
    shipped = content.shipped
    if campaign.fallback_language not in shipped:
        problems.append(
            Problem(
                path,
                located.line("fallback_language"),
                f"fallback_language {campaign.fallback_language!r} "
                f"is not a shipped language ({', '.join(shipped)})",
            )
        )
    for index, platform in enumerate(campaign.audience.platforms):
        if platform not in PLATFORMS:
            problems.append(
                Problem(path, located.line("audience", "platforms", index), f"unknown platform {platform!r}")
            )
    for index, lang in enumerate(campaign.audience.languages):
        if lang not in shipped:
            problems.append(
                Problem(
                    path, located.line("audience", "languages", index), f"language {lang!r} is not shipped"
                )
            )
    for index, category in enumerate(campaign.audience.categories):
        if category not in content.catalog.categories:
            problems.append(
                Problem(path, located.line("audience", "categories", index), f"unknown category {category!r}")
            )
    if campaign.schedule.timezone != SUBSCRIBER_ZONE:
        try:
            zone(campaign.schedule.timezone)
        except BadZone:
            problems.append(
                Problem(
                    path,
                    located.line("schedule", "timezone"),
                    f"unknown time zone {campaign.schedule.timezone!r}; use an IANA name such as "
                    f"Europe/Brussels, or {SUBSCRIBER_ZONE!r} for each chat's own zone",
                )
            )
    for index, message in enumerate(campaign.messages):
        if message.tip is not None and content.tip(campaign.fallback_language, message.tip) is None:
            problems.append(
                Problem(path, located.line("messages", index, "tip"), f"tip {message.tip!r} does not exist")
            )
        if message.text is not None:
            for lang in message.text:
                if lang not in shipped:
                    problems.append(
                        Problem(
                            path,
                            located.line("messages", index, "text", lang),
                            f"language {lang!r} is not shipped",
                        )
                    )
            if campaign.fallback_language not in message.text:
                problems.append(
                    Problem(
                        path,
                        located.line("messages", index, "text"),
                        f"no text in the fallback language {campaign.fallback_language!r}",
                    )
                )
            for lang, text in message.text.items():
                if len(text) > 3500:
                    problems.append(
                        Problem(
                            path, located.line("messages", index, "text", lang), "text over 3,500 characters"
                        )
                    )
    return campaign, problems
