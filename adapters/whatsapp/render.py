"""Core replies rendered for the WhatsApp Cloud API: JSON payloads for ``POST /{phone-number-id}/messages``.

Text is WhatsApp formatting (``*bold*``, ``_italic_``; a link as "text: URL", which WhatsApp makes
clickable), split at paragraph boundaries under the 4,096-character limit of a text message. Choices
become reply buttons (1 to 3) or list messages (4 and more, ten rows to a message).

Literal text stays literal. WhatsApp has no escape character, so a ``*``, ``_``, ``~`` or `````
that a person typed (or that content quotes) and that could pair with another marker of the same kind
in the message is replaced with its full-width twin (``＊ ＿ ～ ｀``), which WhatsApp never reads as
formatting. A marker that cannot pair is left as it is, so ``Llama al *4141`` keeps a dialable
asterisk. The test is deliberately wider than WhatsApp's own: a marker counts as able to open when a
non-space follows it and able to close when a non-space precedes it, anywhere in the same message,
whatever is around it. Addresses (link targets and bare ``http(s)://`` addresses) are never altered.
A line that starts with ``> `` (WhatsApp's quote) gets a full-width ``＞``.

Limits (Meta, "Interactive reply buttons messages" and "Interactive list messages",
https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/interactive-reply-buttons-messages
and .../interactive-list-messages): at most 3 reply buttons, title at most 20 characters, id at most
256; a list has at most 10 rows over all its sections, row title at most 24 characters, row id at most
200, row description at most 72, list button label at most 20; interactive body at most 1,024.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

from bot.core.markup import Span, SpanKind, render, split_paragraphs
from bot.core.replies import Choice, Reply

_log = logging.getLogger(__name__)

JSON = dict[str, Any]

MESSAGE_LIMIT = 4096
"""Characters in the body of a text message."""
BODY_LIMIT = 1024
"""Characters in the body of an interactive message."""
MAX_BUTTONS = 3
BUTTON_TITLE_LIMIT = 20
BUTTON_ID_LIMIT = 256
MAX_ROWS = 10
ROW_TITLE_LIMIT = 24
ROW_ID_LIMIT = 200
ROW_DESCRIPTION_LIMIT = 72
LIST_BUTTON_LIMIT = 20
SECTION_TITLE_LIMIT = 24
ELLIPSIS = "…"

_SPLIT_AT = 3800
"""Split the marked-up text below the limit, leaving room for the marks right-to-left rendering adds."""

_MARKERS = "*_~`"
_TWINS = {"*": "\uff0a", "_": "\uff3f", "~": "\uff5e", "`": "\uff40"}
"""Full-width forms that look like the markers and are never formatting."""
_QUOTE_TWIN = "\uff1e"
# Literal markers travel through ``markup.render`` as private-use characters, so the final pass can
# tell them from the markers rendering itself writes (bold, italic) and from addresses.
_HELD = {marker: chr(0xE000 + index) for index, marker in enumerate(_MARKERS)}
_MARKER_OF = {held: marker for marker, held in _HELD.items()}
_HOLD = str.maketrans(_HELD)
_SCRUB = str.maketrans(dict.fromkeys(_MARKER_OF, "\ufffd"))
ADDRESS = re.compile(r"https?://[^\s*`]*[^\s*`_~.,:;!?'\")\]>]")
"""A bare address: no ``*`` or backtick in it, and no marker or punctuation at its end."""
_QUOTE_LINE = re.compile(r"^(\u200f?)>(?=\s)", re.MULTILINE)


def _literal(text: str) -> str:
    """Text with its markers held back for the final pass; addresses inside it stay untouched."""
    text = text.translate(_SCRUB)
    out: list[str] = []
    position = 0
    for match in ADDRESS.finditer(text):
        out.append(text[position : match.start()].translate(_HOLD))
        out.append(match.group(0))
        position = match.end()
    out.append(text[position:].translate(_HOLD))
    return "".join(out)


def _wrap(text: str, marker: str) -> str:
    """``text`` between two markers; WhatsApp formats only when no space touches the inner side."""
    core = text.strip()
    if not core:
        return text
    start = len(text) - len(text.lstrip())
    return f"{text[:start]}{marker}{core}{marker}{text[start + len(core) :]}"


def _span(span: Span) -> str:
    text = _literal(span.text)
    match span.kind:
        case SpanKind.BOLD:
            return _wrap(text, "*")
        case SpanKind.ITALIC:
            return _wrap(text, "_")
        case SpanKind.LINK:
            url = span.url or ""
            return url if not span.text.strip() or span.text.strip() == url else f"{text}: {url}"
        case SpanKind.TEXT:
            return text


def _can_open(text: str, i: int) -> bool:
    return i + 1 < len(text) and not text[i + 1].isspace()


def _can_close(text: str, i: int) -> bool:
    return i > 0 and not text[i - 1].isspace()


def _settle(rendered: str) -> str:
    """Release the held markers: each one that could pair with another of its kind becomes its twin."""
    out = list(rendered)
    for marker in _MARKERS:
        held = _HELD[marker]
        places = [i for i, ch in enumerate(rendered) if ch in (marker, held)]
        # For each place: could some earlier marker open a pair, could some later one close it?
        opener_before = [False] * len(places)
        closer_after = [False] * len(places)
        for k in range(1, len(places)):
            opener_before[k] = opener_before[k - 1] or _can_open(rendered, places[k - 1])
            back = len(places) - 1 - k
            closer_after[back] = closer_after[back + 1] or _can_close(rendered, places[back + 1])
        for k, i in enumerate(places):
            if rendered[i] == held:
                pairs = (_can_open(rendered, i) and closer_after[k]) or (
                    _can_close(rendered, i) and opener_before[k]
                )
                out[i] = _TWINS[marker] if pairs else marker
    return _QUOTE_LINE.sub(lambda match: f"{match.group(1)}{_QUOTE_TWIN}", "".join(out))


def to_whatsapp(text: str) -> str:
    """One marked-up text (one message) in WhatsApp formatting, its literal text kept literal."""
    return _settle(render(text, _span))


def text_chunks(text: str) -> list[str]:
    """Marked-up text as WhatsApp-formatted message bodies of at most 4,096 characters each, split at
    paragraph boundaries where possible; empty text gives no chunk."""
    if not text.strip():
        return []
    chunks: list[str] = []
    for piece in split_paragraphs(text, _SPLIT_AT):
        rendered = to_whatsapp(piece)
        if len(rendered) <= MESSAGE_LIMIT:
            chunks.append(rendered)
            continue
        for smaller in split_paragraphs(piece, _SPLIT_AT // 3):
            rendered = to_whatsapp(smaller)
            chunks.extend(rendered[i : i + MESSAGE_LIMIT] for i in range(0, len(rendered), MESSAGE_LIMIT))
    return [chunk for chunk in chunks if chunk.strip()]


def shorten(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, ending with an ellipsis when it was cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + ELLIPSIS


def _base(to: str) -> JSON:
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to}


def text_message(to: str, body: str, *, preview_url: bool = False) -> JSON:
    """A text message with an already rendered body (see :func:`text_chunks`)."""
    return {**_base(to), "type": "text", "text": {"preview_url": preview_url, "body": body}}


def _checked_id(payload: str, limit: int) -> str:
    if not payload or len(payload) > limit:
        raise ValueError(f"a WhatsApp button or row id must be 1 to {limit} characters")
    return payload


def buttons_message(to: str, body: str, choices: Sequence[Choice]) -> JSON:
    """An interactive reply-buttons message: 1 to 3 buttons, ids the choices' payloads.

    Args:
        to: the recipient's WhatsApp id.
        body: the rendered body, at most 1,024 characters.
        choices: the buttons; labels longer than 20 characters end with an ellipsis.

    Raises:
        ValueError: for no choice, more than 3, or a payload that is not a valid id.
    """
    if not 1 <= len(choices) <= MAX_BUTTONS:
        raise ValueError(f"reply buttons take 1 to {MAX_BUTTONS} choices, not {len(choices)}")
    buttons = [
        {
            "type": "reply",
            "reply": {
                "id": _checked_id(choice.payload, BUTTON_ID_LIMIT),
                "title": shorten(choice.label, BUTTON_TITLE_LIMIT),
            },
        }
        for choice in choices
    ]
    return {
        **_base(to),
        "type": "interactive",
        "interactive": {"type": "button", "body": {"text": body}, "action": {"buttons": buttons}},
    }


def _row(choice: Choice) -> JSON:
    row: JSON = {
        "id": _checked_id(choice.payload, ROW_ID_LIMIT),
        "title": shorten(choice.label, ROW_TITLE_LIMIT),
    }
    if row["title"] != " ".join(choice.label.split()):
        # The row's title had to be cut: the description (72 characters) shows the label whole or nearly.
        row["description"] = shorten(choice.label, ROW_DESCRIPTION_LIMIT)
    return row


def list_message(
    to: str, body: str, choices: Sequence[Choice], *, button: str, section_title: str | None = None
) -> JSON:
    """An interactive list message: one section of 1 to 10 rows, ids the choices' payloads.

    Args:
        to: the recipient's WhatsApp id.
        body: the rendered body, at most 1,024 characters.
        choices: the rows; labels longer than 24 characters end with an ellipsis and are repeated in
            the row's description.
        button: the label of the button that opens the list (cut to 20 characters).
        section_title: the section's title, optional with one section (cut to 24 characters).

    Raises:
        ValueError: for no choice, more than 10, or a payload that is not a valid id.
    """
    if not 1 <= len(choices) <= MAX_ROWS:
        raise ValueError(f"a list message takes 1 to {MAX_ROWS} choices, not {len(choices)}")
    section: JSON = {"rows": [_row(choice) for choice in choices]}
    if section_title:
        section = {"title": shorten(section_title, SECTION_TITLE_LIMIT), **section}
    return {
        **_base(to),
        "type": "interactive",
        "interactive": {
            "type": "list",
            "body": {"text": body},
            "action": {"button": shorten(button, LIST_BUTTON_LIMIT), "sections": [section]},
        },
    }


def _interactive(to: str, body: str, choices: Sequence[Choice], list_button: str) -> JSON:
    titles = {shorten(choice.label, BUTTON_TITLE_LIMIT) for choice in choices}
    if len(choices) <= MAX_BUTTONS and len(titles) == len(choices):
        return buttons_message(to, body, choices)
    # Button titles must be unique in a message: labels that read the same once cut go in a list,
    # whose rows show the whole label in their description.
    return list_message(to, body, choices, button=list_button)


def messages(
    reply: Reply, to: str, *, list_button: str, short_body: str, preview_url: bool = False
) -> list[JSON]:
    """The payloads a reply becomes, in sending order.

    Without choices: the text in chunks. With 1 to 3 choices: reply buttons (a list when two labels
    read the same once cut to 20 characters, as button titles must differ); 4 to 10: a list; more
    than 10: a list of the first 10, then further lists of up to 10. The interactive message carries
    the text when it fits in 1,024 characters; otherwise the text goes first and the interactive
    messages carry ``short_body``, as do the further lists.

    Args:
        reply: the core's reply (``private`` and ``notice`` have no WhatsApp equivalent and are ignored).
        to: the recipient's WhatsApp id.
        list_button: the label of the button that opens a list (content, in the person's language).
        short_body: a short marked-up body for interactive messages that cannot carry the text.
        preview_url: whether WhatsApp may show a preview of the first address in a text message.
    """
    chunks = text_chunks(reply.text)
    choices = reply.flat_choices
    if not choices:
        return [text_message(to, chunk, preview_url=preview_url) for chunk in chunks]
    short = shorten_body(short_body)
    if len(chunks) == 1 and len(chunks[0]) <= BODY_LIMIT:
        first_body, out = chunks[0], []
    else:
        first_body, out = short, [text_message(to, chunk, preview_url=preview_url) for chunk in chunks]
    groups = [choices[i : i + MAX_ROWS] for i in range(0, len(choices), MAX_ROWS)]
    out.append(_interactive(to, first_body, groups[0], list_button))
    out.extend(list_message(to, short, group, button=list_button) for group in groups[1:])
    return out


def shorten_body(text: str) -> str:
    """A marked-up text rendered as an interactive body, cut to 1,024 characters if it is longer."""
    rendered = to_whatsapp(text)
    if len(rendered) <= BODY_LIMIT:
        return rendered
    _log.warning("an interactive body was %d characters; cut to %d", len(rendered), BODY_LIMIT)
    return rendered[: BODY_LIMIT - 1].rstrip() + ELLIPSIS


def template_message(to: str, name: str, language: str, body_params: Sequence[str] = ()) -> JSON:
    """A template message (the only kind WhatsApp delivers outside the 24-hour customer service window).

    Args:
        to: the recipient's WhatsApp id.
        name: the approved template's name.
        language: its language code as registered with Meta (``en``, ``en_US``, ``es_MX``...).
        body_params: the values of the body's ``{{1}}``, ``{{2}}``... in order. Meta refuses a value with
            a line break, a tab or more than four spaces in a row (error 132018), so those become one
            space.
    """
    template: JSON = {"name": name, "language": {"code": language}}
    if body_params:
        parameters = [{"type": "text", "text": _one_line(param)} for param in body_params]
        template["components"] = [{"type": "body", "parameters": parameters}]
    return {**_base(to), "type": "template", "template": template}


def _one_line(text: str) -> str:
    return re.sub(r" {4,}", " ", re.sub(r"[\r\n\t]+", " ", text)).strip()
