"""Answering questions: /ask, free text in private chats, and the replies for answers, clarifications,
fallbacks, crisis help and crisis check-ins."""

from __future__ import annotations

import time

from bot.content.library import ContentLibrary
from bot.content.models import CrisisResource, FaqEntry
from bot.content.texts import Texts
from bot.core import actions
from bot.core.events import ButtonPress, ChatKind, ChatRef, Command
from bot.core.payloads import Payload
from bot.core.replies import Choice, Outgoing
from bot.features.base import Feature, Turn
from bot.understanding.engine import Answer, AnswerKind, CrisisVerdict
from bot.understanding.layer import CrisisLevel


def topic_button(turn: Turn, topic_id: str) -> Choice:
    """A button that shows one FAQ answer."""
    entry = turn.services.content.faq_entry(turn.lang, topic_id)
    label = entry.label if entry else topic_id
    return turn.button(label, actions.TOPIC, topic_id)


def answer_text(content: ContentLibrary, texts: Texts, lang: str, entry: FaqEntry) -> str:
    """An FAQ answer as a message: the question, the answer, its sources."""
    sources = "\n".join(
        f"- [{source.title}]({source.url})" if source.url else f"- {source.title}" for source in entry.sources
    )
    return (
        f"**{entry.question}**\n\n{entry.answer.strip()}\n\n_{texts.say(lang, 'answer.sources')}_\n{sources}"
    )


def country_of(language_hint: str | None) -> str | None:
    """The country in a platform's locale ("es-MX" -> "MX", "en_GB" -> "GB"), if it names one."""
    if not language_hint:
        return None
    parts = language_hint.replace("_", "-").split("-")
    region = parts[-1] if len(parts) > 1 else ""
    return region.upper() if len(region) == 2 and region.isalpha() else None


def resources_for(resources: list[CrisisResource], country: str | None) -> list[CrisisResource]:
    """The resources to show: when the country is known and has its own lines, those and the ones for
    everyone; otherwise all of them."""
    if country is None:
        return list(resources)
    local = [resource for resource in resources if country in resource.countries]
    if not local:
        return list(resources)
    return local + [resource for resource in resources if not resource.countries]


def _resource_line(texts: Texts, lang: str, resource: CrisisResource) -> str:
    """One helpline as a list line, in the language's own punctuation (content's crisis.resource)."""
    name = f"[{resource.name}]({resource.url})" if resource.url else resource.name
    notes = texts.say(lang, "list.separator").join(part for part in (resource.hours, resource.note) if part)
    line = texts.say(
        lang,
        "crisis.resource",
        name=name,
        region=resource.region,
        contact=resource.contact,
        notes=texts.say(lang, "crisis.resource_notes", notes=notes) if notes else "",
    )
    return f"- {line}"


def crisis_text(
    content: ContentLibrary, texts: Texts, lang: str, *, country: str | None = None, short: bool = False
) -> str:
    """Crisis resources as a message, in the person's language, local lines first.

    ``short``: the version posted in a group (the full one goes to the person privately).
    """
    crisis = content.lang(lang).crisis
    lines = [texts.say(lang, "crisis.group_intro" if short else "crisis.intro"), ""]
    lines += [texts.say(lang, "crisis.emergency"), ""]
    if crisis is not None:
        shown = resources_for(crisis.resources, country)
        lines.append(texts.say(lang, "crisis.resources"))
        lines.extend(_resource_line(texts, lang, resource) for resource in (shown[:4] if short else shown))
    if not short:
        lines += ["", texts.say(lang, "crisis.outro")]
    return "\n".join(lines)


def check_in_text(content: ContentLibrary, texts: Texts, lang: str, *, country: str | None = None) -> str:
    """A short, caring check-in for a message that may come from someone at risk, with a helpline."""
    crisis = content.lang(lang).crisis
    lines = [texts.say(lang, "checkin.text"), ""]
    if crisis is not None:
        local = [r for r in crisis.resources if country and country in r.countries]
        everyone = [r for r in crisis.resources if not r.countries]
        lines.extend(_resource_line(texts, lang, resource) for resource in (local[:1] + everyone)[:3])
    lines += ["", texts.say(lang, "checkin.question")]
    return "\n".join(lines)


def answer_reply(turn: Turn, topic_id: str) -> list[Outgoing]:
    """The FAQ answer for a topic, with its sources and up to two related topics as buttons."""
    services = turn.services
    entry = services.content.faq_entry(turn.lang, topic_id)
    if entry is None:
        return [turn.reply(turn.say("error.expired_button"))]
    text = answer_text(services.content, services.texts, turn.lang, entry)
    buttons = [topic_button(turn, related) for related in entry.related[:2]]
    buttons.append(turn.button(turn.say("button.all_topics"), actions.TOPICS))
    return [turn.reply(text, buttons)]


def _private_chat(turn: Turn) -> ChatRef:
    user = turn.event.user
    return ChatRef(user.platform, user.user_id, ChatKind.PRIVATE)


def crisis_reply(turn: Turn) -> list[Outgoing]:
    """Crisis resources, in the person's language, before anything else.

    In a group: a short reply there, and the full one privately (a direct message, or a reply only
    they see where the platform has those).
    """
    services = turn.services
    country = country_of(turn.event.user.language_hint)
    full = crisis_text(services.content, services.texts, turn.lang, country=country)
    if turn.event.chat.is_private:
        return [turn.reply(full)]
    short = crisis_text(services.content, services.texts, turn.lang, country=country, short=True)
    return [turn.reply(short), Outgoing(_private_chat(turn), turn.reply(full, private=True).reply)]


