"""/topics: the categories as buttons; a category lists its questions; a question shows its answer."""

from __future__ import annotations

from bot.core import actions
from bot.core.events import ButtonPress, Command
from bot.core.payloads import Payload
from bot.core.replies import Outgoing
from bot.features.answers import topic_button
from bot.features.base import Feature, Turn


def categories_reply(turn: Turn) -> list[Outgoing]:
    buttons = [
        turn.button(turn.say(f"category.{category}"), actions.CATEGORY, category)
        for category in turn.services.content.catalog.categories
    ]
    return [turn.reply(turn.say("topics.intro"), buttons, per_row=2)]


async def topics(turn: Turn, command: Command) -> list[Outgoing]:
    return categories_reply(turn)


async def topics_button(turn: Turn, press: ButtonPress, payload: Payload) -> list[Outgoing]:
    return categories_reply(turn)


async def category(turn: Turn, press: ButtonPress, payload: Payload) -> list[Outgoing]:
    if len(payload.args) != 1 or payload.args[0] not in turn.services.content.catalog.categories:
        return [turn.reply(turn.say("error.expired_button"))]
    name = payload.args[0]
    entries = turn.services.content.topics_in(turn.lang, name)
    buttons = [topic_button(turn, entry.id) for entry in entries]
    buttons.append(turn.button(turn.say("button.all_topics"), actions.TOPICS))
    text = turn.say("topics.category", category=turn.say(f"category.{name}"))
    return [turn.reply(text, buttons)]


FEATURE = Feature(
    commands={"topics": topics}, actions={actions.TOPICS: topics_button, actions.CATEGORY: category}
)
