"""Checks of the crisis files: signal patterns that compile, and enough training examples of every kind
for the crisis detector in every language."""

from __future__ import annotations

import re

from bot.content.models import (
    CRISIS_EXAMPLE_KINDS,
    SAFE_EXAMPLE_KINDS,
    CrisisExamplesFile,
    CrisisSignalsFile,
)
from bot.content.problems import Problem
from bot.content.reading import Located

MIN_CRISIS_EXAMPLES = 500
"""Messages that must get help, per language."""
MIN_SAFE_EXAMPLES = 500
"""Hard negatives (scary words, nobody at risk), per language."""
MIN_PER_KIND = 20
"""Of every kind listed in bot.content.models, so the detector learns the breadth, not one voice."""


def check_crisis_signals(files: list[Located], problems: list[Problem]) -> None:
    """Every signal, innocent and cue pattern must be a valid regular expression."""
    for located in files:
        assert isinstance(located.model, CrisisSignalsFile)
        groups = {
            "signals": located.model.signals,
            "innocent": {"innocent": located.model.innocent},
            "cues": {"cues": [cue.pattern for cue in located.model.cues]},
        }
        for section, mapping in groups.items():
            for name, patterns in mapping.items():
                for index, pattern in enumerate(patterns):
                    try:
                        re.compile(pattern)
                    except re.error as error:
                        path: tuple[str | int, ...] = (
                            (section, name, index) if section == "signals" else (section, index)
                        )
                        problems.append(
                            Problem(
                                located.path,
                                located.line(*path),
                                f"{section} pattern is not a valid regex: {error}",
                            )
                        )


def example_counts(files: list[object]) -> tuple[int, int]:
    """(crisis examples, safe examples) in a language's crisis-examples files."""
    models = [model for model in files if isinstance(model, CrisisExamplesFile)]
    crisis = sum(len(texts) for model in models for texts in model.crisis.values())
    safe = sum(len(texts) for model in models for texts in model.safe.values())
    return crisis, safe


def check_crisis_examples(lang: str, located: list[Located], problems: list[Problem]) -> None:
    """Unknown kinds, thin kinds and too few examples, each with its file and line."""
    if not located:
        return
    totals = {"crisis": dict.fromkeys(CRISIS_EXAMPLE_KINDS, 0), "safe": dict.fromkeys(SAFE_EXAMPLE_KINDS, 0)}
    for loc in located:
        model = loc.model
        assert isinstance(model, CrisisExamplesFile)
        for section, groups in (("crisis", model.crisis), ("safe", model.safe)):
            for kind, texts in groups.items():
                if kind not in totals[section]:
                    known = ", ".join(totals[section])
                    problems.append(
                        Problem(
                            loc.path,
                            loc.line(section, kind),
                            f"unknown {section} kind {kind!r} (known: {known})",
                        )
                    )
                    continue
                totals[section][kind] += len(texts)
    first = located[0]
    for section, minimum in (("crisis", MIN_CRISIS_EXAMPLES), ("safe", MIN_SAFE_EXAMPLES)):
        count = sum(totals[section].values())
        if count < minimum:
            problems.append(
                Problem(
                    first.path,
                    first.line(section),
                    f"{lang} has {count} {section} examples; at least {minimum} are needed",
                )
            )
        for kind, have in totals[section].items():
            if have < MIN_PER_KIND:
                problems.append(
                    Problem(
                        first.path,
                        first.line(section),
                        f"{lang} has {have} {section} examples of kind {kind!r}; "
                        f"at least {MIN_PER_KIND} are needed",
                    )
                )
