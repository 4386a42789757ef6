"""Core replies rendered for Telegram: HTML parse mode with everything escaped, inline keyboards,
long texts split at paragraph boundaries under Telegram's 4096-character limit."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.markup import Span, SpanKind, render, split_paragraphs
from bot.core.replies import Reply

MESSAGE_LIMIT = 4096
_SPLIT_AT = 3500
"""Split the marked-up text below the limit, leaving room for the HTML tags rendering adds."""


def _span(span: Span) -> str:
    text = html.escape(span.text, quote=False)
    match span.kind:
        case SpanKind.BOLD:
            return f"<b>{text}</b>"
        case SpanKind.ITALIC:
            return f"<i>{text}</i>"
        case SpanKind.LINK:
            return f'<a href="{html.escape(span.url or "", quote=True)}">{text}</a>'
        case SpanKind.TEXT:
            return text


def to_html(text: str) -> str:
    """One marked-up text as Telegram HTML."""
    return render(text, _span)


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    """The reply's choices as an inline keyboard (None when it has none)."""
    if not reply.choices:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(choice.label, callback_data=choice.payload) for choice in row]
            for row in reply.choices
        ]
    )


def html_chunks(reply: Reply) -> list[str]:
    """The reply as one or more HTML messages, each within Telegram's limit."""
    chunks: list[str] = []
    for piece in split_paragraphs(reply.text, _SPLIT_AT):
        rendered = to_html(piece)
        if len(rendered) <= MESSAGE_LIMIT:
            chunks.append(rendered)
        else:
            chunks.extend(to_html(smaller) for smaller in split_paragraphs(piece, _SPLIT_AT // 3))
    return chunks
