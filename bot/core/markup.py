"""The small markup subset used by all content and replies, parsed once and rendered by each adapter.

Syntax: ``**bold**``, ``_italic_``, ``[text](https://url)``, list lines starting with ``- `` or ``1. ``,
paragraphs separated by blank lines. Anything else is literal text, which renderers escape.

A backslash before one of ``\\ * _ [ ] ( ) - #`` makes it literal. ``literal()`` escapes a whole text
that way: whatever a person typed or is named is inserted into the bot's words as ``literal(text)``
(``Texts.say`` does it for every placeholder), so nobody can put a link or formatting into the bot's
messages, on any platform. ``Marked`` is text already in this markup (a UI string), inserted as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum

from bot.core.bidi import is_rtl, isolate_runs, line_start


class SpanKind(StrEnum):
    """The inline styles of the markup subset."""

    TEXT = "text"
    BOLD = "bold"
    ITALIC = "italic"
    LINK = "link"


class LineKind(StrEnum):
    """What a line of marked-up text is."""

    TEXT = "text"
    BULLET = "bullet"
    NUMBERED = "numbered"
    BLANK = "blank"


@dataclass(frozen=True, slots=True)
class Span:
    """A run of inline text with one style; ``url`` is set for links."""

    kind: SpanKind
    text: str
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Line:
    """One line: its kind, its list marker ("3" for a numbered item) and its spans."""

    kind: LineKind
    spans: tuple[Span, ...]
    marker: str = ""


ESCAPABLE = "\\*_[]()-#"
"""Characters a backslash makes literal."""
_ESCAPE = re.compile(r"([\\*_\[\]()\-#])")
_ESCAPED = re.compile(r"\\([\\*_\[\]()\-#])")
_HIDDEN = 0xF0000
"""Escaped characters stand in as supplementary private-use characters while a line is parsed."""
_SHOWN = {chr(_HIDDEN + index): char for index, char in enumerate(ESCAPABLE)}


class Marked(str):
    """Text already in the markup subset (a UI string, content): ``Texts.say`` inserts it as it is."""

    __slots__ = ()


def literal(text: str) -> str:
    """``text`` escaped so that the markup shows it exactly as written, never as a link or a style."""
    return _ESCAPE.sub(r"\\\1", text)


def _hide_escapes(text: str) -> str:
    return _ESCAPED.sub(lambda match: chr(_HIDDEN + ESCAPABLE.index(match.group(1))), text)


def _show(text: str) -> str:
    return "".join(_SHOWN.get(char, char) for char in text) if any(c in _SHOWN for c in text) else text


_INLINE = re.compile(
    r"\[(?P<link_text>[^\]\n]+)\]\((?P<url>https?://[^)\s]+)\)"
    r"|\*\*(?P<bold>[^*\n]+?)\*\*"
    r"|(?<![\w])_(?P<italic>[^_\n]+?)_(?![\w])"
)
_BULLET = re.compile(r"^\s*[-*•]\s+(?P<rest>.*)$")
_NUMBERED = re.compile(r"^\s*(?P<n>\d{1,3})[.)]\s+(?P<rest>.*)$")


def parse_inline(text: str) -> tuple[Span, ...]:
    """Split one line into styled spans (escaped characters come out literal)."""
    text = _hide_escapes(text)
    return tuple(
        Span(span.kind, _show(span.text), _show(span.url) if span.url else span.url) for span in _spans(text)
    )


def _spans(text: str) -> tuple[Span, ...]:
    spans: list[Span] = []
    position = 0
    for match in _INLINE.finditer(text):
        if match.start() > position:
            spans.append(Span(SpanKind.TEXT, text[position : match.start()]))
        if match.group("link_text") is not None:
            spans.append(Span(SpanKind.LINK, match.group("link_text"), match.group("url")))
        elif match.group("bold") is not None:
            spans.append(Span(SpanKind.BOLD, match.group("bold")))
        else:
            spans.append(Span(SpanKind.ITALIC, match.group("italic")))
        position = match.end()
    if position < len(text):
        spans.append(Span(SpanKind.TEXT, text[position:]))
    return tuple(spans)


def parse(text: str) -> list[Line]:
    """Parse marked-up text into lines of spans, keeping blank lines so renderers keep paragraphs."""
    lines: list[Line] = []
    for raw in text.strip("\n").split("\n"):
        if not raw.strip():
            lines.append(Line(LineKind.BLANK, ()))
        elif bullet := _BULLET.match(raw):
            lines.append(Line(LineKind.BULLET, parse_inline(bullet.group("rest"))))
        elif numbered := _NUMBERED.match(raw):
            lines.append(Line(LineKind.NUMBERED, parse_inline(numbered.group("rest")), numbered.group("n")))
        else:
            lines.append(Line(LineKind.TEXT, parse_inline(raw.rstrip())))
    return lines


def render(text: str, span: Callable[[Span], str]) -> str:
    """Marked-up text rendered line by line, each span through ``span`` (adapters pass their own).

    A text written mostly in a right-to-left script gets the directional marks of ``bot.core.bidi`` (every
    line laid out right to left, every left-to-right run isolated); link addresses are never touched.
    """
    lines = parse(text)
    rtl = is_rtl(" ".join(part.text for line in lines for part in line.spans))
    start = line_start() if rtl else ""
    out: list[str] = []
    for line in lines:
        parts = [replace(part, text=isolate_runs(part.text)) for part in line.spans] if rtl else line.spans
        body = "".join(span(part) for part in parts)
        match line.kind:
            case LineKind.BULLET:
                out.append(f"{start}• {body}")
            case LineKind.NUMBERED:
                out.append(f"{start}{line.marker}. {body}")
            case LineKind.BLANK:
                out.append("")
            case LineKind.TEXT:
                out.append(f"{start}{body}")
    return "\n".join(out)


def plain_text(text: str) -> str:
    """The text without markup (links keep their address in brackets), for the console and the CLI.

    In a right-to-left text the address is isolated too, as it is shown as text here."""
    rtl = is_rtl(" ".join(part.text for line in parse(text) for part in line.spans))

    def span(part: Span) -> str:
        if part.kind is not SpanKind.LINK:
            return part.text
        return f"{part.text} ({isolate_runs(part.url or '') if rtl else part.url})"

    return render(text, span)


def split_paragraphs(text: str, limit: int) -> list[str]:
    """Split marked-up text at blank lines into chunks of at most ``limit`` characters.

    A single paragraph longer than ``limit`` is split at line ends, then hard at ``limit``.
    """
    if len(text) <= limit:
        return [text]
    chunks: list[str] = []
    current = ""
    for paragraph in text.split("\n\n"):
        pieces = [paragraph]
        if len(paragraph) > limit:
            pieces = []
            for line in paragraph.split("\n"):
                pieces.extend(line[i : i + limit] for i in range(0, max(len(line), 1), limit))
        for piece in pieces:
            candidate = f"{current}\n\n{piece}" if current else piece
            if len(candidate) <= limit:
                current = candidate
            else:
                if current:
                    chunks.append(current)
                current = piece
    if current:
        chunks.append(current)
    return chunks
