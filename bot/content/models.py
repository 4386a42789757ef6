"""Pydantic models of every content file. One model per kind of file; unknown fields are errors."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=48)]
NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
CommandName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]{1,32}$")]
"""A command or option name every platform accepts (Telegram's rule, stricter than Discord's)."""
CommandWord = Annotated[str, StringConstraints(pattern=r"^(?:[^\W_A-Z]|-){1,32}$")]
"""A word typed as a command argument, folded (no accents, Arabic letter variants folded): "laborables",
"privacidad", "عربي"; letters of any script, digits and hyphens."""
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
HttpsUrl = Annotated[str, StringConstraints(pattern=r"^https?://\S+$")]

MAX_TIP_CHARS = 400
FAQ_ANSWER_WORDS = (60, 180)
MAX_BUTTON_LABEL = 40
"""Discord caps button labels at 80 characters; we keep to 40 so they stay readable on phones."""


class Strict(BaseModel):
    """Base for content models: unknown fields are reported, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(Strict):
    """Where a fact comes from."""

    title: NonEmpty
    url: HttpsUrl | None = None


class Catalog(Strict):
    """content/catalog.yaml: the language-neutral contract of categories and topic ids."""

    categories: list[Slug]
    topics: dict[Slug, Slug] = Field(description="topic id -> category id")
    techniques: list[Slug] = Field(default_factory=list)


class Tip(Strict):
    """A daily tip: one idea, one action, one reason."""

    id: Slug
    category: Slug
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=20, max_length=MAX_TIP_CHARS)]
    source: Source | None = None


class TipsFile(Strict):
    """content/<lang>/tips*.yaml"""

    tips: list[Tip]


LongExample = Annotated[str, StringConstraints(strip_whitespace=True, min_length=40, max_length=4096)]
MAX_PHRASINGS = 40


class FaqEntry(Strict):
    """A curated answer to one topic, with the ways people ask for it."""

    id: Slug
    category: Slug
    label: NonEmpty
    question: NonEmpty
    phrasings: Annotated[list[NonEmpty], Field(min_length=6, max_length=MAX_PHRASINGS)]
    keywords: Annotated[list[NonEmpty], Field(min_length=1)]
    examples: list[LongExample] = Field(default_factory=list)
    """Longer messages this topic answers, the way people write to a helpline (the topic classifier
    learns from them; never copy an evaluation message here)."""
    answer: NonEmpty
    related: list[Slug] = Field(default_factory=list, max_length=3)
    sources: Annotated[list[Source], Field(min_length=1)]


class FaqFile(Strict):
    """content/<lang>/faq*.yaml"""

    faq: list[FaqEntry]


class CrisisResource(Strict):
    """A helpline or service for someone in crisis."""

    name: NonEmpty
    contact: NonEmpty
    region: NonEmpty
    url: HttpsUrl | None = None
    note: str | None = None
    hours: str | None = None
    countries: list[CountryCode] = Field(default_factory=list)
    """ISO 3166-1 alpha-2 codes this line serves; when the platform tells a person's country, the lines
    for that country come first. Empty: shown to everyone."""


class CrisisFile(Strict):
    """content/<lang>/crisis.yaml"""

    resources: Annotated[list[CrisisResource], Field(min_length=1)]
    sextortion_resources: list[CrisisResource] = Field(default_factory=list)


class CrisisCue(Strict):
    """A word or phrase that suggests risk; cues add up, and enough of them mark a crisis."""

    pattern: NonEmpty
    weight: Annotated[int, Field(ge=1, le=10)]
    kind: Slug = "suicide-or-self-harm"


class CrisisSignalsFile(Strict):
    """content/<lang>/crisis-signals.yaml: what marks a message as coming from someone in crisis.

    ``innocent`` patterns are blanked out first ("kill a background app"). Then any ``signals`` pattern
    fires on its own; otherwise the weights of the ``cues`` found are added up and fire at
    ``cue_threshold`` ("trapped" and "one way out" together, though neither alone).
    """

    signals: dict[Slug, Annotated[list[NonEmpty], Field(min_length=1)]]
    innocent: list[NonEmpty] = Field(default_factory=list)
    cues: list[CrisisCue] = Field(default_factory=list)
    cue_threshold: Annotated[int, Field(ge=1)] = 4


