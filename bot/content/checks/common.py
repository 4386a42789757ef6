"""Helpers shared by the cross-file checks: stray markup in a text, duplicate ids across a kind's files."""

from __future__ import annotations

import re

from bot.content.problems import Problem
from bot.content.reading import Located
from bot.core.markup import SpanKind, parse


def markup_problems(text: str) -> list[str]:
    """Stray markup characters left after parsing: an unclosed ``**`` or a broken link."""
    found: list[str] = []
    for line in parse(text):
        for span in line.spans:
            if span.kind is SpanKind.TEXT and "**" in span.text:
                found.append("unclosed ** (bold)")
            if span.kind is SpanKind.TEXT and re.search(r"\]\((?!https?://)", span.text):
                found.append("link without an http(s) address")
    return found


def check_ids(lang: str, kind: str, field: str, files: list[Located], problems: list[Problem]) -> None:
    """Each entry id once per language, across all the files of one kind (``field`` lists the entries)."""
    seen: dict[str, Located] = {}
    for located in files:
        for index, item in enumerate(getattr(located.model, field)):
            if item.id in seen:
                first = seen[item.id]
                problems.append(
                    Problem(
                        located.path,
                        located.line(field, index, "id"),
                        f"duplicate {kind} id {item.id!r} in {lang} (first at {first.path.name})",
                    )
                )
            else:
                seen[item.id] = located
