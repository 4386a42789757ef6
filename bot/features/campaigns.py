"""/campaign list and /campaign status ID: organizers (SAFETYBOT_ADMINS) follow their campaigns in chat."""

from __future__ import annotations

from bot.core.events import Command
from bot.core.replies import Outgoing
from bot.features.base import Feature, Turn
from bot.services.campaigns.service import CampaignError

STATUS_KEYS = ("sent", "pending", "retrying", "held", "blocked", "failed", "cancelled", "skipped")


async def campaign(turn: Turn, command: Command) -> list[Outgoing]:
    services = turn.services
    if not services.policy.is_organizer(command.user.platform, command.user.user_id):
        return [turn.reply(turn.say("campaign.organizers_only"), private=True)]
    match command.args:
        case ("list",) | ():
            stored = await services.campaigns.store.all()
            if not stored:
                return [turn.reply(turn.say("campaign.none"), private=True)]
            lines = [turn.say("campaign.list_heading")]
            for item in stored:
                when = f"{item.next_run_at:%Y-%m-%d %H:%M} UTC" if item.next_run_at else "-"
                lines.append(
                    turn.say(
                        "campaign.list_line", id=item.id, name=item.name, status=item.status.value, next=when
                    )
                )
            return [turn.reply("\n".join(lines), private=True)]
        case ("status", campaign_id):
            try:
                stored, counts = await services.campaigns.status(campaign_id[:20])
            except CampaignError:
                return [turn.reply(turn.say("campaign.unknown", id=campaign_id[:20]), private=True)]
            figures = ", ".join(f"{key} {counts.get(key, 0)}" for key in STATUS_KEYS)
            text = turn.say(
                "campaign.status", id=stored.id, name=stored.name, status=stored.status.value, figures=figures
            )
            return [turn.reply(text, private=True)]
    return [turn.reply(turn.say("campaign.usage"), private=True)]


FEATURE = Feature(commands={"campaign": campaign}, actions={})
