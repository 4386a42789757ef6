"""Fit the answer engine's confidence calibration (a logistic model over three retrieval features).

Positives and negatives come from the development set (tests/eval/dev/<lang>-dev.yaml: its topic questions,
out_of_scope and out_of_scope_extra) and from leave-one-out phrasings of the content itself. The
held-out sets (tests/eval/heldout/) are never read here. Prints the language's line for CALIBRATIONS in
bot/answers/engine.py and the dev-set figures it gives.

    .venv/bin/python benchmarks/calibrate_lexical.py [--lang en]
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np
import yaml

from bot.content.loader import load_content
from bot.understanding.lexical_index import OFF_TOPIC_PREFIX, TopicIndex
from bot.understanding.normalise import Normaliser

ROOT = Path(__file__).resolve().parents[1]


def features(index: TopicIndex, text: str) -> tuple[str | None, list[float]]:
    terms = index.query_terms(text)
    ranked = index.rank(terms)
    if not ranked or ranked[0].score <= 0:
        return None, [0.0, 0.0, 0.0]
    top, second = ranked[0], ranked[1].score if len(ranked) > 1 else 0.0
    if top.topic.startswith(OFF_TOPIC_PREFIX):
        return None, [0.0, 0.0, 0.0]
    return top.topic, [
        index.coverage(top.topic, terms),
        math.log1p(top.score),
        (top.score - second) / top.score,
    ]


def fit(x: np.ndarray, y: np.ndarray, steps: int = 20_000, rate: float = 0.5, l2: float = 1e-3) -> np.ndarray:
    """Plain gradient descent on the logistic loss; returns [bias, weights...]."""
    design = np.hstack([np.ones((len(x), 1)), x])
    weights = np.zeros(design.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-design @ weights))
        gradient = design.T @ (p - y) / len(y) + l2 * np.r_[0, weights[1:]]
        weights -= rate * gradient
    return weights


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lang", default="en")
    args = parser.parse_args()
    content = load_content()
    language = content.lang(args.lang)
    normaliser = Normaliser(args.lang, language.synonyms, language.stopwords)
    index = TopicIndex(language.faq, normaliser, language.off_topic)
    dev = yaml.safe_load((ROOT / "tests" / "eval" / "dev" / f"{args.lang}-dev.yaml").read_text())
    rows: list[list[float]] = []
    labels: list[int] = []
    for topic, questions in dev["topics"].items():
        for question in questions:
            got, feats = features(index, question)
            rows.append(feats)
            labels.append(int(got == topic))
    faq = language.faq
    for position, entry in enumerate(faq):
        for held_out, phrasing in enumerate(entry.phrasings):
            if held_out % 3:
                continue
            reduced = entry.model_copy(
                update={"phrasings": [p for i, p in enumerate(entry.phrasings) if i != held_out]}
            )
            loo = TopicIndex([*faq[:position], reduced, *faq[position + 1 :]], normaliser, language.off_topic)
            got, feats = features(loo, phrasing)
            rows.append(feats)
            labels.append(int(got == entry.id))
    negatives = dev.get("out_of_scope", []) + dev.get("out_of_scope_extra", [])
    for question in negatives:
        rows.append(features(index, question)[1])
        labels.append(0)
    x, y = np.array(rows), np.array(labels, dtype=float)
    weights = fit(x, y)
    bias, coverage, score, margin = (round(float(value), 3) for value in weights)
    print(
        f'"{args.lang}": Calibration(bias={bias}, coverage={coverage}, score={score}, margin={margin}),'
        "  # paste into CALIBRATIONS in bot/answers/engine.py"
    )
    design = np.hstack([np.ones((len(x), 1)), x])
    p = 1 / (1 + np.exp(-design @ weights))
    n_neg = len(negatives)
    pos_p, neg_p, pos_y = p[:-n_neg], p[-n_neg:], y[:-n_neg]
    for threshold in (0.3, 0.4, 0.5, 0.6):
        answered_right = np.mean((pos_p >= threshold) & (pos_y == 1))
        refused = np.mean(neg_p < threshold)
        print(
            f"threshold {threshold}: right answers {answered_right:.1%} of topic questions,",
            f"refused {refused:.1%} of out-of-scope",
        )


if __name__ == "__main__":
    main()
