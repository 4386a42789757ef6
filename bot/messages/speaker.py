"""A Speaker composes replies in one language with signed buttons; a turn and a clock job both use one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.content.library import ContentLibrary
from bot.content.texts import Texts
from bot.core.clock import Clock
from bot.core.markup import Marked
from bot.core.payloads import PayloadSigner
from bot.core.replies import Choice, Reply, rows


@dataclass(frozen=True, slots=True)
class Speaker:
    """Says things in ``lang``.

    Attributes:
        lang: the language code the replies are in.
        content: the shipped content (names of techniques, items, tips...).
        texts: the UI strings.
        signer: signs button payloads.
        clock: for expiring buttons.
    """

    lang: str
    content: ContentLibrary
    texts: Texts
    signer: PayloadSigner
    clock: Clock

    def say(self, key: str, **params: object) -> Marked:
        return self.texts.say(self.lang, key, **params)

    def button(
        self, label: str, action: str, *args: str, owner: str | None = None, ttl: timedelta | None = None
    ) -> Choice:
        """A signed button; with ``owner`` ("platform:user id") it works only for that person."""
        now = self.clock.now() if ttl else None
        return Choice(label, self.signer.make(action, *args, now=now, ttl=ttl, owner=owner))

    @staticmethod
    def reply(
        text: str, choices: list[Choice] | None = None, *, per_row: int = 1, private: bool = False
    ) -> Reply:
        return Reply(text, rows(choices or [], per_row), private=private)

    def speaking(self, lang: str) -> Speaker:
        """The same speaker in another language."""
        return Speaker(lang, self.content, self.texts, self.signer, self.clock)
