"""Checks of the FAQ: unique ids, one entry per catalog topic under its category, labels, answers, links."""

from __future__ import annotations

from bot.content.checks.common import check_ids, markup_problems
from bot.content.models import FAQ_ANSWER_WORDS, MAX_BUTTON_LABEL, Catalog, FaqEntry, FaqFile
from bot.content.problems import Problem
from bot.content.reading import Located


def check_faq(
    lang: str, catalog: Catalog, categories: set[str], files: list[Located], problems: list[Problem]
) -> None:
    """One language's FAQ entries, and an entry for every topic in the catalog."""
    check_ids(lang, "FAQ", "faq", files, problems)
    faq_ids = {entry.id for loc in files if isinstance(loc.model, FaqFile) for entry in loc.model.faq}
    for located in files:
        assert isinstance(located.model, FaqFile)
        for index, entry in enumerate(located.model.faq):
            _check_entry(located, index, entry, catalog, categories, faq_ids, problems)
    if files:
        for topic_id in catalog.topics:
            if topic_id not in faq_ids:
                problems.append(
                    Problem(files[0].path, 1, f"{lang} has no FAQ entry for catalog topic {topic_id!r}")
                )


def _check_entry(
    located: Located,
    index: int,
    entry: FaqEntry,
    catalog: Catalog,
    categories: set[str],
    faq_ids: set[str],
    problems: list[Problem],
) -> None:
    """One entry: its topic and category, related entries, label length, answer length and markup."""

    def at(*path: str | int) -> int:
        return located.line("faq", index, *path)

    if entry.id not in catalog.topics:
        problems.append(Problem(located.path, at("id"), f"FAQ {entry.id!r} is not a topic in the catalog"))
    elif catalog.topics[entry.id] != entry.category:
        problems.append(
            Problem(
                located.path,
                at("category"),
                f"FAQ {entry.id!r}: category {entry.category!r}, "
                f"but the catalog files it under {catalog.topics[entry.id]!r}",
            )
        )
    if entry.category not in categories:
        problems.append(
            Problem(
                located.path,
                at("category"),
                f"FAQ {entry.id!r}: category {entry.category!r} is not in the catalog",
            )
        )
    for related in entry.related:
        if related not in faq_ids:
            problems.append(
                Problem(
                    located.path, at("related"), f"FAQ {entry.id!r}: related FAQ {related!r} does not exist"
                )
            )
    if len(entry.label) > MAX_BUTTON_LABEL:
        problems.append(
            Problem(
                located.path,
                at("label"),
                f"FAQ {entry.id!r}: label is {len(entry.label)} characters; "
                f"buttons allow at most {MAX_BUTTON_LABEL}",
            )
        )
    words = len(entry.answer.split())
    low, high = FAQ_ANSWER_WORDS
    if not low <= words <= high:
        problems.append(
            Problem(
                located.path,
                at("answer"),
                f"FAQ {entry.id!r}: answer has {words} words; write {low} to {high}",
            )
        )
    for issue in markup_problems(entry.answer):
        problems.append(Problem(located.path, at("answer"), f"FAQ {entry.id!r}: {issue}"))
