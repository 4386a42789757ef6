"""The model of ``content/<lang>/whatsapp-templates.yaml``: message templates a platform must approve
before the bot may use them (WhatsApp, outside the 24-hour window after a person's last message).

One template per kind of scheduled message (a daily tip, a campaign drop) per language. The fields are
the ones Meta's template manager asks for, so an organizer can submit the file as it is; ``{{1}}`` in the
body is filled at send time with the message itself. ``safetybot content check`` checks them
(``bot.content.checks.message_templates``).
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from bot.content.models import NonEmpty, Strict

TEMPLATE_KINDS = ("daily_tip", "campaign")
"""The scheduled messages that need a template: the same names as the core's kinds of scheduled message."""
PARAMETERS_PER_KIND = {"daily_tip": 1, "campaign": 1}
"""How many ``{{n}}`` each kind's body takes: the message itself."""
MAX_BODY = 1024
MAX_FOOTER = 60
PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")

TemplateName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]{1,512}$")]
"""Meta's rule for template names: lower-case letters, digits and underscores."""
TemplateLanguage = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(_[A-Z]{2})?$")]
"""Meta's language codes: ``en``, ``en_US``, ``es_MX``, ``fr``, ``ar``..."""


class MessageTemplate(Strict):
    """One template as Meta's template manager takes it (and as the bot sends it)."""

    kind: Literal["daily_tip", "campaign"]
    name: TemplateName
    language: TemplateLanguage
    category: Literal["MARKETING", "UTILITY"]
    body: NonEmpty
    example: list[NonEmpty] = Field(default_factory=list)
    footer: NonEmpty | None = None


class MessageTemplatesFile(Strict):
    """content/<lang>/whatsapp-templates.yaml"""

    templates: list[MessageTemplate]


def fill(template: MessageTemplate, values: list[str]) -> str:
    """The body as the person will read it, ``{{n}}`` replaced by ``values[n-1]`` (for previews and tests)."""

    def value(match: re.Match[str]) -> str:
        index = int(match.group(1)) - 1 if match.group(1).isdigit() else -1
        return values[index] if 0 <= index < len(values) else match.group(0)

    return PLACEHOLDER.sub(value, template.body)