def check_in_reply(turn: Turn, best_guess: str | None) -> list[Outgoing]:
    """A gentle check-in with a helpline and two buttons: not safe (full help) or just asking."""
    services = turn.services
    country = country_of(turn.event.user.language_hint)
    text = check_in_text(services.content, services.texts, turn.lang, country=country)
    guess = (best_guess,) if best_guess else ()
    buttons = [
        turn.button(turn.say("button.not_safe"), actions.NOT_SAFE, personal=True),
        turn.button(turn.say("button.just_asking"), actions.JUST_ASKING, *guess, personal=True),
    ]
    if turn.event.chat.is_private:
        return [turn.reply(text, buttons)]
    return [Outgoing(_private_chat(turn), turn.reply(text, buttons, private=True).reply)]


def crisis_help(turn: Turn, verdict: CrisisVerdict, best_guess: str | None = None) -> list[Outgoing]:
    """The reply for a crisis verdict: full help when urgent, a check-in otherwise."""
    if turn.services.metrics is not None:
        turn.services.metrics.count_crisis(verdict.level.value)
    if verdict.level is CrisisLevel.URGENT:
        return crisis_reply(turn)
    return check_in_reply(turn, best_guess)


def fallback_reply(turn: Turn, closest: list[str]) -> list[Outgoing]:
    """The honest "I can't answer that", with the closest topics and /topics as buttons."""
    buttons = [topic_button(turn, topic) for topic in closest[:3]]
    buttons.append(turn.button(turn.say("button.all_topics"), actions.TOPICS))
    key = "fallback.with_suggestions" if closest else "fallback.no_suggestions"
    return [turn.reply(turn.say(key), buttons)]


def clarify_reply(turn: Turn, answer: Answer) -> list[Outgoing]:
    """ "Is it about one of these?" with a button per candidate topic and one for all topics."""
    buttons = [topic_button(turn, topic) for topic in answer.ranked[:3]]
    buttons.append(turn.button(turn.say("button.all_topics"), actions.TOPICS))
    return [turn.reply(turn.say("clarify.question"), buttons)]


def reply_for(turn: Turn, answer: Answer) -> list[Outgoing]:
    """The reply for one verdict of the engine."""
    match answer.kind:
        case AnswerKind.CRISIS:
            level = answer.crisis_level or CrisisLevel.URGENT
            guess = answer.ranked[0] if answer.ranked else None
            return crisis_help(turn, CrisisVerdict(level, answer.crisis_kind or ""), guess)
        case AnswerKind.ANSWER:
            assert answer.topic is not None
            return answer_reply(turn, answer.topic)
        case AnswerKind.CLARIFY:
            return clarify_reply(turn, answer)
        case AnswerKind.FALLBACK:
            return fallback_reply(turn, answer.closest)


def answer_question(turn: Turn, question: str) -> list[Outgoing]:
    """Run the engine on a question and build the reply for its verdict."""
    started = time.perf_counter()
    answer = turn.services.engine.answer(question, turn.lang)
    if turn.services.metrics is not None:
        turn.services.metrics.observe_answer(answer.kind.value, time.perf_counter() - started)
    return reply_for(turn, answer)


def ask_language_first(turn: Turn, question: str) -> list[Outgoing]:
    """A message in a language the bot could not tell: crisis help at once if needed, otherwise "which
    language?" in every shipped language, with a button each; the question waits in memory."""
    verdict = turn.services.engine.assess_crisis(question, turn.lang)
    if verdict is not None:
        return crisis_help(turn, verdict)
    services = turn.services
    services.pending.hold(turn.owner_key, question, services.clock.now())
    shipped = services.content.shipped
    prompt = "\n".join(services.texts.say(code, "language.which") for code in shipped)
    buttons = [
        turn.button(services.texts.say(code, "language.name"), actions.LANGUAGE, code, actions.ANSWER_HELD)
        for code in shipped
    ]
    return [turn.reply(prompt, buttons, per_row=2)]


async def ask(turn: Turn, command: Command) -> list[Outgoing]:
    if not command.arg_text.strip():
        return [turn.reply(turn.say("ask.usage"))]
    return answer_question(turn, command.arg_text)


async def show_topic(turn: Turn, press: ButtonPress, payload: Payload) -> list[Outgoing]:
    if len(payload.args) != 1:
        return [turn.reply(turn.say("error.expired_button"))]
    return answer_reply(turn, payload.args[0])


async def not_safe(turn: Turn, press: ButtonPress, payload: Payload) -> list[Outgoing]:
    return crisis_reply(turn)


async def just_asking(turn: Turn, press: ButtonPress, payload: Payload) -> list[Outgoing]:
    """Answer the question the check-in held back (the best guess), or offer the topics."""
    if len(payload.args) == 1 and turn.services.content.faq_entry(turn.lang, payload.args[0]):
        return [turn.reply(turn.say("checkin.glad")), *answer_reply(turn, payload.args[0])]
    return [turn.reply(turn.say("checkin.glad")), *fallback_reply(turn, [])]


FEATURE = Feature(
    commands={"ask": ask},
    actions={actions.TOPIC: show_topic, actions.NOT_SAFE: not_safe, actions.JUST_ASKING: just_asking},
)
