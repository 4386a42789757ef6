"""How fast the answer engine is, next to a naive baseline, measured in the same run.

Measures (1) building the index for the shipped content (goal: under 1 s) and (2) answering one
question (goal: under 5 ms median), over every question of the development set. The naive baseline
compares the question with every curated phrasing by fuzzy string similarity (rapidfuzz), the way a
first version of a FAQ bot often does; its accuracy on the same set is printed beside it.

    .venv/bin/python benchmarks/answer_speed.py [--lang es]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from pathlib import Path

import yaml
from rapidfuzz import fuzz

from bot.answers.engine import AnswerEngine, AnswerKind
from bot.app import build_engine
from bot.content.loader import load_content

ROOT = Path(__file__).resolve().parents[1]


def machine() -> str:
    cores = f"{os.cpu_count()} cores"
    return f"{platform.machine()}, {cores}, {platform.system()}, Python {platform.python_version()}"


def timed(function, *args):
    start = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - start


class NaiveMatcher:
    """Baseline: the topic whose phrasing is most similar to the question (token_set_ratio), no index."""

    def __init__(self, engine: AnswerEngine, lang: str) -> None:
        language = engine.content.lang(lang)
        self.pairs = [
            (entry.id, text.lower()) for entry in language.faq for text in (entry.question, *entry.phrasings)
        ]

    def answer(self, question: str) -> str:
        text = question.lower()
        return max(self.pairs, key=lambda pair: fuzz.token_set_ratio(text, pair[1]))[0]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main(lang: str) -> None:
    content = load_content()
    builds = [timed(build_engine, content)[1] for _ in range(5)]
    engine = build_engine(content)
    naive, naive_build = timed(NaiveMatcher, engine, lang)
    dev = yaml.safe_load((ROOT / "tests" / "eval" / f"{lang}-dev.yaml").read_text())
    questions = [(q, topic) for topic, qs in dev["topics"].items() for q in qs]
    for question, _ in questions[:20]:
        engine.answer(question, lang)
    engine_times, naive_times, engine_right, naive_right = [], [], 0, 0
    for question, topic in questions:
        answer, seconds = timed(engine.answer, question, lang)
        engine_times.append(seconds * 1000)
        engine_right += answer.kind is AnswerKind.ANSWER and answer.topic == topic
        guess, seconds = timed(naive.answer, question)
        naive_times.append(seconds * 1000)
        naive_right += guess == topic
    print(f"machine: {machine()}")
    print(
        f"questions: {len(questions)} (tests/eval/{lang}-dev.yaml), content: {len(content.lang(lang).faq)} "
        f"topics in {lang}; the index covers {', '.join(content.shipped)}"
    )
    print(f"index build, first (cold: loads the word list): {builds[0] * 1000:.0f} ms")
    print(f"{'':28} {'index build':>12} {'median':>9} {'p95':>9} {'top-1 right':>12}")
    print(
        f"{'safetybot engine (BM25)':28} {statistics.median(builds[1:]) * 1000:9.0f} ms "
        f"{statistics.median(engine_times):6.2f} ms {percentile(engine_times, 0.95):6.2f} ms "
        f"{engine_right / len(questions):11.1%}"
    )
    print(
        f"{'naive fuzzy scan':28} {naive_build * 1000:9.0f} ms "
        f"{statistics.median(naive_times):6.2f} ms {percentile(naive_times, 0.95):6.2f} ms "
        f"{naive_right / len(questions):11.1%}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lang", default="en", help="the development set's language (default en)")
    main(parser.parse_args().lang)
