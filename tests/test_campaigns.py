"""Campaigns: the file and its checks, the organizer CLI, the runner, pause/resume/cancel, /campaign."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app.wiring import Core
from bot.content.library import ContentLibrary
from bot.core.events import Command
from bot.services.campaigns.models import CampaignFile
from bot.services.campaigns.validate import validate_campaign
from tests.auxil.core import FakeClock, make_core, private_person, text_of
from tests.auxil.messengers import RecordingMessenger

EXAMPLE = Path(__file__).resolve().parents[1] / "content" / "campaigns" / "safer-internet-day.yaml"


def write(tmp_path: Path, text: str, name: str = "campaign.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def cli(*args: str, data_dir: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "SAFETYBOT_DATA_DIR": str(data_dir), "COLUMNS": "160", **(env or {})}
    environment.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=environment,
    )


def test_example_campaign_is_valid(content: ContentLibrary) -> None:
    campaign, problems = validate_campaign(EXAMPLE, content)
    assert problems == []
    assert campaign is not None and len(campaign.messages) == 7


def test_broken_campaign_reports_every_problem_with_its_line(tmp_path: Path, content: ContentLibrary) -> None:
    path = write(
        tmp_path,
        """name: "Broken"
audience:
  platforms: [telegram, myspace]
  languages: [en, tlh]
schedule:
  at: 2027-02-09T09:00
  timezone: Mars/Olympus
fallback_language: en
messages:
  - tip: no-such-tip
  - text:
      de: "Hallo"
""",
    )
    _, problems = validate_campaign(path, content)
    assert [str(problem) for problem in problems] == [
        f"{path}:3: unknown platform 'myspace'",
        f"{path}:4: language 'tlh' is not shipped",
        f"{path}:7: unknown time zone 'Mars/Olympus'; use an IANA name such as Europe/Brussels, "
        "or 'subscriber' for each chat's own zone",
        f"{path}:10: tip 'no-such-tip' does not exist",
        f"{path}:12: language 'de' is not shipped",
        f"{path}:11: no text in the fallback language 'en'",
    ]


def test_malformed_campaign_file(tmp_path: Path, content: ContentLibrary) -> None:
    path = write(
        tmp_path,
        "name: x\nschedule:\n  at: 2027-02-09T09:00\n"
        "  daily: {time: '09:00', from: 2027-02-01, to: 2027-02-02}\nmessages: []\ncolour: red\n",
    )
    _, problems = validate_campaign(path, content)
    text = "\n".join(str(problem) for problem in problems)
    assert (
        f"{path}:2: schedule: give either 'at' (one moment) or 'daily' (a window), not both or neither"
        in text
    )
    assert f"{path}:5: messages: List should have at least 1 item after validation, not 0" in text
    assert f"{path}:6: colour: unknown field" in text
    broken = write(tmp_path, "name: [unclosed\n", "broken.yaml")
    _, problems = validate_campaign(broken, content)
    assert str(problems[0]).startswith(f"{broken}:2: not valid YAML")


def test_cli_validate_preview_schedule_list_status_pause_resume_cancel(tmp_path: Path) -> None:
    data = tmp_path / "data"
    subscribe = subprocess.run(
        [sys.executable, "-m", "bot.cli", "chat"],
        input="/subscribe 08:00 Europe/Madrid\n",
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "SAFETYBOT_DATA_DIR": str(data)},
    )
    assert "Done!" in subscribe.stdout
    result = cli("campaign", "validate", str(EXAMPLE), data_dir=data)
    assert (
        result.returncode == 0 and "is valid: 'Safer Internet Day week 2027', 7 message(s)" in result.stdout
    )
    preview = cli("campaign", "preview", str(EXAMPLE), data_dir=data)
    assert preview.returncode == 0, preview.stderr
    assert "Recipients now: 1 (console 1)" in preview.stdout
    assert "Run 1: 2027-02-06 09:00 (starts 2027-02-05 19:00 UTC)" in preview.stdout
    assert "[en] Tip: The internet is not a private diary" in preview.stdout
    assert "Delivery plan: 7 run(s) x 1 recipient(s) = 7 message(s)" in preview.stdout
    scheduled = cli("campaign", "schedule", str(EXAMPLE), data_dir=data)
    assert scheduled.returncode == 0, scheduled.stderr
    campaign_id = scheduled.stdout.split()[1].rstrip(":")
    assert scheduled.stdout.startswith(
        f"Scheduled {campaign_id}: 7 run(s), the first at 2027-02-05 19:00 UTC."
    )
    listing = cli("campaign", "list", data_dir=data)
    assert campaign_id in listing.stdout and "scheduled" in listing.stdout
    status = cli("campaign", "status", campaign_id, "--watch", data_dir=data)
    assert status.returncode == 0 and "sent 0  pending 0" in status.stdout
    assert "paused" in cli("campaign", "pause", campaign_id, data_dir=data).stdout
    again = cli("campaign", "pause", campaign_id, data_dir=data)
    assert again.returncode == 1 and "only a scheduled, running or done one can pause" in again.stderr
    assert "resumed" in cli("campaign", "resume", campaign_id, data_dir=data).stdout
    assert "cancelled" in cli("campaign", "cancel", campaign_id, data_dir=data).stdout
    missing = cli("campaign", "status", "nope", data_dir=data)
    assert missing.returncode == 1 and "no campaign 'nope'" in missing.stderr
    stats = cli("stats", data_dir=data)
    assert stats.returncode == 0 and "console" in stats.stdout


def test_cli_refuses_an_invalid_file(tmp_path: Path) -> None:
    path = write(tmp_path, "name: x\nschedule: {at: 2027-01-01T09:00}\nmessages: [{tip: nope}]\n")
    for command in ("validate", "preview", "schedule"):
        result = cli("campaign", command, str(path), data_dir=tmp_path / "data")
        assert result.returncode == 1
        assert f"{path}:3: tip 'nope' does not exist" in result.stdout


async def subscribers(core: Core, clock: FakeClock, zones: dict[str, str]) -> None:
    for user_id, zone_name in zones.items():
        reply = text_of(
            await private_person(core, clock, user_id=user_id).command("subscribe", "07:00", zone_name)
        )
        assert reply.startswith("Done!")


def campaign(text: str) -> CampaignFile:
    import yaml

    return CampaignFile.model_validate(yaml.safe_load(text))


async def drain(core: Core, messenger: RecordingMessenger) -> None:
    core.messengers[messenger.platform] = messenger
    sender = core.make_sender()
    while await sender.run_once():
        pass


async def test_each_subscriber_gets_it_at_their_local_time(core: Core, clock: FakeClock) -> None:
    await subscribers(core, clock, {"1": "Asia/Tokyo", "2": "Europe/Madrid"})
    spec = campaign(
        """name: Local