CRISIS_EXAMPLE_KINDS = (
    "suicidal-direct",
    "suicidal-indirect",
    "plan-means",
    "self-harm",
    "eating-disorder-danger",
    "abuse-immediate-danger",
    "sexual-abuse",
    "sextortion-despair",
    "friend-at-risk",
)
"""The kinds of message that must get crisis help; every language writes examples of each."""
SAFE_EXAMPLE_KINDS = (
    "idioms",
    "games-media-fiction",
    "tech",
    "news-songs-school",
    "professionals-prevention",
    "safety-questions",
    "everyday-feelings",
    "dark-humour",
)
"""The kinds of hard negative (scary words, nobody at risk); every language writes examples of each."""


class CrisisExamplesFile(Strict):
    """content/<lang>/crisis-examples*.yaml: messages the crisis detector learns from.

    ``crisis`` holds messages that must get help, by kind; ``safe`` holds hard negatives that use the
    same words or themes while nobody is at risk. Never copy an evaluation message here.
    """

    crisis: dict[Slug, list[NonEmpty]] = Field(default_factory=dict)
    safe: dict[Slug, list[NonEmpty]] = Field(default_factory=dict)


class SynonymsFile(Strict):
    """content/<lang>/synonyms.yaml: slang and abbreviations mapped to the words the index knows."""

    synonyms: dict[NonEmpty, NonEmpty]
    stopwords: list[NonEmpty] = Field(default_factory=list)


class OffTopicIntent(Strict):
    """A kind of request the bot does not answer (weather, recipes, device tech support...).

    The answer engine indexes these next to the FAQ, so a question that looks more like one of these
    than like any safety topic is honestly refused.
    """

    id: Slug
    phrasings: Annotated[list[NonEmpty], Field(min_length=3)]
    keywords: Annotated[list[NonEmpty], Field(min_length=1)]


class OffTopicFile(Strict):
    """content/<lang>/off-topic.yaml"""

    off_topic: list[OffTopicIntent]


class UiFile(Strict):
    """content/<lang>/ui.yaml: every user-visible string the code shows, by key, and command descriptions."""

    strings: dict[NonEmpty, str]
    commands: dict[Slug, NonEmpty]
    command_names: dict[NonEmpty, CommandName] = Field(
        default_factory=dict,
        description='This language\'s names for commands ("subscribe") and their options ("subscribe.time"); '
        "people may type them, and Discord shows them. The default language's names are the keys themselves.",
    )
    words: dict[Slug, list[CommandWord]] = Field(
        default_factory=dict,
        description="Words people may type for a command argument the code knows by its English id: "
        '"weekdays: [laborables]", "privacy: [privacidad]" (categories, day words, hide/show).',
    )
    latin_markers: list[Annotated[str, StringConstraints(pattern=r"^[a-z0-9']{2,24}$")]] = Field(
        default_factory=list,
        description='For a language also typed in Latin letters (Arabic as Arabizi: "ana", "3arabi"): words '
        "that mark it, so language detection can tell it from English or French.",
    )
    transliteration: dict[Annotated[str, StringConstraints(pattern=r"^\^?[a-z0-9']{1,4}\$?$")], str] = Field(
        default_factory=dict,
        description="For a language also typed in Latin letters: Latin sequences and the letters of the "
        "language's script they stand for (^ at the start of a word, $ at its end), used to read such "
        "messages in the script the bot learned from.",
    )


Verdict = Literal["reliable", "manipulative"]
"""How a challenge item should be judged."""


class ChallengeTechnique(Strict):
    """A manipulation technique: its name (shown on a button) and one tip for spotting it."""

    name: NonEmpty
    tip: NonEmpty


class ChallengeItem(Strict):
    """One misinformation-spotting item: a post, headline or ad to judge reliable or manipulative.

    ``technique`` names the manipulation technique (a catalog technique id) for manipulative items and is
    absent for reliable ones; ``content check`` reports any item that breaks this.
    """

    id: Slug
    format: Slug
    verdict: Verdict
    technique: Slug | None = None
    item: NonEmpty
    explanation: NonEmpty
    what_you_can_do: NonEmpty


class ChallengesFile(Strict):
    """content/<lang>/challenges*.yaml: the techniques' names and tips, and the items."""

    techniques: dict[Slug, ChallengeTechnique] = Field(default_factory=dict)
    items: list[ChallengeItem]
