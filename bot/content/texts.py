"""User-visible strings by key and language, from content/<lang>/ui.yaml, and how a tip reads as a
message (the same for /tip, daily deliveries and campaign snapshots)."""

from __future__ import annotations

from bot.content.library import ContentLibrary
from bot.content.models import Tip
from bot.core.markup import Marked, literal


class Texts:
    """Looks up a UI string in a language (falling back to the default language) and fills placeholders."""

    def __init__(self, content: ContentLibrary) -> None:
        self._content = content

    def say(self, lang: str, key: str, **params: object) -> Marked:
        """The string ``key`` in ``lang``, with ``{placeholders}`` filled from ``params``.

        Every parameter is inserted as literal text (``bot.core.markup.literal``): a time zone, a name or
        a word a person typed can never become a link or a style in the bot's message. A parameter that
        is itself the result of ``say`` (``Marked``) keeps its markup.

        Raises:
            KeyError: when no language has the key (a content bug that ``content check`` and tests catch).
        """
        template = self._content.lang(lang).ui.strings.get(key)
        if template is None:
            template = self._content.lang(self._content.default_language).ui.strings[key]
        template = template.strip("\n")
        if not params:
            return Marked(template)
        safe = {
            name: value if isinstance(value, Marked) else literal(str(value))
            for name, value in params.items()
        }
        return Marked(template.format(**safe))

    def command_name(self, lang: str, name: str) -> str:
        """What a command (``"subscribe"``) or option (``"subscribe.time"``) is called in ``lang``."""
        return self._content.lang(lang).ui.command_names.get(name, name.rsplit(".", 1)[-1])

    def command_descriptions(self, lang: str) -> dict[str, str]:
        """Command name -> one-line description, in catalog order of the default language."""
        own = self._content.lang(lang).ui.commands
        default = self._content.lang(self._content.default_language).ui.commands
        return {name: own.get(name, text) for name, text in default.items()}

    def tip(self, lang: str, tip: Tip) -> str:
        """A tip as a message: heading, text, and its source when it has one."""
        text = f"**{self.say(lang, 'tip.heading')}** {tip.text}"
        if tip.source is not None:
            source = f"[{tip.source.title}]({tip.source.url})" if tip.source.url else tip.source.title
            text += f"\n\n_{self.say(lang, 'tip.source')}_ {source}"
        return text
