"""/dashboard: an organizer or viewer gets a one-time sign-in link to the dashboard, in a private chat.

The link is signed, expires in 10 minutes and works once; it names the person only by an anonymous
label. Anyone else is told, kindly, that the dashboard is for the campaign's organizers.
"""

from __future__ import annotations

from bot.core.events import Command
from bot.core.replies import Outgoing
from bot.features.base import Feature, Turn

LINK_MINUTES = 10


async def dashboard(turn: Turn, command: Command) -> list[Outgoing]:
    links = turn.services.dashboard_links
    if not command.chat.is_private:
        return [turn.reply(turn.say("dashboard.private_only"))]
    if links is None:
        return [turn.reply(turn.say("dashboard.off"), private=True)]
    link = links.link_for(turn.owner_key, turn.services.clock.now())
    if link is None:
        return [turn.reply(turn.say("dashboard.not_allowed"), private=True)]
    return [turn.reply(turn.say("dashboard.link", link=link, minutes=LINK_MINUTES), private=True)]


FEATURE = Feature(commands={"dashboard": dashboard}, actions={})
