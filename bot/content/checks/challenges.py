"""Checks of the challenge items: unique ids, known techniques with a name and tip, verdicts, enough items."""

from __future__ import annotations

from bot.content.checks.catalog import MAX_TECHNIQUE_ID
from bot.content.checks.common import check_ids, markup_problems
from bot.content.models import MAX_BUTTON_LABEL, Catalog, ChallengeItem, ChallengesFile
from bot.content.problems import Problem
from bot.content.reading import Located

MIN_CHALLENGE_ITEMS = 40
"""Eight rounds of five without a repeat."""

MIN_RELIABLE_SHARE = 0.4
"""Enough reliable items that a player cannot score well by distrusting everything."""


def check_challenges(lang: str, catalog: Catalog, files: list[Located], problems: list[Problem]) -> None:
    """Challenge items: unique ids, known techniques with a name and tip, verdicts that fit, enough items."""
    if not files:
        return
    check_ids(lang, "challenge", "items", files, problems)
    known = {technique for technique in catalog.techniques if len(technique) <= MAX_TECHNIQUE_ID}
    named = _check_techniques(files, known, problems)
    total = reliable = 0
    for located in files:
        assert isinstance(located.model, ChallengesFile)
        for index, item in enumerate(located.model.items):
            total += 1
            reliable += item.verdict == "reliable"
            _check_item(lang, located, index, item, known, named, problems)
    if total < MIN_CHALLENGE_ITEMS:
        problems.append(
            Problem(
                files[0].path,
                1,
                f"{lang} has {total} challenge items; at least {MIN_CHALLENGE_ITEMS} are needed",
            )
        )
    elif reliable < MIN_RELIABLE_SHARE * total:
        problems.append(
            Problem(
                files[0].path,
                1,
                f"{lang} has {reliable} reliable challenge items of {total} "
                f"({round(100 * reliable / total)}%); at least {round(100 * MIN_RELIABLE_SHARE)}% are needed",
            )
        )


def _check_techniques(files: list[Located], known: set[str], problems: list[Problem]) -> set[str]:
    """Named techniques must be in the catalog and fit on a button; returns the ids of those named."""
    named: set[str] = set()
    for located in files:
        assert isinstance(located.model, ChallengesFile)
        for technique_id, technique in located.model.techniques.items():
            named.add(technique_id)
            where = located.line("techniques", technique_id)
            if technique_id not in known:
                problems.append(
                    Problem(located.path, where, f"technique {technique_id!r} is not in the catalog")
                )
            if len(technique.name) > MAX_BUTTON_LABEL:
                problems.append(
                    Problem(
                        located.path,
                        located.line("techniques", technique_id, "name"),
                        f"technique {technique_id!r}: name is {len(technique.name)} characters; "
                        f"buttons allow at most {MAX_BUTTON_LABEL}",
                    )
                )
    return named


def _check_item(
    lang: str,
    located: Located,
    index: int,
    item: ChallengeItem,
    known: set[str],
    named: set[str],
    problems: list[Problem],
) -> None:
    """One item: a technique exactly when manipulative, known and named in this language; clean markup."""

    def at(*path: str | int) -> int:
        return located.line("items", index, *path)

    if item.verdict == "reliable":
        if item.technique is not None:
            problems.append(
                Problem(
                    located.path,
                    at("technique"),
                    f"challenge {item.id!r} is reliable but names a technique "
                    f"({item.technique!r}); only manipulative items have one",
                )
            )
    elif item.technique is None:
        problems.append(
            Problem(
                located.path,
                at("verdict"),
                f"challenge {item.id!r} is manipulative but names no technique",
            )
        )
    else:
        if item.technique not in known:
            problems.append(
                Problem(
                    located.path,
                    at("technique"),
                    f"challenge {item.id!r}: technique {item.technique!r} is not in the catalog",
                )
            )
        if item.technique not in named:
            problems.append(
                Problem(
                    located.path,
                    at("technique"),
                    f"challenge {item.id!r}: technique {item.technique!r} has no name and tip "
                    f"under techniques: in {lang}",
                )
            )
    for field_name in ("item", "explanation", "what_you_can_do"):
        for issue in markup_problems(getattr(item, field_name)):
            problems.append(Problem(located.path, at(field_name), f"challenge {item.id!r}: {issue}"))
