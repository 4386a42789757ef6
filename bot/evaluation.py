"""Measures the answer engine on an evaluation set: topic accuracy, refusals, crisis recall, false alarms."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.answers.engine import AnswerEngine, AnswerKind
from bot.content.library import ContentLibrary


@dataclass
class Miss:
    """One question the engine got wrong."""

    group: str
    question: str
    expected: str
    got: str


@dataclass
class EvalReport:
    """Counts per category and per check, and every miss."""

    per_category: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    out_of_scope: list[int] = field(default_factory=lambda: [0, 0])
    crisis: list[int] = field(default_factory=lambda: [0, 0])
    not_crisis: list[int] = field(default_factory=lambda: [0, 0])
    misses: list[Miss] = field(default_factory=list)

    @property
    def topic_accuracy(self) -> float:
        right = sum(c[0] for c in self.per_category.values())
        total = sum(c[1] for c in self.per_category.values())
        return right / total if total else 0.0

    @staticmethod
    def rate(pair: list[int]) -> float:
        return pair[0] / pair[1] if pair[1] else 0.0


def evaluate(engine: AnswerEngine, content: ContentLibrary, path: Path, lang: str) -> EvalReport:
    """Run every question of the set at ``path`` through the engine."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    report = EvalReport()
    for topic, questions in data.get("topics", {}).items():
        category = content.catalog.topics.get(topic, "unknown")
        for question in questions:
            answer = engine.answer(question, lang)
            counts = report.per_category[category]
            counts[1] += 1
            if answer.kind is AnswerKind.ANSWER and answer.topic == topic:
                counts[0] += 1
            else:
                got = (
                    answer.topic
                    if answer.kind is AnswerKind.ANSWER
                    else f"{answer.kind.value} {answer.closest[:1]}"
                )
                report.misses.append(Miss(category, question, topic, f"{got} ({answer.confidence:.2f})"))
    for question in data.get("out_of_scope", []):
        answer = engine.answer(question, lang)
        report.out_of_scope[1] += 1
        if answer.kind is AnswerKind.FALLBACK:
            report.out_of_scope[0] += 1
        else:
            report.misses.append(
                Miss("out of scope", question, "fallback", f"{answer.topic} ({answer.confidence:.2f})")
            )
    for question in data.get("crisis", []):
        answer = engine.answer(question, lang)
        report.crisis[1] += 1
        if answer.kind is AnswerKind.CRISIS:
            report.crisis[0] += 1
        else:
            report.misses.append(Miss("crisis", question, "crisis", answer.kind.value))
    for question in data.get("not_crisis", []):
        answer = engine.answer(question, lang)
        report.not_crisis[1] += 1
        if answer.kind is not AnswerKind.CRISIS:
            report.not_crisis[0] += 1
        else:
            report.misses.append(Miss("not crisis", question, "no crisis", f"crisis ({answer.crisis_kind})"))
    return report


def format_report(report: EvalReport) -> str:
    """A plain table per category, the summary lines, then every miss."""
    lines = [f"{'category':34} {'right':>5} {'of':>4} {'accuracy':>9}"]
    for category, (right, total) in sorted(report.per_category.items()):
        lines.append(f"{category:34} {right:5} {total:4} {right / total:9.1%}")
    right = sum(c[0] for c in report.per_category.values())
    total = sum(c[1] for c in report.per_category.values())
    lines.append(f"{'all topics (top-1)':34} {right:5} {total:4} {report.topic_accuracy:9.1%}")
    for name, pair in (
        ("out of scope refused", report.out_of_scope),
        ("crisis recall", report.crisis),
        ("no false crisis alarm", report.not_crisis),
    ):
        lines.append(f"{name:34} {pair[0]:5} {pair[1]:4} {report.rate(pair):9.1%}")
    if report.misses:
        lines += ["", f"misses ({len(report.misses)}):"]
        lines += [f"- [{m.group}] {m.question!r}: expected {m.expected}, got {m.got}" for m in report.misses]
    return "\n".join(lines)
