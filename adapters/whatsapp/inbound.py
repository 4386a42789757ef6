"""WhatsApp messages mapped to the core's platform-neutral events.

Every WhatsApp conversation with the bot is private: the chat's id is the person's WhatsApp id. WhatsApp
has no command menu, so a message that is one command word (``topics``, ``tip``, ``help``, or a command's
name in any shipped language, from content) is that command, as is ``/name`` with arguments; anything
else is a question for the bot.
"""

from __future__ import annotations

import re
from datetime import datetime

from adapters.whatsapp.webhook import InboundPress, InboundText
from bot.content.library import ContentLibrary
from bot.core.events import ButtonPress, ChatKind, ChatRef, Command, Incoming, TextMessage, UserRef

PLATFORM = "whatsapp"
_WORD = re.compile(r"^/?([^\W_]+)[.!?¡¿،؟]*$")
"""One word, perhaps with a leading slash and closing punctuation ("Topics!", "/tip")."""


def chat_of(wa_id: str) -> ChatRef:
    """The private chat with a WhatsApp user."""
    return ChatRef(PLATFORM, wa_id, ChatKind.PRIVATE)


def command_names(content: ContentLibrary) -> frozenset[str]:
    """The core's commands, as content lists them (the default language's ``commands``)."""
    return frozenset(content.lang(content.default_language).ui.commands)


def _command(
    text: str, content: ContentLibrary, commands: frozenset[str]
) -> tuple[str, tuple[str, ...]] | None:
    """(name, args) when the text is a command: ``/name args`` or one command word."""
    stripped = text.strip()
    if stripped.startswith("/"):
        first, *rest = stripped[1:].split() or [""]
        return (first.lower(), tuple(rest)) if first else None
    word = _WORD.match(stripped)
    if word is not None and content.command_for(word.group(1)) in commands:
        return word.group(1).lower(), ()
    return None


def to_event(
    item: InboundText | InboundPress, content: ContentLibrary, commands: frozenset[str], at: datetime
) -> Incoming:
    """The core event for a person's message or press."""
    if isinstance(item, InboundPress):
        return ButtonPress(UserRef(PLATFORM, item.wa_id), chat_of(item.wa_id), at, item.payload)
    user = UserRef(PLATFORM, item.wa_id, display_name=item.profile_name)
    chat = chat_of(item.wa_id)
    command = _command(item.text, content, commands)
    if command is not None:
        return Command(user, chat, at, command[0], command[1])
    return TextMessage(user, chat, at, item.text, addressed_to_bot=True)
