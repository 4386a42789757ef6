"""How a tip reads as a message, shared by /tip, daily deliveries and campaign snapshots."""

from __future__ import annotations

from bot.content.models import Tip
from bot.content.texts import Texts


def tip_text(texts: Texts, lang: str, tip: Tip) -> str:
    """A tip as a message: heading, text, and its source when it has one."""
    text = f"**{texts.say(lang, 'tip.heading')}** {tip.text}"
    if tip.source is not None:
        source = f"[{tip.source.title}]({tip.source.url})" if tip.source.url else tip.source.title
        text += f"\n\n_{texts.say(lang, 'tip.source')}_ {source}"
    return text
