"""The answer engine: crisis first, then retrieval with a calibrated confidence, else an honest fallback."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum

from bot.answers.crisis import CrisisDetector
from bot.answers.index import OFF_TOPIC_PREFIX, TopicIndex
from bot.answers.normalise import Normaliser
from bot.content.library import ContentLibrary

CONFIDENCE_THRESHOLD = 0.5
"""Below this the engine says it cannot answer and offers the closest topics instead."""

CONCERN_FOR_UNCLEAR = 3
"""A message the engine cannot place that carries risk cues of at least this weight is treated as a
possible crisis: the person gets the crisis resources first, with a gentler opening."""
POSSIBLE_CRISIS = "possible"


@dataclass(frozen=True, slots=True)
class Calibration:
    """Logistic weights over how much of the query the best topic explains, how strong its BM25 score
    is, and how far it leads the second."""

    bias: float
    coverage: float
    score: float
    margin: float


CALIBRATIONS = {
    # Fitted by benchmarks/calibrate_confidence.py on tests/eval/<lang>-dev.yaml, never the held-out set.
    "en": Calibration(bias=-5.895, coverage=1.208, score=2.978, margin=3.765),
    "es": Calibration(bias=-5.962, coverage=3.486, score=2.794, margin=3.033),
}
"""Per language (their documents differ in length, so their scores do); others use English's."""


class AnswerKind(StrEnum):
    """What kind of reply the engine chose."""

    ANSWER = "answer"
    FALLBACK = "fallback"
    CRISIS = "crisis"


@dataclass(frozen=True, slots=True)
class Answer:
    """The engine's verdict on one message.

    Attributes:
        kind: answer, fallback or crisis.
        topic: the FAQ id answered (None for fallback and crisis).
        confidence: 0 to 1; for crisis always 1.
        closest: the best-ranked topic ids (for the fallback's buttons), best first.
        crisis_kind: which crisis signal fired.
    """

    kind: AnswerKind
    topic: str | None
    confidence: float
    closest: list[str] = field(default_factory=list)
    crisis_kind: str | None = None


def calibrated_confidence(
    coverage: float, top_score: float, margin: float, calibration: Calibration = CALIBRATIONS["en"]
) -> float:
    """Map retrieval features to a probability that the top topic is right."""
    c = calibration
    z = c.bias + c.coverage * coverage + c.score * math.log1p(max(top_score, 0.0)) + c.margin * margin
    return 1.0 / (1.0 + math.exp(-z))


class AnswerEngine:
    """Answers free-text questions in every shipped language from one index per language."""

    def __init__(self, content: ContentLibrary, crisis: CrisisDetector | None = None) -> None:
        self.content = content
        self.crisis = crisis or CrisisDetector(content)
        self._indexes: dict[str, TopicIndex] = {}
        for lang, language in content.languages.items():
            normaliser = Normaliser(lang, language.synonyms, language.stopwords)
            self._indexes[lang] = TopicIndex(language.faq, normaliser, language.off_topic)

    def index(self, lang: str) -> TopicIndex:
        return self._indexes[self.content.resolve_language(lang)]

    def answer(self, text: str, lang: str | None = None) -> Answer:
        """Answer one message: crisis resources first, then the best topic or an honest fallback."""
        code = self.content.resolve_language(lang)
        crisis_kind = self.crisis.detect(text, code)
        if crisis_kind is not None:
            return Answer(AnswerKind.CRISIS, None, 1.0, crisis_kind=crisis_kind)
        retrieved = self._retrieve(text, code)
        if retrieved.kind is AnswerKind.FALLBACK and self.crisis.concern(text, code) >= CONCERN_FOR_UNCLEAR:
            return Answer(AnswerKind.CRISIS, None, 1.0, crisis_kind=POSSIBLE_CRISIS)
        return retrieved

    def _retrieve(self, text: str, code: str) -> Answer:
        """The best topic for a question, or a fallback with the closest topics."""
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
        return Answer(AnswerKind.ANSWER, top.topic, round(confidence, 3), closest)
