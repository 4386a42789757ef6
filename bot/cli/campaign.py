"""`safetybot campaign ...` and `safetybot stats`: the organizer's command line."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from bot.app.settings import Settings
from bot.app.wiring import Core, build_core
from bot.core.markup import plain_text
from bot.services.campaigns.models import SUBSCRIBER_ZONE, CampaignFile
from bot.services.campaigns.plan import run_start, runs, snapshot_texts
from bot.services.campaigns.service import CampaignError
from bot.services.campaigns.validate import validate_campaign
from bot.storage.consent_figures import ConsentFigures
from bot.storage.dashboard import CLI_ACTOR, AuditLog
from bot.storage.reports import Reports

FINISHED = ("sent", "blocked", "failed", "cancelled", "skipped")
UNPACED_PER_SECOND = 30.0
"""For the plan's estimate on a platform with no overall pace: about what one sender process sends."""


def add_parsers(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    campaign = commands.add_parser("campaign", help="schedule and follow tip drops (organizers)")
    actions = campaign.add_subparsers(dest="campaign_command", required=True)
    for name, text in (
        ("validate", "check a campaign file; every problem with file and line"),
        ("preview", "each message per language, recipients, delivery plan and duration"),
        ("schedule", "store the campaign (its messages are snapshotted now) and print its id"),
    ):
        actions.add_parser(name, help=text).add_argument("file", type=Path)
    actions.add_parser("list", help="every campaign with its status and next run")
    status = actions.add_parser("status", help="deliveries sent, pending, retrying, blocked, failed")
    status.add_argument("id")
    status.add_argument("--watch", action="store_true", help="a live progress bar until the drop is done")
    for name in ("pause", "resume", "cancel"):
        actions.add_parser(name, help=f"{name} a campaign").add_argument("id")
    actions.add_parser(
        "stats", help="per campaign: deliveries sent, skipped for opt-out, and opt-outs it caused"
    )
    commands.add_parser("stats", help="subscribers per platform and language; deliveries per day and outcome")


def _describe_schedule(campaign: CampaignFile) -> str:
    schedule = campaign.schedule
    where = "each subscriber's local time" if schedule.timezone == SUBSCRIBER_ZONE else schedule.timezone
    if schedule.at is not None:
        return f"once, {schedule.at:%Y-%m-%d %H:%M} ({where})"
    assert schedule.daily is not None
    daily = schedule.daily
    return f"daily at {daily.time} from {daily.first_day} to {daily.last_day} ({where})"


def _validated(path: Path, core_or_content: object, out: Console) -> CampaignFile | None:
    content = core_or_content.services.content if isinstance(core_or_content, Core) else core_or_content
    campaign, problems = validate_campaign(path, content)  # type: ignore[arg-type]
    for problem in problems:
        out.print(str(problem), markup=False, highlight=False)
    if problems or campaign is None:
        out.print(f"{len(problems)} problem(s) in {path}", style="red", markup=False)
        return None
    return campaign


async def _preview(core: Core, campaign: CampaignFile, out: Console) -> None:
    service = core.services.campaigns
    plan = runs(campaign)
    texts = snapshot_texts(campaign, core.services.content, core.services.texts)
    counts = await service.count_recipients(campaign.audience)
    total = sum(counts.values())
    out.print(f"Campaign: {campaign.name}", markup=False)
    out.print(f"Schedule: {_describe_schedule(campaign)}, {len(plan)} run(s)", markup=False)
    audience = campaign.audience
    filters = [
        f"platforms {', '.join(audience.platforms)}" if audience.platforms else "",
        f"languages {', '.join(audience.languages)}" if audience.languages else "",
        f"categories {', '.join(audience.categories)}" if audience.categories else "",
    ]
    who = "listed chats" if audience.chats else "active subscribers"
    out.print(
        f"Audience: {who}{'; ' if any(filters) else ''}{'; '.join(f for f in filters if f)}", markup=False
    )
    by_platform = ", ".join(f"{platform} {count}" for platform, count in counts.items()) or "none yet"
    out.print(f"Recipients now: {total} ({by_platform})", markup=False)
    for run in plan:
        start = run_start(run, campaign.schedule.timezone)
        out.print(
            f"\nRun {run.index + 1}: {run.day} {run.wall:%H:%M} (starts {start:%Y-%m-%d %H:%M} UTC)",
            markup=False,
        )
        for lang, text in texts[run.message_index].items():
            body = plain_text(text).replace("\n", "\n       ")
            out.print(f"  [{lang}] {body}", markup=False, highlight=False)
    seconds = 0.0
    for name, count in counts.items():
        platform = core.platforms.get(name)
        rate = platform.send_rules().per_second if platform is not None else None
        seconds = max(seconds, count / (rate or UNPACED_PER_SECOND))
    out.print(
        f"\nDelivery plan: {len(plan)} run(s) x {total} recipient(s) = {len(plan) * total} message(s); "
        f"each run takes about {timedelta(seconds=round(seconds))} under the rate limits.",
        markup=False,
    )


async def _status(core: Core, campaign_id: str, watch: bool, out: Console) -> None:
    service = core.services.campaigns
    stored, counts = await service.status(campaign_id)
    out.print(f"{stored.id}  {stored.name}  [{stored.status.value}]", markup=False)
    if stored.next_run_at is not None:
        out.print(f"next run: {stored.next_run_at:%Y-%m-%d %H:%M} UTC", markup=False)
    keys = ("sent", "pending", "sending", "retrying", "held", "blocked", "failed", "cancelled", "skipped")
    out.print("  ".join(f"{key} {counts.get(key, 0)}" for key in keys), markup=False)
    if not watch:
        return
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=out, transient=False
    ) as progress:
        task = progress.add_task("delivering", total=sum(counts.values()))
        while True:
            _, counts = await service.status(campaign_id)
            done = sum(counts.get(key, 0) for key in FINISHED)
            progress.update(task, total=sum(counts.values()), completed=done)
            if done >= sum(counts.values()):
                break
            await asyncio.sleep(1)


