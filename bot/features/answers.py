"""Answering questions: /ask, free text in private chats, and the replies for answers, fallbacks, crises."""

from __future__ import annotations

from bot.answers.engine import POSSIBLE_CRISIS, AnswerKind
from bot.content.library import ContentLibrary
from bot.content.models import CrisisResource, FaqEntry
from bot.events import ButtonPress, Command
from bot.features.base import Feature, Turn
from bot.payloads import Payload
from bot.replies import Choice, Outgoing
from bot.texts import Texts

TOPIC_ACTION = "t"


def topic_button(turn: Turn, topic_id: str) -> Choice:
    """A button that shows one FAQ answer."""
    entry = turn.services.content.faq_entry(turn.lang, topic_id)
    label = entry.label if entry else topic_id
    return turn.button(label, TOPIC_ACTION, topic_id)


def answer_text(content: ContentLibrary, texts: Texts, lang: str, entry: FaqEntry) -> str:
    """An FAQ answer as a message: the question, the answer, its sources."""
    sources = "\n".join(
        f"- [{source.title}]({source.url})" if source.url else f"- {source.title}" for source in entry.sources
    )
    return (
        f"**{entry.question}**\n\n{entry.answer.strip()}\n\n_{texts.say(lang, 'answer.sources')}_\n{sources}"
    )


def crisis_text(content: ContentLibrary, texts: Texts, lang: str, *, possible: bool = False) -> str:
    """Crisis resources as a message, in the person's language.

    ``possible``: the message was unclear but carried risk cues, so the opening is gentler and the
    person is told how to carry on if they meant something else.
    """
    crisis = content.lang(lang).crisis
    lines = [texts.say(lang, "crisis.intro_possible" if possible else "crisis.intro"), ""]
    lines += [texts.say(lang, "crisis.emergency"), ""]
    if crisis is not None:
        lines.append(texts.say(lang, "crisis.resources"))
        lines.extend(_resource_line(resource) for resource in crisis.resources)
    lines += ["", texts.say(lang, "crisis.outro")]
    if possible:
        lines += ["", texts.say(lang, "crisis.outro_possible")]
    return "\n".join(lines)


def answer_reply(turn: Turn, topic_id: str) -> list[Outgoing]:
    """The FAQ answer for a topic, with its sources and up to two related topics as buttons."""
    services = turn.services
    entry = services.content.faq_entry(turn.lang, topic_id)
    if entry is None:
        return [turn.reply(turn.say("error.expired_button"))]
    text = answer_text(services.content, services.texts, turn.lang, entry)
    buttons = [topic_button(turn, related) for related in entry.related[:2]]
    buttons.append(turn.button(turn.say("button.all_topics"), "topics"))
    return [turn.reply(text, buttons)]


def _resource_line(resource: CrisisResource) -> str:
    name = f"[{resource.name}]({resource.url})" if resource.url else resource.name
    note = f" ({resource.note})" if resource.note else ""
    return f"- {name} ({resource.region}): {resource.contact}{note}"


def crisis_reply(turn: Turn, *, possible: bool = False) -> list[Outgoing]:
    """Crisis resources, in the person's language, before anything else."""
    services = turn.services
    return [turn.reply(crisis_text(services.content, services.texts, turn.lang, possible=possible))]


def answer_question(turn: Turn, question: str) -> list[Outgoing]:
    """Run the engine on a question and build the reply for its verdict."""
    answer = turn.services.engine.answer(question, turn.lang)
    match answer.kind:
        case AnswerKind.CRISIS:
            return crisis_reply(turn, possible=answer.crisis_kind == POSSIBLE_CRISIS)
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
