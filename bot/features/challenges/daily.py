"""/challenge daily [HH:MM] [Area/City] and /challenge daily off: a group's daily challenge post."""

from __future__ import annotations

from bot.core.events import Command
from bot.core.replies import Outgoing
from bot.core.timezones import BadTime, BadZone, looks_like_zone, parse_local_time, zone
from bot.features.base import Turn
from bot.storage.challenge_schedules import DailyPost
from bot.storage.consent import How, MessageKind


def _described(turn: Turn, key: str, daily: DailyPost) -> list[Outgoing]:
    local = daily.next_due_at.astimezone(zone(daily.timezone))
    text = turn.say(key, time=daily.local_time, zone=daily.timezone, next=local.strftime("%Y-%m-%d %H:%M"))
    return [turn.reply(text)]


async def daily(turn: Turn, command: Command) -> list[Outgoing]:
    if command.chat.is_private:
        return [turn.reply(turn.say("challenge.daily_groups_only"))]
    schedules = turn.services.daily_challenges
    args = [arg.strip() for arg in command.args[1:] if arg.strip()]
    if not args:
        current = await schedules.of(command.chat)
        if current is None or not current.active:
            return [turn.reply(turn.say("challenge.daily_none"))]
        return _described(turn, "challenge.daily_current", current)
    if not await turn.may_change_chat_settings():
        return [turn.reply(turn.say("group.admins_only"), private=True)]
    if turn.services.content.canonical_word(args[0]) == "off":
        stopped = await schedules.stop(command.chat)
        if stopped:
            now = turn.services.clock.now()
            await turn.services.consent.opt_out(command.chat, [MessageKind.CHALLENGES], How.COMMAND, now)
        return [turn.reply(turn.say("challenge.daily_stopped" if stopped else "challenge.daily_none"))]
    try:
        wall = parse_local_time(args[0])
        zone_name = zone(args[1]).key if len(args) > 1 and looks_like_zone(args[1]) else None
    except (BadTime, BadZone):
        return [turn.reply(turn.say("challenge.daily_usage"))]
    if zone_name is None:
        chat = await turn.services.people.chat_settings(command.chat)
        zone_name = (chat.timezone if chat else None) or turn.services.policy.default_timezone
    daily_post = await schedules.set(command.chat, command.user, wall, zone_name, turn.lang)
    now = turn.services.clock.now()
    await turn.services.consent.opt_in(command.chat, MessageKind.CHALLENGES, How.GROUP_ADMIN, now)
    return _described(turn, "challenge.daily_set", daily_post)
