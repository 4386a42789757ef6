"""The loaded, validated content of every language, with the look-ups the features need."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.content.models import (
    Catalog,
    ChallengeItem,
    ChallengesFile,
    ChallengeTechnique,
    CrisisExamplesFile,
    CrisisFile,
    CrisisSignalsFile,
    FaqEntry,
    FaqFile,
    OffTopicFile,
    OffTopicIntent,
    SynonymsFile,
    Tip,
    TipsFile,
    UiFile,
)
from bot.core.folding import fold


@dataclass
class LanguageContent:
    """Everything shipped in one language, gathered from its files."""

    lang: str
    files: dict[str, list[object]] = field(default_factory=dict)

    def _of(self, kind: str) -> list[object]:
        return self.files.get(kind, [])

    @property
    def ui(self) -> UiFile:
        files = [f for f in self._of("ui") if isinstance(f, UiFile)]
        return files[0] if files else UiFile(strings={}, commands={})

    @property
    def tips(self) -> list[Tip]:
        return [tip for f in self._of("tips") if isinstance(f, TipsFile) for tip in f.tips]

    @property
    def faq(self) -> list[FaqEntry]:
        return [entry for f in self._of("faq") if isinstance(f, FaqFile) for entry in f.faq]

    @property
    def crisis(self) -> CrisisFile | None:
        files = [f for f in self._of("crisis") if isinstance(f, CrisisFile)]
        return files[0] if files else None

    @property
    def crisis_signals(self) -> CrisisSignalsFile | None:
        files = [f for f in self._of("crisis-signals") if isinstance(f, CrisisSignalsFile)]
        return files[0] if files else None

    @property
    def crisis_examples(self) -> list[CrisisExamplesFile]:
        return [f for f in self._of("crisis-examples") if isinstance(f, CrisisExamplesFile)]

    @property
    def synonyms(self) -> dict[str, str]:
        merged: dict[str, str] = {}
        for f in self._of("synonyms"):
            if isinstance(f, SynonymsFile):
                merged.update({key.lower(): value.lower() for key, value in f.synonyms.items()})
        return merged

    @property
    def off_topic(self) -> list[OffTopicIntent]:
        return [
            intent for f in self._of("off-topic") if isinstance(f, OffTopicFile) for intent in f.off_topic
        ]

    @property
    def stopwords(self) -> list[str]:
        return [word for f in self._of("synonyms") if isinstance(f, SynonymsFile) for word in f.stopwords]

    @property
    def challenges(self) -> list[ChallengeItem]:
        """The misinformation-spotting items, in file order."""
        return [item for f in self._of("challenges") if isinstance(f, ChallengesFile) for item in f.items]

    @property
    def techniques(self) -> dict[str, ChallengeTechnique]:
        """Manipulation technique id -> its name and tip."""
        merged: dict[str, ChallengeTechnique] = {}
        for f in self._of("challenges"):
            if isinstance(f, ChallengesFile):
                merged.update(f.techniques)
        return merged


@dataclass
class ContentLibrary:
    """All languages plus the language-neutral catalog. Built once at start-up; read-only after."""

    catalog: Catalog
    languages: dict[str, LanguageContent]
    default_language: str = "en"
    _faq_index: dict[str, dict[str, FaqEntry]] = field(default_factory=dict, repr=False)
    _tip_index: dict[str, dict[str, Tip]] = field(default_factory=dict, repr=False)
    _challenge_index: dict[str, dict[str, ChallengeItem]] = field(default_factory=dict, repr=False)

    _command_aliases: dict[str, str] = field(default_factory=dict, repr=False)
    _word_aliases: dict[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for lang, content in self.languages.items():
            ui = content.ui
            for canonical, name in ui.command_names.items():
                if "." not in canonical:
                    self._command_aliases.setdefault(name, canonical)
            for canonical, spoken in ui.words.items():
                for word in spoken:
                    self._word_aliases.setdefault(word, canonical)
            self._faq_index[lang] = {entry.id: entry for entry in content.faq}
            self._tip_index[lang] = {tip.id: tip for tip in content.tips}
            self._challenge_index[lang] = {item.id: item for item in content.challenges}

    def command_for(self, name: str) -> str:
        """The core's command for a name typed in any shipped language ("suscribir" -> "subscribe")."""
        return self._command_aliases.get(name.lower(), name.lower())

    def canonical_word(self, word: str) -> str:
        """The argument id for a word typed in any shipped language ("Laborables" -> "weekdays")."""
        folded = fold(word.strip().strip(","))
        return self._word_aliases.get(folded, folded)

    def word_for(self, lang: str, canonical: str) -> str:
        """What people type for an argument id in a language ("privacy" -> "privacidad"), else the id."""
        spoken = self.lang(lang).ui.words.get(canonical)
        return spoken[0] if spoken else canonical

    @property
    def shipped(self) -> list[str]:
        """Language codes with content, default first."""
        return sorted(self.languages, key=lambda code: (code != self.default_language, code))

    def resolve_language(self, code: str | None) -> str:
        """The shipped language for a code such as "es-419" or "EN", else the default."""
        if code:
            base = code.replace("_", "-").split("-")[0].lower()
            if base in self.languages:
                return base
        return self.default_language

    def lang(self, code: str | None) -> LanguageContent:
        """The content of a language (falling back to the default)."""
        return self.languages[self.resolve_language(code)]

    def faq_entry(self, lang: str, topic_id: str) -> FaqEntry | None:
        """An FAQ entry by id, in that language or the default."""
        return self._faq_index.get(self.resolve_language(lang), {}).get(topic_id) or self._faq_index.get(
            self.default_language, {}
        ).get(topic_id)

    def tip(self, lang: str, tip_id: str) -> Tip | None:
        """A tip by id, in that language or the default."""
        return self._tip_index.get(self.resolve_language(lang), {}).get(tip_id) or self._tip_index.get(
            self.default_language, {}
        ).get(tip_id)

    def topics_in(self, lang: str, category: str) -> list[FaqEntry]:
        """The FAQ entries of a category, in catalog order."""
        order = list(self.catalog.topics)
        entries = [e for e in self.lang(lang).faq if e.category == category]
        return sorted(entries, key=lambda e: order.index(e.id) if e.id in order else len(order))

    def challenge_language(self, lang: str) -> str:
        """The language whose challenge items are used: this one when it has any, else the default."""
        code = self.resolve_language(lang)
        return code if self._challenge_index.get(code) else self.default_language

    def challenges(self, lang: str) -> list[ChallengeItem]:
        """The challenge items of a language (the default language's when it has none)."""
        return self.lang(self.challenge_language(lang)).challenges

    def challenge_item(self, lang: str, item_id: str) -> ChallengeItem | None:
        """A challenge item by id, in that language or the default."""
        return self._challenge_index.get(self.resolve_language(lang), {}).get(
            item_id
        ) or self._challenge_index.get(self.default_language, {}).get(item_id)

    def technique(self, lang: str, technique_id: str) -> ChallengeTechnique | None:
        """A technique's name and tip, in that language or the default."""
        return self.lang(lang).techniques.get(technique_id) or self.lang(
            self.default_language
        ).techniques.get(technique_id)
