"""/subscribe, /subscription, /unsubscribe: a daily tip at the local time and zone each chat chooses.

``/subscribe [HH:MM] [Area/City] [categories...] [weekdays]``; defaults: 09:00, the chat's stored zone,
else SAFETYBOT_DEFAULT_TZ. In groups only admins may change it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import time

from bot.core.events import Command
from bot.core.replies import Outgoing
from bot.core.timezones import (
    BadTime,
    BadZone,
    looks_like_zone,
    next_occurrence,
    parse_local_time,
    zone,
)
from bot.features.base import Feature, Turn
from bot.storage.consent import How, MessageKind
from bot.storage.subscriptions import Subscription

DEFAULT_TIME = time(9, 0)
WEEKDAYS = "weekdays"
DAILY = "daily"
"""The day words' ids; what people may type for them, in each language, is content (ui.yaml ``words``)."""


class SubscribeUsageError(Exception):
    """A /subscribe argument was not understood; ``key`` names the explanation to show."""

    def __init__(self, key: str, value: str) -> None:
        super().__init__(value)
        self.key = key
        self.value = value


@dataclass
class SubscribeRequest:
    """What /subscribe asked for; None means "keep the default"."""

    wall: time | None = None
    zone_name: str | None = None
    categories: list[str] = field(default_factory=list)
    weekdays_only: bool = False


def parse_subscribe(
    args: tuple[str, ...], categories: list[str], canonical: Callable[[str], str] = str.lower
) -> SubscribeRequest:
    """Read /subscribe's arguments in any order; ``canonical`` maps a typed word to its id
    ("laborables" -> "weekdays", "privacidad" -> "privacy").

    Raises:
        SubscribeUsageError: naming the first argument that is not a time, zone, category or day word.
    """
    request = SubscribeRequest()
    for raw in args:
        token = raw.strip().strip(",")
        lowered = canonical(token)
        if not token:
            continue
        if lowered == WEEKDAYS:
            request.weekdays_only = True
        elif lowered == DAILY:
            request.weekdays_only = False
        elif lowered in categories:
            if lowered not in request.categories:
                request.categories.append(lowered)
        elif any(ch.isdigit() for ch in token) and not looks_like_zone(token):
            try:
                request.wall = parse_local_time(token)
            except BadTime:
                raise SubscribeUsageError("subscribe.bad_time", token[:20]) from None
        elif looks_like_zone(token):
            try:
                request.zone_name = zone(token).key
            except BadZone:
                raise SubscribeUsageError("subscribe.bad_zone", token[:40]) from None
        else:
            raise SubscribeUsageError("subscribe.bad_word", token[:40])
    return request


def describe(turn: Turn, subscription: Subscription) -> str:
    """ "at 09:00 (Europe/Madrid) on weekdays, about privacy. Next one: 2026-11-26 09:00.\""""
    tz = zone(subscription.timezone)
    local_next = subscription.next_due_at.astimezone(tz)
    days = turn.say("subscribe.weekdays") if subscription.weekdays_only else ""
    about = (
        turn.say(
            "subscribe.about",
            categories=", ".join(turn.say(f"category.{c}") for c in subscription.categories),
        )
        if subscription.categories
        else ""
    )
    return turn.say(
        "subscription.details",
        time=subscription.local_time,
        zone=subscription.timezone,
        days=days,
        about=about,
        next=local_next.strftime("%Y-%m-%d %H:%M"),
    )


async def subscribe(turn: Turn, command: Command) -> list[Outgoing]:
    services = turn.services
    if not await turn.may_change_chat_settings():  # before reading what a non-admin typed
        return [turn.reply(turn.say("group.admins_only"), private=True)]
    try:
        request = parse_subscribe(
            command.args, services.content.catalog.categories, services.content.canonical_word
        )
    except SubscribeUsageError as error:
        return [turn.reply(turn.say(error.key, value=error.value))]
    now = services.clock.now()
    wall = request.wall or DEFAULT_TIME
    chat_row_id = await services.subscriptions.subscribe(
        command.chat,
        command.user,
        turn.lang,
        zone=request.zone_name,
        default_zone=services.policy.default_timezone,
        local_time=wall.strftime("%H:%M"),
        categories=request.categories,
        weekdays_only=request.weekdays_only,
        due=lambda name: next_occurrence(wall, zone(name), now, weekdays_only=request.weekdays_only),
        now=now,
    )
    how = How.SUBSCRIBE if command.chat.is_private else How.GROUP_ADMIN
    await services.consent.opt_in(command.chat, MessageKind.TIPS, how, now)
    subscription = await services.subscriptions.of_chat(chat_row_id)
    assert subscription is not None
    return [turn.reply(f"{turn.say('subscribe.done')} {describe(turn, subscription)}")]


async def show(turn: Turn, command: Command) -> list[Outgoing]:
    services = turn.services
    chat_row_id = await services.people.chat_row_id(command.chat)
    subscription = await services.subscriptions.of_chat(chat_row_id) if chat_row_id is not None else None
    if subscription is None:
        return [turn.reply(turn.say("subscription.none"))]
    if not subscription.active:
        return [turn.reply(turn.say("subscription.paused"))]
    return [turn.reply(f"{turn.say('subscription.current')} {describe(turn, subscription)}")]


async def unsubscribe(turn: Turn, command: Command) -> list[Outgoing]:
    services = turn.services
    if not await turn.may_change_chat_settings():
        return [turn.reply(turn.say("group.admins_only"), private=True)]
    chat_row_id = await services.people.chat_row_id(command.chat)
    stopped = chat_row_id is not None and await services.subscriptions.stop(chat_row_id)
    if stopped:
        await services.consent.opt_out(command.chat, [MessageKind.TIPS], How.COMMAND, services.clock.now())
    return [turn.reply(turn.say("unsubscribe.done" if stopped else "unsubscribe.none"))]


FEATURE = Feature(
    commands={"subscribe": subscribe, "subscription": show, "unsubscribe": unsubscribe},
    actions={},
)
