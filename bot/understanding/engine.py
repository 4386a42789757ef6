"""The answer engine: crisis first, then the best topic (answer, clarify) or an honest fallback.

Crisis: the learned detector of the understanding layer says urgent, check-in or nothing; a pattern
signal (content/<lang>/crisis-signals.yaml) makes a message urgent unless the detector is sure it is
an idiom or a joke (its score below ``PATTERN_GATE``: on the development sets the patterns fired on
about one hard negative in twelve, "kms this homework lol", and gating them cost no crisis). In a
language whose content has no crisis examples yet, the detector knows none of its idioms, so there
the patterns are not gated. Without
the understanding layer the patterns decide alone, and a message the engine cannot place that carries
risk cues gets a check-in.

Topics: the understanding layer's classifier (multilingual sentence vectors) and the lexical BM25
index each rank the topics; their evidence is fused per topic (``fuse``) and the fused probability of
the best topic is calibrated on development sets (``FUSION_CALIBRATION``). A confident best topic is
answered; two or three close candidates get a clarifying question; otherwise the fallback. Without
the understanding layer, the lexical engine alone answers, as before it existed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from bot.content.library import ContentLibrary
from bot.understanding.crisis_patterns import CrisisDetector
from bot.understanding.layer import CrisisLevel, Reading, Understanding
from bot.understanding.lexical_index import OFF_TOPIC_PREFIX, Scored, TopicIndex
from bot.understanding.normalise import Normaliser
from bot.understanding.training import OFF_TOPIC
from bot.understanding.transliteration import Transliterator

CONFIDENCE_THRESHOLD = 0.5
"""At or above this the engine answers; below, it clarifies or says it cannot answer."""
CLARIFY_THRESHOLD = 0.2
"""A best topic at least this likely, whose runner-up is close, gets a clarifying question."""
CLARIFY_SHARE = 0.55
"""...when the best two or three candidates together hold at least this share of the evidence."""

CONCERN_FOR_UNCLEAR = 3
"""A message the engine cannot place that carries risk cues of at least this weight gets a check-in
(the only second level the patterns have when the understanding layer is off)."""
ALTERNATIVES = 2
PATTERN_GATE = 2.0
"""A pattern signal counts when the learned detector's score is at least this (scores are in spreads of
hard negatives above their mean; the check-in threshold is near 3): below it, the detector is
confident the message is an idiom, a game or a joke."""
MIN_WORDS_TO_READ = 3


@dataclass(frozen=True, slots=True)
class Calibration:
    """Logistic weights over how much of the query the best topic explains, how strong its BM25 score
    is, and how far it leads the second."""

    bias: float
    coverage: float
    score: float
    margin: float


CALIBRATIONS = {
    # Fitted by benchmarks/calibrate_lexical.py on tests/eval/dev/<lang>-dev.yaml, never a held-out set.
    "en": Calibration(bias=-5.895, coverage=1.208, score=2.978, margin=3.765),
    "es": Calibration(bias=-5.962, coverage=3.486, score=2.794, margin=3.033),
}
"""Lexical-only confidence per language (their documents differ in length, so their scores do)."""


@dataclass(frozen=True, slots=True)
class FusionCalibration:
    """How the rankings are fused, and how the evidence for the best topic becomes a confidence.

    Attributes:
        lexical: weight of a topic's BM25 score (relative to the best BM25 score) added to the log of
            its classifier probability before the softmax.
        spelled: weight of the log of its probability from the character n-gram classifier.
        bias, fused, margin, classifier, agreement: logistic weights over the best topic's fused
            probability, its lead over the second, its classifier probability alone, and its BM25
            score relative to the best (1 when the lexical index agrees).
    """

    lexical: float
    bias: float
    fused: float
    margin: float
    classifier: float
    agreement: float
    spelled: float = 1.0


FUSION_CALIBRATION = FusionCalibration(
    lexical=2.5, bias=-4.768, fused=2.867, margin=2.904, classifier=1.801, agreement=2.428, spelled=1.5
)
"""Fitted by benchmarks/calibrate_fusion.py on the development sets (tests/eval/dev/), never on a
held-out set."""


@dataclass(frozen=True, slots=True)
class Fused:
    """The fused ranking of one message: topics (and OFF_TOPIC) best first with their fused
    probabilities, plus what the calibration needs of the best one."""

    ranked: list[tuple[str, float]]
    classifier: float
    lexical: float

    @property
    def margin(self) -> float:
        return self.ranked[0][1] - (self.ranked[1][1] if len(self.ranked) > 1 else 0.0)


class AnswerKind(StrEnum):
    """What kind of reply the engine chose."""

    ANSWER = "answer"
    CLARIFY = "clarify"
    FALLBACK = "fallback"
    CRISIS = "crisis"


@dataclass(frozen=True, slots=True)
class Answer:
    """The engine's verdict on one message.

    Attributes:
        kind: answer, clarify, fallback or crisis.
        topic: the FAQ id answered, or the best guess of a clarification (None for fallback and crisis).
        confidence: 0 to 1, the probability that ``topic`` is right; for crisis always 1.
        closest: the best-ranked topic ids after ``topic`` (for buttons), best first.
        crisis_kind: which crisis signal fired ("learned" when only the detector did).
        crisis_level: urgent or check_in, for a crisis.
    """

    kind: AnswerKind
    topic: str | None
    confidence: float
    closest: list[str] = field(default_factory=list)
    crisis_kind: str | None = None
    crisis_level: CrisisLevel | None = None

    @property
    def ranked(self) -> list[str]:
        """The topics the engine considered, best first (the answered or guessed one first)."""
        head = [self.topic] if self.topic else []
        return head + [topic for topic in self.closest if topic != self.topic]

    @property
    def alternatives(self) -> list[str]:
        """The next best topics after ``topic`` (or the best ones for a fallback), up to two."""
        return [topic for topic in self.ranked if topic != self.topic][:ALTERNATIVES]


@dataclass(frozen=True, slots=True)
class CrisisVerdict:
    """A message that needs crisis help, how urgently, and which signal said so."""

    level: CrisisLevel
    kind: str


def calibrated_confidence(
    coverage: float, top_score: float, margin: float, calibration: Calibration = CALIBRATIONS["en"]
) -> float:
    """Map lexical retrieval features to a probability that the top topic is right."""
    c = calibration
    z = c.bias + c.coverage * coverage + c.score * math.log1p(max(top_score, 0.0)) + c.margin * margin
    return 1.0 / (1.0 + math.exp(-z))


def fuse(
    reading: Reading, lexical: list[Scored], calibration: FusionCalibration = FUSION_CALIBRATION
) -> Fused:
    """Topics (and OFF_TOPIC) with fused probabilities, best first.

    Each topic's score is the log of its classifier probability plus ``lexical`` times its BM25
    score relative to the best; the scores are normalised with a softmax. Off-topic intents of the
    lexical index count for OFF_TOPIC.
    """
    relative: dict[str, float] = {}
    top = lexical[0].score if lexical and lexical[0].score > 0 else 0.0
    for scored in lexical:
        topic = OFF_TOPIC if scored.topic.startswith(OFF_TOPIC_PREFIX) else scored.topic
        if top and scored.score > 0:
            relative[topic] = max(relative.get(topic, 0.0), scored.score / top)
    probabilities = dict(reading.topics)
    scores = {
        topic: math.log(max(probability, 1e-6))
        + calibration.lexical * relative.get(topic, 0.0)
        + (
            calibration.spelled * math.log(max(reading.spelled.get(topic, 0.0), 1e-6))
            if reading.spelled
            else 0.0
        )
        for topic, probability in probabilities.items()
    }
    peak = max(scores.values())
    weights = {topic: math.exp(score - peak) for topic, score in scores.items()}
    total = sum(weights.values())
    ranked = sorted(((topic, weight / total) for topic, weight in weights.items()), key=lambda tp: -tp[1])
    best = ranked[0][0]
    return Fused(ranked, probabilities[best], relative.get(best, 0.0))


def fused_confidence(fused: Fused, calibration: FusionCalibration = FUSION_CALIBRATION) -> float:
    """The probability that the fused best topic is right."""
    c = calibration
    z = (
        c.bias
        + c.fused * fused.ranked[0][1]
        + c.margin * fused.margin
        + c.classifier * fused.classifier
        + c.agreement * fused.lexical
    )
    return 1.0 / (1.0 + math.exp(-z))


class AnswerEngine:
    """Answers free-text questions in every shipped language.

    Args:
        content: the shipped content.
        crisis: the pattern detector (built from content when not given).
        understanding: the semantic layer, or None to answer with the lexical engine alone.
        cache_dir: where word lists are kept between starts (SAFETYBOT_CACHE_DIR), or None.
    """

    def __init__(
        self,
        content: ContentLibrary,
        crisis: CrisisDetector | None = None,
        understanding: Understanding | None = None,
        cache_dir: Path | None = None,
    ) -> None:
        self.content = content
        self.crisis = crisis or CrisisDetector(content)
        self.understanding = understanding
        self._indexes: dict[str, TopicIndex] = {}
        self._transliterators: dict[str, Transliterator] = {}
        for lang, language in content.languages.items():
            normaliser = Normaliser(lang, language.synonyms, language.stopwords, cache_dir)
            self._indexes[lang] = TopicIndex(language.faq, normaliser, language.off_topic)
            if language.ui.transliteration:
                self._transliterators[lang] = Transliterator(language.ui.transliteration)

    def forms(self, text: str, lang: str) -> tuple[str, ...]:
        """Other ways to read a message: in a language typed in Latin letters too (Arabizi), a message
        with no letter outside ASCII is also read written back in the language's script."""
        transliterate = self._transliterators.get(lang)
        if transliterate is None or not text.isascii():
            return ()
        return (transliterate(text),)

    def index(self, lang: str) -> TopicIndex:
        return self._indexes[self.content.resolve_language(lang)]

    def assess_crisis(self, text: str, lang: str | None = None) -> CrisisVerdict | None:
        """Whether a message needs crisis help (patterns first, then the learned detector).

        Used for a command's arguments: the learned detector reads them only when they are words a
        person wrote (three or more), not settings such as "08:30 Europe/Madrid".
        """
        code = self.content.resolve_language(lang)
        kind = self.crisis.detect(text, code)
        if self.understanding is None or len(text.split()) < MIN_WORDS_TO_READ:
            return CrisisVerdict(CrisisLevel.URGENT, kind) if kind is not None else None
        return self._crisis(kind, self.understanding.read(text, also=self.forms(text, code)), code)

    def _crisis(self, pattern_kind: str | None, reading: Reading, lang: str) -> CrisisVerdict | None:
        """The crisis verdict from a pattern signal (or None) and the learned detector's reading."""
        learned = self.understanding is not None and lang in self.understanding.crisis_languages
        if pattern_kind is not None and (reading.crisis_score >= PATTERN_GATE or not learned):
            return CrisisVerdict(CrisisLevel.URGENT, pattern_kind)
        if reading.crisis_level is not None:
            return CrisisVerdict(reading.crisis_level, "learned")
        return None

    def answer(self, text: str, lang: str | None = None) -> Answer:
        """Answer one message: crisis help first, then the best topic, a clarification or a fallback."""
        code = self.content.resolve_language(lang)
        kind = self.crisis.detect(text, code)
        if self.understanding is None:
            if kind is not None:
                return Answer(AnswerKind.CRISIS, None, 1.0, crisis_kind=kind, crisis_level=CrisisLevel.URGENT)
            retrieved = self._lexical(text, code)
        else:
            forms = self.forms(text, code)
            reading = self.understanding.read(text, also=forms)
            retrieved = self._semantic(" ".join((text, *forms)), code, reading)
            verdict = self._crisis(kind, reading, code)
            if verdict is not None:
                return Answer(
                    AnswerKind.CRISIS,
                    None,
                    1.0,
                    retrieved.ranked,
                    crisis_kind=verdict.kind,
                    crisis_level=verdict.level,
                )
            return retrieved
        if retrieved.kind is AnswerKind.FALLBACK and self.crisis.concern(text, code) >= CONCERN_FOR_UNCLEAR:
            return Answer(
                AnswerKind.CRISIS,
                None,
                1.0,
                retrieved.ranked,
                crisis_kind="cues",
                crisis_level=CrisisLevel.CHECK_IN,
            )
        return retrieved

    def _semantic(self, text: str, code: str, reading: Reading) -> Answer:
        """The fused verdict of the classifier and the lexical index."""
        index = self._indexes[code]
        fused = fuse(reading, index.rank(index.query_terms(text)))
        topics = [(topic, p) for topic, p in fused.ranked if topic != OFF_TOPIC]
        closest = [topic for topic, _ in topics[:3]]
        best = fused.ranked[0][0]
        confidence = round(fused_confidence(fused), 3)
        if best == OFF_TOPIC:
            return Answer(AnswerKind.FALLBACK, None, round(topics[0][1], 3) if topics else 0.0, closest)
        if confidence >= CONFIDENCE_THRESHOLD:
            return Answer(AnswerKind.ANSWER, best, confidence, closest[1:] if closest[0] == best else closest)
        share = sum(p for _, p in topics[:3])
        if confidence >= CLARIFY_THRESHOLD and len(topics) > 1 and share >= CLARIFY_SHARE:
            return Answer(AnswerKind.CLARIFY, best, confidence, [t for t in closest if t != best])
        return Answer(AnswerKind.FALLBACK, None, confidence, closest)

    def _lexical(self, text: str, code: str) -> Answer:
        """The best topic by the lexical index alone, or a fallback with the closest topics."""
        index = self._indexes[code]
        terms = index.query_terms(text)
        ranked = index.rank(terms)
        if not ranked or ranked[0].score <= 0:
            return Answer(AnswerKind.FALLBACK, None, 0.0, [])
        top = ranked[0]
        second = ranked[1].score if len(ranked) > 1 else 0.0
        margin = (top.score - second) / top.score
        calibration = CALIBRATIONS.get(code, CALIBRATIONS["en"])
        confidence = calibrated_confidence(index.coverage(top.topic, terms), top.score, margin, calibration)
        closest = [s.topic for s in ranked if s.score > 0 and not s.topic.startswith(OFF_TOPIC_PREFIX)][:3]
        if top.topic.startswith(OFF_TOPIC_PREFIX):
            return Answer(AnswerKind.FALLBACK, None, round(min(confidence, 1 - confidence), 3), closest)
        if confidence < CONFIDENCE_THRESHOLD:
            return Answer(AnswerKind.FALLBACK, None, round(confidence, 3), closest)
        return Answer(AnswerKind.ANSWER, top.topic, round(confidence, 3), closest[1:])
