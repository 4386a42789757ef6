"""The bot's message markup as HTML for the dashboard (message previews and the ``markup`` filter).

``**bold**``, ``_italic_``, links and lists become ``<strong>``, ``<em>``, ``<a>`` and lines; all text
is escaped, and links open in a new tab without passing the dashboard's address on.
"""

from __future__ import annotations

import html

from markupsafe import Markup

from bot.core.markup import Span, SpanKind, render


def _html_span(span: Span) -> str:
    text = html.escape(span.text, quote=False)
    match span.kind:
        case SpanKind.BOLD:
            return f"<strong>{text}</strong>"
        case SpanKind.ITALIC:
            return f"<em>{text}</em>"
        case SpanKind.LINK:
            url = html.escape(span.url or "", quote=True)
            return f'<a href="{url}" rel="noopener noreferrer nofollow" target="_blank">{text}</a>'
        case SpanKind.TEXT:
            return text


def markup_html(text: str) -> Markup:
    """The bot's markup (``**bold**``, ``_italic_``, links, lists) as safe HTML: text escaped, lines kept."""
    return Markup(render(text, _html_span).replace("\n", "<br>\n"))
