"""Core replies rendered for Discord: markdown with literal text escaped, buttons in views, long texts
split at paragraph boundaries under Discord's 2000-character message limit."""

from __future__ import annotations

from dataclasses import dataclass

import discord
from discord.utils import escape_markdown

from bot.core.markup import Span, SpanKind, render, split_paragraphs
from bot.core.replies import Choice, Reply

MESSAGE_LIMIT = 2000
_SPLIT_AT = 1700
"""Split the marked-up text below the limit, leaving room for the escapes and markers rendering adds."""
BUTTONS_PER_ROW = 5
ROWS_PER_MESSAGE = 5
LABEL_LIMIT = 80


def _span(span: Span) -> str:
    text = escape_markdown(span.text)
    match span.kind:
        case SpanKind.BOLD:
            return f"**{text}**"
        case SpanKind.ITALIC:
            return f"*{text}*"
        case SpanKind.LINK:
            # Angle brackets keep Discord from unfurling a preview for every source.
            url = (span.url or "").replace(">", "%3E").replace(")", "%29")
            return f"[{text.replace(']', '')}](<{url}>)"
        case SpanKind.TEXT:
            return text


def to_markdown(text: str) -> str:
    """One marked-up text as Discord markdown."""
    return render(text, _span)


def chunks(reply: Reply) -> list[str]:
    """The reply as one or more markdown messages, each within Discord's limit."""
    out: list[str] = []
    for piece in split_paragraphs(reply.text, _SPLIT_AT):
        rendered = to_markdown(piece)
        if len(rendered) <= MESSAGE_LIMIT:
            out.append(rendered)
            continue
        for smaller in split_paragraphs(piece, _SPLIT_AT // 3):
            rendered = to_markdown(smaller)
            out.extend(rendered[i : i + MESSAGE_LIMIT] for i in range(0, len(rendered), MESSAGE_LIMIT))
    return out or ["\u200b"]


class ButtonsView(discord.ui.View):
    """Buttons that carry the core's payload as their custom_id.

    Never stored in discord.py's view store: presses arrive in ``on_interaction`` whatever their
    custom_id, so buttons keep working across restarts and the core decides whether they are still valid.
    """

    def __init__(self, rows: list[list[Choice]]) -> None:
        super().__init__(timeout=None)
        for number, row in enumerate(rows):
            for choice in row:
                self.add_item(
                    discord.ui.Button(
                        label=choice.label[:LABEL_LIMIT],
                        custom_id=choice.payload,
                        style=discord.ButtonStyle.secondary,
                        row=number,
                    )
                )

    def is_dispatchable(self) -> bool:
        return False


def layout(reply: Reply) -> list[list[list[Choice]]]:
    """The reply's buttons as rows per message: the core's rows when they fit Discord's 5 x 5 grid,
    else packed five to a row; more than 25 buttons spill into further messages."""
    rows = [list(row) for row in reply.choices if row]
    if not rows:
        return []
    if len(rows) > ROWS_PER_MESSAGE or any(len(row) > BUTTONS_PER_ROW for row in rows):
        flat = reply.flat_choices
        rows = [flat[i : i + BUTTONS_PER_ROW] for i in range(0, len(flat), BUTTONS_PER_ROW)]
    return [rows[i : i + ROWS_PER_MESSAGE] for i in range(0, len(rows), ROWS_PER_MESSAGE)]


@dataclass(frozen=True, slots=True)
class Piece:
    """One Discord message of a reply: its text and its buttons (None when it has none)."""

    content: str
    view: ButtonsView | None


def pieces(reply: Reply) -> list[Piece]:
    """The messages a reply becomes: its text chunks, the buttons on the last one (and on extra
    messages when there are more than 25)."""
    texts = chunks(reply)
    grids = layout(reply)
    out = [Piece(text, None) for text in texts]
    if grids:
        out[-1] = Piece(out[-1].content, ButtonsView(grids[0]))
        out.extend(Piece("\u200b", ButtonsView(grid)) for grid in grids[1:])
    return out
