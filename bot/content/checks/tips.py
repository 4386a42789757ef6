"""Checks of the daily tips: unique ids, known categories, clean markup, enough tips, the default's ids."""

from __future__ import annotations

from bot.content.checks.common import check_ids, markup_problems
from bot.content.models import TipsFile
from bot.content.problems import Problem
from bot.content.reading import Located

MIN_TIPS_PER_LANGUAGE = 60
"""Two months of daily tips without a repeat."""


def tip_ids(files: list[Located]) -> set[str]:
    """The ids of every tip in a language's tips files."""
    return {tip.id for located in files if isinstance(located.model, TipsFile) for tip in located.model.tips}


def check_tips(
    lang: str,
    categories: set[str],
    files: list[Located],
    default_language: str,
    default_files: list[Located],
    problems: list[Problem],
) -> None:
    """One language's tips; ``default_files`` are the default language's, whose tip ids every language has."""
    check_ids(lang, "tip", "tips", files, problems)
    tip_count = 0
    for located in files:
        assert isinstance(located.model, TipsFile)
        for index, tip in enumerate(located.model.tips):
            tip_count += 1
            if tip.category not in categories:
                problems.append(
                    Problem(
                        located.path,
                        located.line("tips", index, "category"),
                        f"tip {tip.id!r}: category {tip.category!r} is not in the catalog",
                    )
                )
            for issue in markup_problems(tip.text):
                problems.append(
                    Problem(located.path, located.line("tips", index, "text"), f"tip {tip.id!r}: {issue}")
                )
    if files and tip_count < MIN_TIPS_PER_LANGUAGE:
        problems.append(
            Problem(
                files[0].path,
                1,
                f"{lang} has {tip_count} tips; at least {MIN_TIPS_PER_LANGUAGE} are needed",
            )
        )

    if files and lang != default_language:
        for tip_id in sorted(tip_ids(default_files) - tip_ids(files)):
            problems.append(
                Problem(
                    files[0].path,
                    1,
                    f"missing tip {tip_id!r} ({default_language} has it; campaigns name tips by id)",
                )
            )
