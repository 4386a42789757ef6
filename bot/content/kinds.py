"""The registry of content kinds: adding a kind of content is one model here and one file pattern."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from bot.content.message_templates import MessageTemplatesFile
from bot.content.models import (
    ChallengesFile,
    CrisisExamplesFile,
    CrisisFile,
    CrisisSignalsFile,
    FaqFile,
    OffTopicFile,
    SynonymsFile,
    TipsFile,
    UiFile,
)


@dataclass(frozen=True, slots=True)
class ContentKind:
    """A kind of per-language content file.

    Attributes:
        name: the kind's name in reports.
        pattern: a glob inside content/<lang>/.
        model: the pydantic model one file validates into.
        items_field: for kinds whose entries carry ids, the list field holding them (ids must be unique
            across all files of the kind in one language).
        required: a language without such a file is incomplete.
    """

    name: str
    pattern: str
    model: type[BaseModel]
    items_field: str | None = None
    required: bool = True


KINDS: tuple[ContentKind, ...] = (
    ContentKind("ui", "ui.yaml", UiFile),
    ContentKind("tips", "tips*.yaml", TipsFile, items_field="tips"),
    ContentKind("faq", "faq*.yaml", FaqFile, items_field="faq"),
    ContentKind("crisis", "crisis.yaml", CrisisFile),
    ContentKind("crisis-signals", "crisis-signals.yaml", CrisisSignalsFile),
    ContentKind("synonyms", "synonyms.yaml", SynonymsFile, required=False),
    ContentKind("off-topic", "off-topic.yaml", OffTopicFile, items_field="off_topic", required=False),
    ContentKind("crisis-examples", "crisis-examples*.yaml", CrisisExamplesFile),
    ContentKind("challenges", "challenges*.yaml", ChallengesFile, items_field="items"),
    ContentKind(
        "whatsapp-templates",
        "whatsapp-templates.yaml",
        MessageTemplatesFile,
        items_field="templates",
        required=False,
    ),
)
