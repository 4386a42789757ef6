"""What the classifiers learn from: the shipped content of every language, never an evaluation set.

Topic examples: each FAQ entry's question, label, phrasings, longer examples and the first sentence of
its answer, under the topic's id; off-topic phrasings under ``OFF_TOPIC``. Crisis examples: each
language's crisis-examples file (``crisis`` and ``safe`` sections); every FAQ question, phrasing,
off-topic phrasing and tip also counts as safe, so the detector learns that ordinary safety questions (about
bullying, threats or sextortion too) are not crises.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.content.library import ContentLibrary
from bot.content.models import SAFE_EXAMPLE_KINDS
from bot.understanding.transliteration import Transliterator

OFF_TOPIC = "off-topic"
"""The topic classifier's class for requests the bot does not answer."""
CRISIS = "crisis"
SAFE = "safe"
HARD_NEGATIVE_KINDS = frozenset(SAFE_EXAMPLE_KINDS)
"""Safe examples written to look like crises (the crisis thresholds are set on these)."""
_FIRST_SENTENCE = re.compile(r"^(.+?[.!?؟。])(\s|$)", re.S)


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled text.

    Attributes:
        text: what a person might write.
        label: a topic id or OFF_TOPIC (topics); CRISIS or SAFE (crisis).
        lang: the content language it came from.
        kind: finer grain for reports and balanced folds (a crisis kind, "phrasing", "example"...).
    """

    text: str
    label: str
    lang: str
    kind: str


def first_sentence(answer: str) -> str:
    """An answer's opening sentence (it says what the topic is about, in the bot's words)."""
    stripped = answer.strip()
    match = _FIRST_SENTENCE.match(stripped)
    return (match.group(1) if match else stripped.split("\n", 1)[0]).strip()


def _written_back(content: ContentLibrary, examples: list[Example]) -> list[Example]:
    """Examples typed in Latin letters in a language that has a transliteration table, also written back
    in its script: the bot reads such messages both ways, so it learns both ways."""
    tables = {
        lang: Transliterator(language.ui.transliteration)
        for lang, language in content.languages.items()
        if language.ui.transliteration
    }
    extra = [
        Example(tables[e.lang](e.text), e.label, e.lang, e.kind)
        for e in examples
        if e.lang in tables and e.text.isascii()
    ]
    return examples + extra


def topic_examples(content: ContentLibrary) -> list[Example]:
    """Every text the topic classifier learns from, in every language."""
    examples: list[Example] = []
    for lang, language in sorted(content.languages.items()):
        for entry in language.faq:
            examples.append(Example(entry.question, entry.id, lang, "question"))
            examples.append(Example(entry.label, entry.id, lang, "label"))
            examples.append(Example(first_sentence(entry.answer), entry.id, lang, "answer"))
            examples += [Example(text, entry.id, lang, "phrasing") for text in entry.phrasings]
            examples += [Example(text, entry.id, lang, "example") for text in entry.examples]
        for intent in language.off_topic:
            examples += [Example(text, OFF_TOPIC, lang, "off-topic") for text in intent.phrasings]
    return _unique(_written_back(content, examples))


def crisis_examples(content: ContentLibrary) -> list[Example]:
    """Every text the crisis detector learns from, in every language."""
    examples: list[Example] = []
    for lang, language in sorted(content.languages.items()):
        for file in language.crisis_examples:
            for kind, texts in file.crisis.items():
                examples += [Example(text, CRISIS, lang, kind) for text in texts]
            for kind, texts in file.safe.items():
                examples += [Example(text, SAFE, lang, kind) for text in texts]
        for entry in language.faq:
            examples += [Example(text, SAFE, lang, "faq") for text in (entry.question, *entry.phrasings)]
            examples += [Example(text, SAFE, lang, "faq-example") for text in entry.examples]
        for intent in language.off_topic:
            examples += [Example(text, SAFE, lang, "off-topic") for text in intent.phrasings]
        examples += [Example(tip.text, SAFE, lang, "tip") for tip in language.tips]
    return _unique(_written_back(content, examples))


def _unique(examples: list[Example]) -> list[Example]:
    """The first example of each (text, label) pair; a text given two labels keeps both."""
    seen: set[tuple[str, str]] = set()
    kept: list[Example] = []
    for example in examples:
        key = (example.text.strip().lower(), example.label)
        if key not in seen:
            seen.add(key)
            kept.append(example)
    return kept