schedule: {at: 2026-11-26T10:00, timezone: subscriber}
messages: [{text: {en: "Campaign hello"}}]
"""
    )
    scheduled = await core.services.campaigns.schedule(spec, created_by="test")
    assert scheduled.first_run_at == datetime(2026, 11, 25, 20, 0, tzinfo=UTC)  # 10:00 in UTC+14
    messenger = RecordingMessenger()
    clock.current = datetime(2026, 11, 25, 20, 0, tzinfo=UTC)
    assert await core.campaign_runs.tick() == 2
    assert await core.campaign_runs.tick() == 0
    await drain(core, messenger)
    assert messenger.sent == []
    clock.current = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)  # 10:00 in Tokyo
    await drain(core, messenger)
    assert messenger.texts_to("1") == ["Campaign hello"] and messenger.texts_to("2") == []
    clock.current = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)  # 10:00 in Madrid
    await drain(core, messenger)
    assert messenger.texts_to("2") == ["Campaign hello"]
    stored, counts = await core.services.campaigns.status(scheduled.campaign_id)
    assert stored.status.value == "done" and counts["sent"] == 2


async def test_daily_campaign_runs_once_per_day_even_with_two_runners(
    core: Core, clock: FakeClock, tmp_path: Path, content: ContentLibrary
) -> None:
    await subscribers(core, clock, {str(n): "UTC" for n in range(10)})
    spec = campaign(
        """name: Week
