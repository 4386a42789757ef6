"""A per-language retrieval index over the FAQ: BM25 (bm25s) at three grains, with typo repair.

For each topic there are three kinds of BM25 document: every way the topic can be asked (its canonical
question, each alternative phrasing, its keywords, its label) as a short document of its own; all of
those together as one topic document; and the answer text. A topic's score is a weighted sum of its best
phrasing, its topic document and its answer. Unknown query words of four or more letters are repaired
to the closest word the index knows (rapidfuzz), so "pasword" finds "password".
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import bm25s
import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.content.models import FaqEntry, OffTopicIntent
from bot.understanding.normalise import Normaliser

PHRASING_WEIGHT = 0.25
TOPIC_WEIGHT = 1.0
ANSWER_WEIGHT = 0.25
TYPO_MIN_LENGTH = 4
logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every index build at DEBUG on its own
OFF_TOPIC_PREFIX = "off-topic:"
"""Ranked ids of off-topic intents start with this; they are never answered, only used to refuse."""


@dataclass(frozen=True, slots=True)
class Scored:
    """A topic and how well it matches a query."""

    topic: str
    score: float


class TopicIndex:
    """The index of one language's FAQ entries."""

    def __init__(
        self,
        entries: list[FaqEntry],
        normaliser: Normaliser,
        off_topic: list[OffTopicIntent] | None = None,
        weights: tuple[float, float, float] = (PHRASING_WEIGHT, TOPIC_WEIGHT, ANSWER_WEIGHT),
    ) -> None:
        self.normaliser = normaliser
        self.weights = weights
        off_topic = off_topic or []
        self.topics = [entry.id for entry in entries] + [OFF_TOPIC_PREFIX + intent.id for intent in off_topic]
        phrasing_docs: list[list[str]] = []
        owners: list[int] = []
        topic_docs: list[list[str]] = []
        answer_docs: list[list[str]] = []
        surface: set[str] = set()
        sources: list[tuple[list[str], str]] = [
            ([entry.question, entry.label, *entry.phrasings, *entry.keywords], entry.answer)
            for entry in entries
        ]
        sources += [
            ([*intent.phrasings, *intent.keywords], " ".join(intent.keywords)) for intent in off_topic
        ]
        for position, (texts, answer) in enumerate(sources):
            topic_doc: list[str] = []
            for text in texts:
                terms = normaliser.terms(text)
                phrasing_docs.append(terms)
                owners.append(position)
                topic_doc.extend(terms)
                surface.update(normaliser.expand(normaliser.words(text)))
            topic_docs.append(topic_doc)
            answer_docs.append(normaliser.terms(answer))
            surface.update(normaliser.words(answer))
        self._owner = np.array(owners)
        self._phrasings = self._bm25(phrasing_docs)
        self._topic_docs = self._bm25(topic_docs)
        self._answers = self._bm25(answer_docs)
        self._topic_terms = [set(topic_docs[i]) | set(answer_docs[i]) for i in range(len(sources))]
        self.vocabulary = set().union(*self._topic_terms) if self._topic_terms else set()
        count = len(entries)
        document_frequency: dict[str, int] = {}
        for terms in self._topic_terms[: len(entries)]:
            for term in terms:
                document_frequency[term] = document_frequency.get(term, 0) + 1
        self._idf = {term: math.log((count + 1) / (df + 0.5)) for term, df in document_frequency.items()}
        self._unknown_idf = math.log((count + 1) / 0.5)
        self._surface = sorted(
            word for word in surface if len(word) >= TYPO_MIN_LENGTH and not word.isdigit()
        )

    @staticmethod
    def _bm25(docs: list[list[str]]) -> bm25s.BM25:
        index = bm25s.BM25()
        index.index(docs, show_progress=False)
        return index

    def _repair(self, token: str) -> str:
        """The known word closest to an unknown one, or the word itself.

        A real word of the language is never "repaired" ("scores" stays "scores", not "stores"). A typo is
        one slip (a letter missing, extra, wrong or two swapped; two slips in words of eight
        letters or more) that rarely touches the first letter: "pasword" -> "password",
        "recieve" -> "receive", but "tweet" stays "tweet" and "scores" does not become "store".
        """
        if len(token) < TYPO_MIN_LENGTH or token.isdigit() or self.normaliser.stem(token) in self.vocabulary:
            return token
        if self.normaliser.is_word(token):
            return token
        allowed = 2 if len(token) >= 8 else 1
        candidates = [
            word for word in self._surface if word[0] == token[0] and abs(len(word) - len(token)) <= allowed
        ]
        match = process.extractOne(token, candidates, scorer=OSA.distance, score_cutoff=allowed)
        return match[0] if match else token

    def query_terms(self, text: str) -> list[str]:
        """Normalise a query into index terms, repairing typos."""
        normaliser = self.normaliser
        tokens = normaliser.content_words(normaliser.expand(normaliser.words(text)))
        return [normaliser.stem(self._repair(token)) for token in tokens]

    def idf(self, term: str) -> float:
        """How rare a term is across topics; unknown terms count as the rarest."""
        return self._idf.get(term, self._unknown_idf)

    def coverage(self, topic: str, terms: list[str]) -> float:
        """The share of the query's weight (IDF) that the topic's own documents contain."""
        if not terms:
            return 0.0
        vocabulary = self._topic_terms[self.topics.index(topic)]
        total = sum(self.idf(term) for term in terms)
        return sum(self.idf(term) for term in terms if term in vocabulary) / total

    def rank(self, terms: list[str]) -> list[Scored]:
        """Every topic scored against the query terms, best first."""
        known = [term for term in terms if term in self.vocabulary]
        if not known:
            return []
        phrasing_scores = self._phrasings.get_scores(known)
        best = np.zeros(len(self.topics))
        np.maximum.at(best, self._owner, phrasing_scores)
        w_phrasing, w_topic, w_answer = self.weights
        combined = (
            w_phrasing * best
            + w_topic * self._topic_docs.get_scores(known)
            + w_answer * self._answers.get_scores(known)
        )
        order = np.argsort(-combined, kind="stable")
        return [Scored(self.topics[i], float(combined[i])) for i in order]
