"""The message templates WhatsApp needs outside the 24-hour window: finding one per kind and language,
filling it with a scheduled message, and writing them out in the shape Meta's API takes.

The templates are content (``content/<lang>/whatsapp-templates.yaml``, validated by ``safetybot content
check``). An organizer submits them in WhatsApp Manager (the form asks for the same fields), or all at
once through the Graph API with what ``python -m adapters.whatsapp.templates`` prints: one JSON object per
line, each the body of ``POST /{whatsapp-business-account-id}/message_templates``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from adapters.whatsapp.render import ELLIPSIS, to_whatsapp
from bot.content.library import ContentLibrary
from bot.content.message_templates import MAX_BODY, PLACEHOLDER, MessageTemplate, MessageTemplatesFile

KIND = "whatsapp-templates"
"""The content kind's name (``bot.content.kinds``)."""


class TemplateBook:
    """The templates of every shipped language, by kind."""

    def __init__(self, content: ContentLibrary) -> None:
        self._content = content
        self._by_language: dict[str, dict[str, MessageTemplate]] = {}
        for lang in content.shipped:
            files = content.lang(lang).files.get(KIND, [])
            found = {
                template.kind: template
                for located in files
                if isinstance(located, MessageTemplatesFile)
                for template in located.templates
            }
            self._by_language[lang] = found

    def get(self, lang: str, kind: str) -> MessageTemplate | None:
        """The template for ``kind`` in ``lang``, else in the default language (better late English than
        nothing), else None."""
        own = self._by_language.get(self._content.resolve_language(lang), {})
        default = self._by_language.get(self._content.default_language, {})
        return own.get(kind) or default.get(kind)


def parameter(template: MessageTemplate, marked_text: str) -> str:
    """The message as the value of the template's ``{{1}}``: in WhatsApp formatting, on one line (Meta
    refuses line breaks in a parameter), cut so the filled body stays within 1,024 characters."""
    one_line = " ".join(to_whatsapp(marked_text).split())
    room = MAX_BODY - len(PLACEHOLDER.sub("", template.body))
    if len(one_line) <= room:
        return one_line
    return one_line[: max(1, room - 1)].rstrip() + ELLIPSIS


def for_meta(template: MessageTemplate) -> dict[str, Any]:
    """The body of ``POST /{waba-id}/message_templates`` that submits this template for approval."""
    body: dict[str, Any] = {"type": "BODY", "text": template.body}
    if template.example:
        body["example"] = {"body_text": [list(template.example)]}
    components: list[dict[str, Any]] = [body]
    if template.footer:
        components.append({"type": "FOOTER", "text": template.footer})
    return {
        "name": template.name,
        "language": template.language,
        "category": template.category,
        "components": components,
    }


def main(argv: list[str] | None = None) -> int:
    """Print every shipped template as Meta's API takes it, one JSON object per line."""
    from bot.content.loader import load_content

    args = sys.argv[1:] if argv is None else argv
    content = load_content(Path(args[0])) if args else load_content()
    for lang in content.shipped:
        for located in content.lang(lang).files.get(KIND, []):
            if isinstance(located, MessageTemplatesFile):
                for template in located.templates:
                    sys.stdout.write(json.dumps(for_meta(template), ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