async def _list(core: Core, out: Console) -> None:
    stored = await core.services.campaigns.store.all()
    if not stored:
        out.print("No campaigns yet. `safetybot campaign schedule FILE` adds one.", markup=False)
        return
    table = Table("id", "name", "status", "next run (UTC)", "sent", "pending")
    for campaign in stored:
        counts = await core.outbox.counts(campaign.drop_prefix)
        next_run = f"{campaign.next_run_at:%Y-%m-%d %H:%M}" if campaign.next_run_at else "-"
        pending = counts.get("pending", 0) + counts.get("retrying", 0) + counts.get("sending", 0)
        table.add_row(
            campaign.id, campaign.name, campaign.status.value, next_run, str(counts["sent"]), str(pending)
        )
    out.print(table)


async def _campaign_stats(core: Core, out: Console) -> None:
    """Each campaign's deliveries sent and skipped (the chat had opted out), and the campaign opt-outs put
    down to it: its Stop button pressed, or a STOP word within a day of its drop (``bot.storage.consent``)."""
    opt_outs = await ConsentFigures(core.db).opt_outs_per_campaign()
    table = Table(
        "id",
        "name",
        "sent",
        "skipped (opted out)",
        "Stop button",
        "STOP within a day",
        "opt-outs",
        title="Campaigns: deliveries and the opt-outs each caused",
    )
    for campaign in await core.services.campaigns.store.all():
        counts = await core.outbox.counts(campaign.drop_prefix)
        caused = opt_outs.get(campaign.id)
        by_button, in_window = (caused.by_button, caused.in_window) if caused else (0, 0)
        figures = (counts["sent"], counts["skipped"], by_button, in_window, by_button + in_window)
        table.add_row(campaign.id, campaign.name, *(str(figure) for figure in figures))
    out.print(table)


async def _stats(core: Core, out: Console) -> None:
    reports = Reports(core.db, core.services.content.default_language)
    table = Table("platform", "language", "subscribers", title="Active daily-tip subscribers")
    for platform, lang, count in await reports.subscribers():
        table.add_row(platform, lang, str(count))
    out.print(table)
    days = await reports.deliveries_per_day(datetime.now(UTC) - timedelta(days=14))
    outcomes = ("sent", "pending", "sending", "held", "blocked", "failed", "cancelled", "skipped")
    table = Table("day", *outcomes, title="Deliveries per day (last 14 days)")
    for when, counts in sorted(days.items()):
        table.add_row(when, *(str(counts.get(status, 0)) for status in outcomes))
    out.print(table)


async def _audit(core: Core, action: str, subject: str) -> None:
    """The same audit log the dashboard writes (actor: the command line)."""
    await AuditLog(core.db).record(core.clock.now(), CLI_ACTOR, "organizer", action, subject)


async def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run one organizer command; the exit code."""
    out = Console(soft_wrap=True)
    command = getattr(args, "campaign_command", None) or args.command
    core = await build_core(settings)
    try:
        match command:
            case "validate":
                campaign = _validated(args.file, core, out)
                if campaign is None:
                    return 1
                out.print(
                    f"{args.file} is valid: {campaign.name!r}, {len(campaign.messages)} message(s), "
                    f"{_describe_schedule(campaign)}",
                    markup=False,
                )
            case "preview":
                campaign = _validated(args.file, core, out)
                if campaign is None:
                    return 1
                await _preview(core, campaign, out)
            case "schedule":
                campaign = _validated(args.file, core, out)
                if campaign is None:
                    return 1
                scheduled = await core.services.campaigns.schedule(campaign, created_by="cli")
                await _audit(core, "campaign_scheduled", campaign.name)
                out.print(
                    f"Scheduled {scheduled.campaign_id}: {scheduled.runs} run(s), the first at "
                    f"{scheduled.first_run_at:%Y-%m-%d %H:%M} UTC.",
                    markup=False,
                )
            case "list":
                await _list(core, out)
            case "status":
                await _status(core, args.id, args.watch, out)
            case "stats" if getattr(args, "campaign_command", None) == "stats":
                await _campaign_stats(core, out)
            case "pause" | "resume" | "cancel":
                service = core.services.campaigns
                changed = await getattr(service, command)(args.id)
                done = {"pause": "paused", "resume": "resumed", "cancel": "cancelled"}[command]
                stored = await service.store.get(args.id)
                await _audit(core, f"campaign_{done}", stored.name if stored else args.id)
                out.print(
                    f"Campaign {args.id}: {done} ({changed} pending deliveries affected).", markup=False
                )
            case "stats":
                await _stats(core, out)
    except CampaignError as error:
        print(f"safetybot: {error}", file=sys.stderr)
        return 1
    finally:
        await core.close()
    return 0
