"""The conversation core: takes one incoming event, returns the replies. Knows no platform.

Order of work for every event: is it for the bot at all (groups)? flood control; the person's language;
crisis detection on anything they wrote; then the feature that owns the command, button or text. Any
failure inside a feature is logged (never with message text) and answered with an apology.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from bot.core.events import ButtonPress, Command, Incoming, TextMessage
from bot.core.payloads import PayloadRejected
from bot.features import (
    answers,
    campaigns,
    challenges,
    dashboard,
    language,
    my_data,
    opt_out,
    privacy,
    subscriptions,
    tips,
    topics,
    welcome,
)
from bot.features.base import AdminCheck, ButtonHandler, CommandHandler, Feature, Services, Turn
from bot.services.flood import FloodGate, FloodVerdict
from bot.storage.db import DatabaseUnavailable

_log = logging.getLogger(__name__)
Handler = TypeVar("Handler", CommandHandler, ButtonHandler)


@dataclass(frozen=True, slots=True)
class Language:
    """The language for a turn; ``unclear`` when it was guessed from a message too unclear to tell (the
    person is then asked which language to use)."""

    code: str
    unclear: bool = False


CORE_FEATURES: tuple[Feature, ...] = (
    welcome.FEATURE,
    topics.FEATURE,
    answers.FEATURE,
    tips.FEATURE,
    language.FEATURE,
    privacy.FEATURE,
    subscriptions.FEATURE,
    campaigns.FEATURE,
    dashboard.FEATURE,
    challenges.FEATURE,
    opt_out.FEATURE,
    my_data.FEATURE,
)


class DuplicateHandler(RuntimeError):
    """Two features claim the same command or button action: a programming error, caught at start-up."""


def _register(into: dict[str, Handler], handlers: Mapping[str, Handler], what: str) -> None:
    for name, handler in handlers.items():
        if name in into:
            raise DuplicateHandler(
                f"{what}{name} is registered twice ({_where(into[name])} and {_where(handler)})"
            )
        into[name] = handler


def _where(handler: object) -> str:
    return f"{getattr(handler, '__module__', '?')}.{getattr(handler, '__qualname__', handler)}"


class Conversation:
    """Routes incoming events to features and returns what to send back."""

    def __init__(
        self, services: Services, flood: FloodGate, features: Iterable[Feature] = CORE_FEATURES
    ) -> None:
        self.services = services
        self.flood = flood
        self.commands: dict[str, CommandHandler] = {}
        self.actions: dict[str, ButtonHandler] = {}
        for feature in features:
            _register(self.commands, feature.commands, "command /")
            _register(self.actions, feature.actions, "button action ")

    @staticmethod
    def is_for_bot(event: Incoming) -> bool:
        """In groups the bot answers only commands, buttons, mentions and replies to itself."""
        if isinstance(event, TextMessage) and not event.chat.is_private:
            return event.addressed_to_bot
        return True

    def _count_throttled(self) -> None:
        if self.services.metrics is not None:
            self.services.metrics.count_flood_throttled()

    async def language_for(self, event: Incoming) -> Language:
        """A group's chosen language, else the person's, else their platform's, else the language free text is
        written in (when that is clear), else the default."""
        content = self.services.content
        people = self.services.people
        if not event.chat.is_private:
            chat = await people.chat_settings(event.chat)
            if chat is not None and chat.language in content.languages:
                return Language(chat.language)
        stored = await people.language_of(event.user)
        if stored and stored in content.languages:
            return Language(stored)
        return self.language_without_storage(event)

    def language_without_storage(self, event: Incoming) -> Language:
        """The language to use while the database (with stored choices) cannot be reached."""
        content = self.services.content
        if event.user.language_hint:
            return Language(content.resolve_language(event.user.language_hint))
        if isinstance(event, TextMessage):
            guess = self.services.detector.guess(event.text)
            if guess.code is not None:
                return Language(guess.code)
            return Language(content.default_language, unclear=guess.unclear and event.chat.is_private)
        return Language(content.default_language)

    async def handle(self, event: Incoming, *, admin_check: AdminCheck | None = None) -> list:
        """The replies to one event (possibly none).

        Args:
            event: what the person did.
            admin_check: how to ask the platform whether the sender administers the group; called only
                when a group setting is being changed.
        """
        if not self.is_for_bot(event):
            return []
        try:
            verdict = await self.flood.check(event.user, event.at)
            if verdict is FloodVerdict.DROP:
                self._count_throttled()
                return []
            language = await self.language_for(event)
        except DatabaseUnavailable:
            # Without the database: no flood count and no stored language, but answers, tips and crisis
            # help need none of it, so the person still gets them.
            verdict, language = FloodVerdict.ALLOW, self.language_without_storage(event)
        except Exception:
            # Whatever went wrong telling the language (text a library cannot read), the person still
            # gets an answer, in the default language.
            _log.exception(
                "choosing the language failed for a %s on %s", type(event).__name__, event.chat.platform
            )
            verdict, language = FloodVerdict.ALLOW, Language(self.services.content.default_language)
        turn = Turn(event, language.code, self.services, admin_check)
        if verdict is FloodVerdict.NOTIFY:
            self._count_throttled()
            return [turn.reply(turn.say("flood.notice"))]
        try:
            if isinstance(event, TextMessage) and (stopped := await opt_out.stop_word(turn, event.text)):
                return stopped  # STOP, BAJA... in a private chat, whatever language it seems to be in
            if language.unclear and isinstance(event, TextMessage):
                return answers.ask_language_first(turn, event.text)
            return await self._route(turn)
        except DatabaseUnavailable:
            return [turn.reply(turn.say("error.storage_away"))]
        except Exception:
            _log.exception("handler failed for a %s on %s", type(event).__name__, event.chat.platform)
            return [turn.reply(turn.say("error.internal"))]

    async def _route(self, turn: Turn) -> list:
        event = turn.event
        match event:
            case TextMessage(text=text):
                return answers.answer_question(turn, text)
            case Command(name=name):
                engine = self.services.engine
                verdict = engine.assess_crisis(event.arg_text, turn.lang) if event.args else None
                if verdict is not None:
                    # Crisis first, whatever the command: "/tip i want to die" gets help, not a tip.
                    return answers.crisis_help(turn, verdict)
                handler = self.commands.get(self.services.content.command_for(name))
                if handler is None:
                    return [turn.reply(turn.say("error.unknown_command", command=name[:32]))]
                return await handler(turn, event)
            case ButtonPress(payload=raw):
                try:
                    payload = self.services.signer.read(
                        raw, now=self.services.clock.now(), presser=turn.owner_key
                    )
                except PayloadRejected:
                    return [turn.reply(turn.say("error.expired_button"), private=True)]
                action = self.actions.get(payload.action)
                if action is None:
                    return [turn.reply(turn.say("error.expired_button"), private=True)]
                return await action(turn, event, payload)
        return []
