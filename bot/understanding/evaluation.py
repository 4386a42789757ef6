"""Measures the answer engine on an evaluation set: topics (top-1, top-3), refusals, crisis recall and
false alarms.

An evaluation set is a YAML file with any of these sections:

- ``topics`` or ``short``: topic id -> short messages that the topic answers;
- ``long``: a list of ``{topic, text}``: long, narrative questions (the question often at the end);
- ``out_of_scope``: messages that must get the honest fallback;
- ``crisis``: messages that must get crisis help (strings, or ``{kind, text}``); a check-in counts;
- ``not_crisis``: hard negatives that must not.

A clarification ("is it about one of these?") is a good reply to an ambiguous question, but it does
not commit, so it counts as a miss for top-1; its best guess and alternatives count for top-3.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import yaml

from bot.content.library import ContentLibrary

CRISIS = "crisis"
FALLBACK = "fallback"
ANSWER = "answer"
TOP_K = 3


class Verdict(Protocol):
    """What the evaluation needs of an engine's answer."""

    @property
    def kind(self) -> Any: ...  # an AnswerKind (a str enum)
    @property
    def topic(self) -> str | None: ...
    @property
    def ranked(self) -> list[str]: ...  # best guesses, best first
    @property
    def confidence(self) -> float: ...


class Engine(Protocol):
    def answer(self, text: str, lang: str | None = None) -> Verdict: ...


@dataclass
class Miss:
    """One message the engine got wrong."""

    group: str
    question: str
    expected: str
    got: str


@dataclass
class TopicScore:
    """Top-1 and top-3 counts for one group of topic questions (short or long)."""

    top1: int = 0
    top3: int = 0
    total: int = 0
    per_category: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))

    @property
    def top1_rate(self) -> float:
        return self.top1 / self.total if self.total else 0.0

    @property
    def top3_rate(self) -> float:
        return self.top3 / self.total if self.total else 0.0


@dataclass
class EvalReport:
    """Counts per group and per check, and every miss."""

    short: TopicScore = field(default_factory=TopicScore)
    long: TopicScore = field(default_factory=TopicScore)
    out_of_scope: list[int] = field(default_factory=lambda: [0, 0])
    crisis: list[int] = field(default_factory=lambda: [0, 0])
    not_crisis: list[int] = field(default_factory=lambda: [0, 0])
    crisis_by_kind: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    misses: list[Miss] = field(default_factory=list)

    @property
    def topic_accuracy(self) -> float:
        """Top-1 over the short questions (the figure earlier sessions reported)."""
        return self.short.top1_rate

    @property
    def per_category(self) -> dict[str, list[int]]:
        return self.short.per_category

    @staticmethod
    def rate(pair: list[int]) -> float:
        return pair[0] / pair[1] if pair[1] else 0.0


def _describe(answer: Verdict) -> str:
    kind = str(getattr(answer.kind, "value", answer.kind))
    if kind == ANSWER:
        return f"{answer.topic} ({answer.confidence:.2f})"
    if kind == CRISIS:
        level = getattr(answer, "crisis_level", None)
        return f"crisis ({level})" if level else "crisis"
    return f"{kind} {answer.ranked[:TOP_K]} ({answer.confidence:.2f})"


def load_set(path: Path) -> dict[str, Any]:
    """An evaluation set as plain data."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: an evaluation set is a mapping of sections")
    return data


def topic_questions(data: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    """(group, topic, text) for every topic question of a set."""
    for section in ("topics", "short"):
        for topic, questions in (data.get(section) or {}).items():
            for question in questions:
                yield "short", topic, question
    for item in data.get("long") or []:
        yield "long", item["topic"], item["text"]


def crisis_messages(data: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(kind, text) for every crisis message of a set."""
    for item in data.get("crisis") or []:
        if isinstance(item, str):
            yield "unlabelled", item
        else:
            yield item.get("kind", "unlabelled"), item["text"]


