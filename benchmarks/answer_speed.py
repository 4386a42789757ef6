"""How fast the bot understands a message, next to the lexical engine and a naive baseline, in one run.

For every message of the language's development sets (short and long questions, out-of-scope,
crisis and hard-negative messages, in that realistic mix), it times three readers:

- the understanding layer (encoder, learned crisis detector, topic classifier fused with BM25): the
  engine the bot runs;
- the lexical engine alone (BM25 and crisis patterns: the engine before the layer, and the fallback
  when the encoder cannot load);
- a naive baseline: the topic whose phrasing is most similar to the message (rapidfuzz), no index.

It also starts fresh processes to measure start-up (content loaded, encoder and classifiers ready,
with a warm cache and with an empty one) and the resident memory of a process with every shipped
language loaded, after answering. Goals (issue #13): median answer under 15 ms and p99 under 50 ms
with encoding; start-up with a warm cache under 3 s; resident memory under 400 MB.

    .venv/bin/python benchmarks/answer_speed.py [--lang es]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rapidfuzz import fuzz

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.app.wiring import build_engine  # noqa: E402
from bot.content.loader import load_content  # noqa: E402
from bot.understanding import build_understanding, load_encoder  # noqa: E402
from bot.understanding.engine import AnswerEngine, AnswerKind  # noqa: E402
from bot.understanding.evaluation import crisis_messages, load_set, topic_questions  # noqa: E402

CACHE = ROOT / ".cache" / "understanding"
STARTUP = """
import json, resource, sys, time
started = time.perf_counter()
from pathlib import Path
from bot.app.wiring import build_engine
from bot.content.loader import load_content
from bot.understanding import build_understanding, load_encoder
content = load_content()
cache = Path(sys.argv[1])
engine = build_engine(content, build_understanding(content, load_encoder(), cache), cache)
ready = time.perf_counter() - started
for line in sys.stdin:
    engine.answer(line.strip(), sys.argv[2])
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"ready": ready, "rss": rss}))
"""


def machine() -> str:
    system = f"{platform.system()}, Python {platform.python_version()}"
    return f"{platform.machine()}, {os.cpu_count()} cores, {system}"


class NaiveMatcher:
    """Baseline: the topic whose phrasing is most similar to the question (token_set_ratio), no index."""

    def __init__(self, engine: AnswerEngine, lang: str) -> None:
        language = engine.content.lang(lang)
        self.pairs = [
            (entry.id, text.lower()) for entry in language.faq for text in (entry.question, *entry.phrasings)
        ]

    def topic(self, question: str) -> str:
        text = question.lower()
        return max(self.pairs, key=lambda pair: fuzz.token_set_ratio(text, pair[1]))[0]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def messages(lang: str) -> tuple[list[tuple[str, str | None]], list[str]]:
    """(text, expected topic or None) for every message of the language's fresh development sets."""
    found: list[tuple[str, str | None]] = []
    names = []
    for path in sorted((ROOT / "tests" / "eval" / "dev").glob(f"{lang}-*.yaml")):
        data = load_set(path)
        if "long" not in data:
            continue
        names.append(path.name)
        found += [(text, topic) for _, topic, text in topic_questions(data)]
        found += [(text, None) for _, text in crisis_messages(data)]
        found += [(text, None) for text in (data.get("not_crisis") or []) + (data.get("out_of_scope") or [])]
    return found, names


def process_figures(lang: str, cache: Path, sample: list[str]) -> dict[str, float]:
    result = subprocess.run(
        [sys.executable, "-c", STARTUP, str(cache), lang],
        input="\n".join(sample),
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main(lang: str) -> None:
    content = load_content()
    encoder = load_encoder()
    if encoder is None:
        raise SystemExit("the encoder could not be loaded")
    semantic = build_engine(content, build_understanding(content, encoder, CACHE))
    lexical = build_engine(content)
    naive = NaiveMatcher(lexical, lang)
    dev, names = messages(lang)
    for text, _ in dev[:20]:
        semantic.answer(text, lang)
        lexical.answer(text, lang)
    times: dict[str, list[float]] = {"semantic": [], "lexical": [], "naive": []}
    right = {"semantic": 0, "lexical": 0, "naive": 0}
    asked = sum(topic is not None for _, topic in dev)
    for text, topic in dev:
        for name, engine in (("semantic", semantic), ("lexical", lexical)):
            start = time.perf_counter()
            answer = engine.answer(text, lang)
            times[name].append((time.perf_counter() - start) * 1000)
            right[name] += topic is not None and answer.kind is AnswerKind.ANSWER and answer.topic == topic
        start = time.perf_counter()
        guess = naive.topic(text)
        times["naive"].append((time.perf_counter() - start) * 1000)
        right["naive"] += topic is not None and guess == topic
    sample = [text for text, _ in dev[:200]]
    warm = process_figures(lang, CACHE, sample)
    with tempfile.TemporaryDirectory() as empty:
        cold = process_figures(lang, Path(empty), sample[:5])
    print(f"machine: {machine()}")
    print(
        f"messages: {len(dev)} ({', '.join(names)}: {asked} topic questions, the rest crisis, hard negatives,"
    )
    print(f"  out of scope); languages loaded: {', '.join(content.shipped)}")
    print(f"{'':36} {'median':>9} {'p95':>9} {'p99':>9} {'top-1 right':>12}")
    labels = {
        "semantic": "understanding layer (the bot)",
        "lexical": "lexical engine (BM25 + patterns)",
        "naive": "naive fuzzy scan",
    }
    for name, label in labels.items():
        values = times[name]
        print(
            f"{label:36} {statistics.median(values):6.2f} ms {percentile(values, 0.95):6.2f} ms "
            f"{percentile(values, 0.99):6.2f} ms {right[name] / asked:11.1%}"
        )
    print(f"start-up to first answer, warm cache: {warm['ready']:.2f} s; empty cache: {cold['ready']:.1f} s")
    print(f"resident memory after answering 200 messages: {warm['rss']:.0f} MB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lang", default="en", help="the development sets' language (default en)")
    main(parser.parse_args().lang)
