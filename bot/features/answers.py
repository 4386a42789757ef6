"""Answering questions: /ask, free text in private chats, and the replies for answers, fallbacks, crises."""

from __future__ import annotations

from bot.answers.engine import AnswerKind
from bot.content.models import CrisisResource
from bot.events import ButtonPress, Command
from bot.features.base import Feature, Turn
from bot.payloads import Payload
from bot.replies import Choice, Outgoing

TOPIC_ACTION = "t"


def topic_button(turn: Turn, topic_id: str) -> Choice:
    """A button that shows one FAQ answer."""
    entry = turn.services.content.faq_entry(turn.lang, topic_id)
    label = entry.label if entry else topic_id
    return turn.button(label, TOPIC_ACTION, topic_id)


def answer_reply(turn: Turn, topic_id: str) -> list[Outgoing]:
    """The FAQ answer for a topic, with its sources and up to two related topics as buttons."""
    entry = turn.services.content.faq_entry(turn.lang, topic_id)
    if entry is None:
        return [turn.reply(turn.say("error.expired_button"))]
    sources = "\n".join(
        f"- [{source.title}]({source.url})" if source.url else f"- {source.title}" for source in entry.sources
    )
    text = f"**{entry.question}**\n\n{entry.answer.strip()}\n\n_{turn.say('answer.sources')}_\n{sources}"
    buttons = [topic_button(turn, related) for related in entry.related[:2]]
    buttons.append(turn.button(turn.say("button.all_topics"), "topics"))
    return [turn.reply(text, buttons)]


def _resource_line(resource: CrisisResource) -> str:
    name = f"[{resource.name}]({resource.url})" if resource.url else resource.name
    note = f" ({resource.note})" if resource.note else ""
    return f"- {name} ({resource.region}): {resource.contact}{note}"


def crisis_reply(turn: Turn) -> list[Outgoing]:
    """Crisis resources, in the person's language, before anything else."""
    crisis = turn.services.content.lang(turn.lang).crisis
    lines = [turn.say("crisis.intro"), "", turn.say("crisis.emergency"), ""]
    if crisis is not None:
        lines.append(turn.say("crisis.resources"))
        lines.extend(_resource_line(resource) for resource in crisis.resources)
    lines += ["", turn.say("crisis.outro")]
    return [turn.reply("\n".join(lines))]


def answer_question(turn: Turn, question: str) -> list[Outgoing]:
    """Run the engine on a question and build the reply for its verdict."""
    answer = turn.services.engine.answer(question, turn.lang)
    match answer.kind:
        case AnswerKind.CRISIS:
            return crisis_reply(turn)
        case AnswerKind.ANSWER:
            assert answer.topic is not None
            return answer_reply(turn, answer.topic)
        case AnswerKind.FALLBACK:
            buttons = [topic_button(turn, topic) for topic in answer.closest[:3]]
            buttons.append(turn.button(turn.say("button.all_topics"), "topics"))
            key = "fallback.with_suggestions" if answer.closest else "fallback.no_suggestions"
            return [turn.reply(turn.say(key), buttons)]


async def ask(turn: Turn, command: Command) -> list[Outgoing]:
    if not command.arg_text.strip():
        return [turn.reply(turn.say("ask.usage"))]
    return answer_question(turn, command.arg_text)


async def show_topic(turn: Turn, press: ButtonPress, payload: Payload) -> list[Outgoing]:
    if len(payload.args) != 1:
        return [turn.reply(turn.say("error.expired_button"))]
    return answer_reply(turn, payload.args[0])


FEATURE = Feature(commands={"ask": ask}, actions={TOPIC_ACTION: show_topic})