def all_messages(data: dict[str, Any]) -> list[str]:
    """Every message in a set (to check that none leaks into training data)."""
    texts = [text for _, _, text in topic_questions(data)]
    texts += [text for _, text in crisis_messages(data)]
    texts += list(data.get("out_of_scope") or []) + list(data.get("not_crisis") or [])
    return texts


def evaluate(engine: Engine, content: ContentLibrary, path: Path, lang: str) -> EvalReport:
    """Run every message of the set at ``path`` through the engine."""
    data = load_set(path)
    report = EvalReport()
    for group, topic, question in topic_questions(data):
        answer = engine.answer(question, lang)
        score = report.short if group == "short" else report.long
        category = content.catalog.topics.get(topic, "unknown")
        score.total += 1
        score.per_category[category][1] += 1
        kind = str(getattr(answer.kind, "value", answer.kind))
        if kind == ANSWER and answer.topic == topic:
            score.top1 += 1
            score.per_category[category][0] += 1
        else:
            report.misses.append(Miss(f"{group} {category}", question, topic, _describe(answer)))
        if kind != CRISIS and topic in answer.ranked[:TOP_K]:
            score.top3 += 1
    for question in data.get("out_of_scope") or []:
        answer = engine.answer(question, lang)
        report.out_of_scope[1] += 1
        if str(getattr(answer.kind, "value", answer.kind)) == FALLBACK:
            report.out_of_scope[0] += 1
        else:
            report.misses.append(Miss("out of scope", question, "fallback", _describe(answer)))
    for kind, question in crisis_messages(data):
        answer = engine.answer(question, lang)
        report.crisis[1] += 1
        report.crisis_by_kind[kind][1] += 1
        if str(getattr(answer.kind, "value", answer.kind)) == CRISIS:
            report.crisis[0] += 1
            report.crisis_by_kind[kind][0] += 1
        else:
            report.misses.append(Miss(f"crisis {kind}", question, "crisis", _describe(answer)))
    for question in data.get("not_crisis") or []:
        answer = engine.answer(question, lang)
        report.not_crisis[1] += 1
        if str(getattr(answer.kind, "value", answer.kind)) != CRISIS:
            report.not_crisis[0] += 1
        else:
            report.misses.append(Miss("not crisis", question, "no crisis", _describe(answer)))
    return report


def summary_rows(report: EvalReport) -> list[tuple[str, int, int]]:
    """(name, right, of) for each headline figure the set has data for."""
    rows: list[tuple[str, int, int]] = []
    for name, score in (("short", report.short), ("long", report.long)):
        if score.total:
            rows.append((f"{name} questions, top-1", score.top1, score.total))
            rows.append((f"{name} questions, top-3", score.top3, score.total))
    for name, pair in (
        ("out of scope refused", report.out_of_scope),
        ("crisis recall", report.crisis),
        ("no false crisis alarm", report.not_crisis),
    ):
        if pair[1]:
            rows.append((name, pair[0], pair[1]))
    return rows


def format_report(report: EvalReport) -> str:
    """A table per category, the summary lines, crisis recall per kind, then every miss."""
    lines = [f"{'category':34} {'right':>5} {'of':>4} {'accuracy':>9}"]
    merged: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for score in (report.short, report.long):
        for category, (right, total) in score.per_category.items():
            merged[category][0] += right
            merged[category][1] += total
    for category, (right, total) in sorted(merged.items()):
        lines.append(f"{category:34} {right:5} {total:4} {right / total:9.1%}")
    lines.append("")
    for name, right, total in summary_rows(report):
        lines.append(f"{name:34} {right:5} {total:4} {right / total:9.1%}")
    labelled = {kind: pair for kind, pair in report.crisis_by_kind.items() if kind != "unlabelled"}
    if labelled:
        lines.append("")
        for kind, (right, total) in sorted(labelled.items()):
            lines.append(f"{'  crisis: ' + kind:34} {right:5} {total:4} {right / total:9.1%}")
    if report.misses:
        lines += ["", f"misses ({len(report.misses)}):"]
        lines += [f"- [{m.group}] {m.question!r}: expected {m.expected}, got {m.got}" for m in report.misses]
    return "\n".join(lines)
