"""A per-language retrieval index over the FAQ: BM25 (bm25s) on phrasing-level documents, with typo repair.

Every way a topic can be asked (its canonical question, each alternative phrasing, its keywords, its
label) is one short document, and the answer text is one more, weighted lower. A topic's score is the
best of its phrasing documents plus a share of its answer document's score. Unknown query words of four
or more letters are repaired to the closest word the index knows (rapidfuzz), so "pasword" finds
"password".
"""

from __future__ import annotations

from dataclasses import dataclass

import bm25s
import numpy as np
from rapidfuzz import fuzz, process

from bot.answers.normalise import Normaliser, words
from bot.content.models import FaqEntry

ANSWER_WEIGHT = 0.35
"""How much the answer text counts next to the best-matching phrasing."""
TYPO_MIN_LENGTH = 4
TYPO_MIN_SCORE = 80.0


@dataclass(frozen=True, slots=True)
class Scored:
    """A topic and how well it matches a query."""

    topic: str
    score: float


@dataclass(frozen=True, slots=True)
class QueryTerms:
    """A query after normalisation: its terms, and how many of them the index knows."""

    terms: list[str]
    known: int


class TopicIndex:
    """The index of one language's FAQ entries."""

    def __init__(self, entries: list[FaqEntry], normaliser: Normaliser) -> None:
        self.normaliser = normaliser
        self.topics = [entry.id for entry in entries]
        phrasing_docs: list[list[str]] = []
        phrasing_owner: list[int] = []
        answer_docs: list[list[str]] = []
        surface: set[str] = set()
        for position, entry in enumerate(entries):
            texts = [entry.question, entry.label, *entry.phrasings, " ".join(entry.keywords)]
            for text in texts:
                phrasing_docs.append(normaliser.terms(text))
                phrasing_owner.append(position)
                surface.update(normaliser.expand(words(text)))
            answer_docs.append(normaliser.terms(entry.answer))
            surface.update(words(entry.answer))
        self._owner = np.array(phrasing_owner)
        self._phrasings = bm25s.BM25()
        self._phrasings.index(phrasing_docs, show_progress=False)
        self._answers = bm25s.BM25()
        self._answers.index(answer_docs, show_progress=False)
        self.vocabulary = {term for doc in phrasing_docs + answer_docs for term in doc}
        self._surface = sorted(
            word for word in surface if len(word) >= TYPO_MIN_LENGTH and not word.isdigit()
        )
        self._topic_terms = [
            {
                term
                for doc, owner in zip(phrasing_docs, phrasing_owner, strict=True)
                if owner == i
                for term in doc
            }
            | set(answer_docs[i])
            for i in range(len(entries))
        ]

    def _repair(self, token: str) -> str:
        """The known word closest to an unknown one, or the word itself."""
        if len(token) < TYPO_MIN_LENGTH or token.isdigit() or self.normaliser.stem(token) in self.vocabulary:
            return token
        match = process.extractOne(token, self._surface, scorer=fuzz.ratio, score_cutoff=TYPO_MIN_SCORE)
        return match[0] if match else token

    def query_terms(self, text: str) -> QueryTerms:
        """Normalise a query, repairing typos, and count the terms the index knows."""
        normaliser = self.normaliser
        tokens = normaliser.content_words(normaliser.expand(words(text)))
        terms = [normaliser.stem(self._repair(token)) for token in tokens]
        return QueryTerms(terms, sum(term in self.vocabulary for term in terms))

    def coverage(self, topic: str, terms: list[str]) -> float:
        """The share of query terms that the topic's own documents contain."""
        if not terms:
            return 0.0
        vocabulary = self._topic_terms[self.topics.index(topic)]
        return sum(term in vocabulary for term in terms) / len(terms)

    def rank(self, terms: list[str]) -> list[Scored]:
        """Every topic scored against the query terms, best first."""
        if not terms:
            return []
        phrasing_scores = self._phrasings.get_scores(terms)
        best = np.zeros(len(self.topics))
        np.maximum.at(best, self._owner, phrasing_scores)
        combined = best + ANSWER_WEIGHT * self._answers.get_scores(terms)
        order = np.argsort(-combined, kind="stable")
        return [Scored(self.topics[i], float(combined[i])) for i in order]