schedule: {daily: {time: "10:00", from: 2026-11-25, to: 2026-11-27}, timezone: UTC}
messages: [{tip: sid-internet-not-private}, {tip: sid-report-misconduct}]
"""
    )
    await core.services.campaigns.schedule(spec, created_by="test")
    other = await make_core(tmp_path / "other", content, clock, database_url=core.settings.database_url_text)
    messenger = RecordingMessenger()
    try:
        for day in range(3):
            clock.current = datetime(2026, 11, 25 + day, 10, 1, tzinfo=UTC)
            enqueued = await asyncio.gather(core.campaign_runs.tick(), other.campaign_runs.tick())
            assert sum(enqueued) == 10
            await drain(core, messenger)
    finally:
        await other.close()
    texts = messenger.texts_to("3")
    assert len(texts) == 3
    assert "private diary" in texts[0] and "report button" in texts[1] and "private diary" in texts[2]


async def test_messages_are_snapshotted_and_pause_resume_cancel(core: Core, clock: FakeClock) -> None:
    await subscribers(core, clock, {"1": "UTC", "2": "UTC"})
    spec = campaign(
        "name: Snap\nschedule: {at: 2026-11-25T10:00, timezone: UTC}"
        "\nmessages: [{text: {en: 'First words'}}]\n"
    )
    scheduled = await core.services.campaigns.schedule(spec, created_by="test")
    clock.current = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    await core.campaign_runs.tick()
    assert await core.services.campaigns.pause(scheduled.campaign_id) == 2
    messenger = RecordingMessenger()
    await drain(core, messenger)
    assert messenger.sent == []
    assert await core.services.campaigns.resume(scheduled.campaign_id) == 2
    await drain(core, messenger)
    assert sorted(messenger.sent) == [("1", "First words"), ("2", "First words")]
    second = await core.services.campaigns.schedule(
        campaign(
            "name: Gone\nschedule: {at: 2026-11-25T11:00, timezone: UTC}\nmessages: [{text: {en: 'Never'}}]\n"
        ),
        created_by="test",
    )
    clock.current = datetime(2026, 11, 25, 10, 59, tzinfo=UTC)
    assert await core.services.campaigns.cancel(second.campaign_id) == 0
    clock.current = datetime(2026, 11, 25, 11, 1, tzinfo=UTC)
    assert await core.campaign_runs.tick() == 0
    await drain(core, messenger)
    assert all(text != "Never" for _, text in messenger.sent)


async def test_audience_filters(core: Core, clock: FakeClock) -> None:
    await subscribers(core, clock, {"1": "UTC", "2": "UTC"})
    await private_person(core, clock, user_id="2").command("subscribe", "07:00", "UTC", "privacy")
    service = core.services.campaigns
    assert await service.count_recipients(
        campaign(
            "name: a\nschedule: {at: 2027-01-01T09:00}\nmessages: [{tip: sid-report-misconduct}]"
        ).audience
    ) == {"test": 2}
    by_category = campaign(
        "name: b\naudience: {categories: [family]}\nschedule: {at: 2027-01-01T09:00}"
        "\nmessages: [{tip: sid-report-misconduct}]"
    )
    assert await service.count_recipients(by_category.audience) == {"test": 1}
    by_platform = campaign(
        "name: c\naudience: {platforms: [telegram]}\nschedule: {at: 2027-01-01T09:00}"
        "\nmessages: [{tip: sid-report-misconduct}]"
    )
    assert await service.count_recipients(by_platform.audience) == {}
    listed = campaign(
        "name: d\naudience: {chats: ['test:2']}\nschedule: {at: 2027-01-01T09:00}"
        "\nmessages: [{tip: sid-report-misconduct}]"
    )
    assert await service.count_recipients(listed.audience) == {"test": 1}


async def test_campaign_command_in_chat_is_for_organizers(
    tmp_path: Path, content: ContentLibrary, clock: FakeClock
) -> None:
    core = await make_core(tmp_path, content, clock, safetybot_admins="test:42")
    try:
        organizer = private_person(core, clock, user_id="42")
        stranger = private_person(core, clock, user_id="43")
        assert (
            text_of(await stranger.command("campaign", "list"))
            == "Only campaign organizers can use /campaign."
        )
        assert text_of(await organizer.command("campaign", "list")).startswith("No campaigns yet.")
        spec = campaign(
            "name: Chat\nschedule: {at: 2027-01-01T09:00, timezone: UTC}\nmessages: [{text: {en: hi}}]"
        )
        scheduled = await core.services.campaigns.schedule(spec, created_by="test")
        listing = text_of(await organizer.command("campaign", "list"))
        assert f"{scheduled.campaign_id}: Chat (scheduled, next run 2027-01-01 09:00 UTC)" in listing
        status = text_of(await organizer.command("campaign", "status", scheduled.campaign_id))
        assert status.startswith(f"Chat ({scheduled.campaign_id}, scheduled): sent 0")
        assert "There is no campaign nope" in text_of(await organizer.command("campaign", "status", "nope"))
        assert (
            text_of(await organizer.command("campaign", "launch"))
            == "Use /campaign list or /campaign status ID"
        )
        assert isinstance(Command, type)
    finally:
        await core.close()


def test_schedule_in_the_past_is_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "name: Old\nschedule: {at: 2020-01-01T09:00, timezone: UTC}"
        "\nmessages: [{tip: sid-report-misconduct}]\n",
    )
    result = cli("campaign", "schedule", str(path), data_dir=tmp_path / "data")
    assert result.returncode == 1
    assert "every run of this campaign is in the past" in result.stderr


@pytest.mark.parametrize("command", ["pause", "resume", "cancel"])
def test_unknown_campaign_id(command: str, tmp_path: Path) -> None:
    result = cli("campaign", command, "c00000000", data_dir=tmp_path / "data")
    assert result.returncode == 1 and "no campaign 'c00000000'" in result.stderr


async def test_a_run_at_the_current_minute_goes_out_at_once(core: Core, clock: FakeClock) -> None:
    await subscribers(core, clock, {"1": "UTC"})
    clock.current = datetime(2026, 11, 25, 9, 30, 40, tzinfo=UTC)
    spec = campaign(
        'name: Now\nschedule: {at: 2026-11-25T09:30, timezone: UTC}\nmessages: [{text: {en: "Now"}}]\n'
    )
    await core.services.campaigns.schedule(spec, created_by="test")
    assert await core.campaign_runs.tick() == 1
    messenger = RecordingMessenger()
    await drain(core, messenger)
    assert messenger.texts_to("1") == ["Now"]
