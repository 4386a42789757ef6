"""The understanding layer: encodes a message once, then reads it for crisis risk and for topics.

The classifiers are fitted on the shipped content of every language (bot.understanding.training) and
cached on disk. Topics: a logistic regression over the encoder's vectors, and one over character
n-grams (it reads dialects, slang and Arabizi that the encoder blurs; the engine fuses both with BM25).
Crisis: the sum of two
standardised scores, a radial-kernel SVM over the vectors and a logistic regression over character
n-grams (see bot.understanding.classifiers), with two levels: ``urgent`` (crisis resources first) and
``check_in`` (a gentle question with the helpline, for a message that may be from someone at risk).

The thresholds are set on examples the models did not see while fitting (k-fold), so they follow the
content as it grows: at the check-in threshold ``CHECK_IN_FALSE_ALARMS`` of the held-back hard
negatives (idioms, games, news, professionals' questions...) would still fire; at the urgent one,
``URGENT_FALSE_ALARMS``. A long message is read whole and its last two sentences are read on their
own: the ending counts only when it reaches the urgent threshold by itself, so a long message whose
last sentences are a goodbye is read as one, while "i feel awful" at the end of a question about
bullying is read in its context.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import numpy as np

from bot.content.library import ContentLibrary
from bot.understanding.classifiers import (
    KernelModel,
    LinearModel,
    NgramClassifier,
    NgramModel,
    Vectors,
    fit_kernel,
    fit_logistic,
    fit_ngram_classifier,
    fit_ngrams,
    folds,
)
from bot.understanding.encoder import Encoder
from bot.understanding.segments import segment
from bot.understanding.training import (
    CRISIS,
    HARD_NEGATIVE_KINDS,
    OFF_TOPIC,
    Example,
    crisis_examples,
    topic_examples,
)
from bot.understanding.vector_cache import VectorCache, digest

_log = logging.getLogger(__name__)

MODEL_VERSION = 7
"""Bump when the way models are fitted changes, so cached models are refitted."""
KERNEL_STRENGTH = 4.0
NGRAM_STRENGTH = 4.0
TOPIC_STRENGTH = 8.0
SPELLED_STRENGTH = 16.0
CHECK_IN_FALSE_ALARMS = 0.08
URGENT_FALSE_ALARMS = 0.01
MIN_CRISIS_EXAMPLES = 50


class CrisisLevel(StrEnum):
    """How sure the detector is that someone needs crisis help."""

    URGENT = "urgent"
    CHECK_IN = "check_in"


@dataclass(frozen=True, slots=True)
class Reading:
    """What the layer understood of one message.

    Attributes:
        crisis_score: the crisis detector's score (standardised on hard negatives: about 0 for a typical
            idiom or game message, higher for risk); for a long message whose ending alone is urgent,
            the ending's score.
        crisis_level: urgent, check_in, or None.
        topics: (topic id or OFF_TOPIC, probability) from the sentence vectors, best first.
    """

    crisis_score: float
    crisis_level: CrisisLevel | None
    topics: tuple[tuple[str, float], ...]
    spelled: dict[str, float] = field(default_factory=dict)
    """Topic probabilities from the character n-gram classifier (how the message is spelled)."""

    def probability(self, topic: str) -> float:
        return next((p for t, p in self.topics if t == topic), 0.0)


@dataclass(frozen=True, slots=True)
class CrisisModel:
    """The two crisis scorers, how each is standardised, and the two thresholds on their sum."""

    kernel: KernelModel
    ngrams: NgramModel
    scaling: tuple[float, float, float, float]
    """(kernel mean, kernel spread, n-gram mean, n-gram spread) over held-back hard negatives."""
    check_in: float
    urgent: float

    def scores(self, vectors: Vectors, texts: Sequence[str]) -> np.ndarray:
        kernel_mean, kernel_spread, ngram_mean, ngram_spread = self.scaling
        kernel = (self.kernel.scores(vectors) - kernel_mean) / kernel_spread
        ngrams = (self.ngrams.scores(texts) - ngram_mean) / ngram_spread
        return kernel + ngrams

    def read(self, vectors: Vectors, texts: Sequence[str]) -> tuple[float, CrisisLevel | None]:
        """(score, level) for a message: its whole text first, then its ending if it has one."""
        scores = self.scores(vectors, texts)
        whole = float(scores[0])
        tail = float(scores[1]) if len(scores) > 1 else whole
        if max(whole, tail) >= self.urgent:
            return max(whole, tail), CrisisLevel.URGENT
        if whole >= self.check_in:
            return whole, CrisisLevel.CHECK_IN
        return whole, None

    def arrays(self) -> dict[str, np.ndarray]:
        return {
            **self.kernel.arrays("crisis.kernel"),
            **self.ngrams.arrays("crisis.ngrams"),
            "crisis.scaling": np.array(self.scaling),
            "crisis.thresholds": np.array([self.check_in, self.urgent]),
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> CrisisModel:
        kernel_mean, kernel_spread, ngram_mean, ngram_spread = (float(x) for x in arrays["crisis.scaling"])
        check_in, urgent = (float(x) for x in arrays["crisis.thresholds"])
        return cls(
            KernelModel.from_arrays(arrays, "crisis.kernel"),
            NgramModel.from_arrays(arrays, "crisis.ngrams"),
            (kernel_mean, kernel_spread, ngram_mean, ngram_spread),
            check_in,
            urgent,
        )


def one_blas_thread() -> None:
    """Keep numpy's BLAS to one thread in this process.

    The layer multiplies small matrices, one message at a time; with two BLAS threads on a busy
    machine each product waited for the other core (13 ms instead of 0.6 ms, measured on 2 cores).
    The bot's concurrency comes from asyncio and from running more processes, not from BLAS.
    """
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


class Understanding:
    """Reads messages with one encoder and the classifiers fitted on the content."""

    def __init__(
        self,
        encoder: Encoder,
        crisis: CrisisModel | None,
        topics: LinearModel | None,
        crisis_languages: frozenset[str] = frozenset(),
        spelled_topics: NgramClassifier | None = None,
    ) -> None:
        self.encoder = encoder
        self.crisis = crisis
        self.topics = topics
        self.spelled_topics = spelled_topics
        self.crisis_languages = crisis_languages
        """Languages whose content has crisis examples (the detector has learned their idioms)."""

    def read(self, text: str, *, also: Sequence[str] = ()) -> Reading:
        """Encode a message (and its ending, when it is long) and read it.

        ``also``: the same message written another way (Arabizi written back in Arabic script): the
        crisis reading keeps the most worrying form, and the topics are read from the forms together.
        """
        forms = [segment(form).texts for form in (text, *also)]
        vectors = self.encoder.encode([piece for pieces in forms for piece in pieces])
        starts = np.cumsum([0, *(len(pieces) for pieces in forms)])
        readings = [
            self.crisis.read(vectors[start:end], pieces) if self.crisis else (float("-inf"), None)
            for pieces, start, end in zip(forms, starts[:-1], starts[1:], strict=True)
        ]
        score, level = max(readings, key=lambda reading: (_rank(reading[1]), reading[0]))
        whole = vectors[starts[:-1]].mean(axis=0, keepdims=True)
        topics = self._topics(whole / max(float(np.linalg.norm(whole)), 1e-9))
        spelled: dict[str, float] = {}
        if self.spelled_topics is not None:
            probabilities = self.spelled_topics.probabilities(" ".join((text, *also)))
            spelled = dict(zip(self.spelled_topics.classes, (float(p) for p in probabilities), strict=True))
        return Reading(score, level, topics, spelled)

    def _topics(self, vectors: Vectors) -> tuple[tuple[str, float], ...]:
        """Topic probabilities of the whole message (reading its ending apart was measured to lose)."""
        if self.topics is None:
            return ()
        probabilities = self.topics.probabilities(vectors[:1])[0]
        order = np.argsort(-probabilities, kind="stable")
        return tuple((self.topics.classes[i], float(probabilities[i])) for i in order)


def _rank(level: CrisisLevel | None) -> int:
    return {None: 0, CrisisLevel.CHECK_IN: 1, CrisisLevel.URGENT: 2}[level]


def _spread(values: np.ndarray) -> tuple[float, float]:
    return float(values.mean()), float(max(values.std(), 1e-6))


def fit_crisis(examples: list[Example], vectors: Vectors) -> CrisisModel:
    """Fit both scorers on every example; standardise and set thresholds on held-back scores."""
    texts = [example.text for example in examples]
    positive = np.array([example.label == CRISIS for example in examples])
    hard = np.array([e.label != CRISIS and e.kind in HARD_NEGATIVE_KINDS for e in examples])
    if not hard.any():
        hard = ~positive
    kernel_held = np.zeros(len(examples))
    ngram_held = np.zeros(len(examples))
    for train, test in folds(positive):
        kernel = fit_kernel(vectors[train], positive[train], strength=KERNEL_STRENGTH)
        kernel_held[test] = kernel.scores(vectors[test])
        ngrams = fit_ngrams([texts[i] for i in train], positive[train], strength=NGRAM_STRENGTH)
        ngram_held[test] = ngrams.scores([texts[i] for i in test])
    scaling = (*_spread(kernel_held[hard]), *_spread(ngram_held[hard]))
    held = (kernel_held - scaling[0]) / scaling[1] + (ngram_held - scaling[2]) / scaling[3]
    check_in = float(np.quantile(held[hard], 1 - CHECK_IN_FALSE_ALARMS))
    urgent = max(float(np.quantile(held[hard], 1 - URGENT_FALSE_ALARMS)), check_in)
    return CrisisModel(
        fit_kernel(vectors, positive, strength=KERNEL_STRENGTH),
        fit_ngrams(texts, positive, strength=NGRAM_STRENGTH),
        scaling,
        check_in,
        urgent,
    )


def build_understanding(
    content: ContentLibrary, encoder: Encoder, cache_dir: Path | None = None
) -> Understanding:
    """Fit (or load from the cache) the classifiers for this content and encoder."""
    started = time.perf_counter()
    one_blas_thread()
    cache = VectorCache(encoder, cache_dir)
    topic_set = topic_examples(content)
    crisis_set = crisis_examples(content)
    has_crisis = sum(example.label == CRISIS for example in crisis_set) >= MIN_CRISIS_EXAMPLES
    key = digest(
        encoder.name,
        encoder.version,
        MODEL_VERSION,
        [KERNEL_STRENGTH, NGRAM_STRENGTH, TOPIC_STRENGTH, SPELLED_STRENGTH],
        [CHECK_IN_FALSE_ALARMS, URGENT_FALSE_ALARMS],
        [(e.text, e.label) for e in topic_set],
        [(e.text, e.label, e.kind) for e in crisis_set] if has_crisis else [],
    )
    arrays = cache.load_models(key)
    if arrays is None:
        arrays = {}
        texts = sorted({e.text for e in topic_set} | {e.text for e in crisis_set})
        vectors = cache.encode(texts)
        row = {text: i for i, text in enumerate(texts)}
        if topic_set:
            topic_vectors = vectors[[row[e.text] for e in topic_set]]
            labels = [e.label for e in topic_set]
            arrays |= fit_logistic(topic_vectors, labels, strength=TOPIC_STRENGTH).arrays("topics")
            texts_ = [e.text for e in topic_set]
            arrays |= fit_ngram_classifier(texts_, labels, strength=SPELLED_STRENGTH).arrays("spelled")
        if has_crisis:
            arrays |= fit_crisis(crisis_set, vectors[[row[e.text] for e in crisis_set]]).arrays()
            learned = sorted({e.lang for e in crisis_set if e.label == CRISIS})
            arrays["crisis.languages"] = np.array(learned)
        cache.save_models(key, arrays)
        _log.info("understanding models fitted in %.1f s", time.perf_counter() - started)
    topics = LinearModel.from_arrays(arrays, "topics") if "topics.coef" in arrays else None
    crisis = CrisisModel.from_arrays(arrays) if "crisis.scaling" in arrays else None
    languages = frozenset(str(lang) for lang in arrays.get("crisis.languages", ()))
    spelled = NgramClassifier.from_arrays(arrays, "spelled") if "spelled.coef" in arrays else None
    return Understanding(encoder, crisis, topics, languages, spelled)


__all__ = ["OFF_TOPIC", "CrisisLevel", "CrisisModel", "Reading", "Understanding", "build_understanding"]
