"""/tip: one tip now, optionally from one category, with a button for another."""

from __future__ import annotations

import random

from bot.content.models import Tip
from bot.core import actions
from bot.core.events import ButtonPress, Command
from bot.core.payloads import Payload
from bot.core.replies import Outgoing
from bot.features.base import Feature, Turn


def format_tip(turn: Turn, tip: Tip) -> str:
    """A tip as a reply in the turn's language."""
    return turn.services.texts.tip(turn.lang, tip)


def _tip_reply(turn: Turn, category: str | None) -> list[Outgoing]:
    tips = turn.services.content.lang(turn.lang).tips
    pool = [tip for tip in tips if category is None or tip.category == category] or tips
    tip = random.choice(pool)
    args = (category,) if category else ()
    another = turn.button(turn.say("button.another_tip"), actions.TIP, *args)
    return [turn.reply(format_tip(turn, tip), [another])]


async def tip(turn: Turn, command: Command) -> list[Outgoing]:
    category = turn.services.content.canonical_word(command.args[0]) if command.args else None
    if category is not None and category not in turn.services.content.catalog.categories:
        content = turn.services.content
        names = ", ".join(content.word_for(turn.lang, category) for category in content.catalog.categories)
        return [turn.reply(turn.say("tip.unknown_category", category=category, categories=names))]
    return _tip_reply(turn, category)


async def tip_button(turn: Turn, press: ButtonPress, payload: Payload) -> list[Outgoing]:
    category = payload.args[0] if payload.args else None
    if category is not None and category not in turn.services.content.catalog.categories:
        return [turn.reply(turn.say("error.expired_button"))]
    return _tip_reply(turn, category)


FEATURE = Feature(commands={"tip": tip}, actions={actions.TIP: tip_button})
