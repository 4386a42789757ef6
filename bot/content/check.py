"""Checks across content files: ids, references, categories, labels, completeness of every language."""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from bot.content.check_examples import (
    MIN_CRISIS_EXAMPLES,
    MIN_SAFE_EXAMPLES,
    check_crisis_examples,
    example_counts,
)
from bot.content.loader import LoadResult, Located
from bot.content.models import (
    FAQ_ANSWER_WORDS,
    MAX_BUTTON_LABEL,
    Catalog,
    ChallengesFile,
    CrisisSignalsFile,
    FaqFile,
    TipsFile,
    UiFile,
)
from bot.content.problems import Problem
from bot.core.markup import SpanKind, parse

MIN_TIPS_PER_LANGUAGE = 60
"""Two months of daily tips without a repeat."""

MIN_CHALLENGE_ITEMS = 40
"""Eight rounds of five without a repeat."""

MIN_RELIABLE_SHARE = 0.4
"""Enough reliable items that a player cannot score well by distrusting everything."""

MAX_TECHNIQUE_ID = 32
"""A technique id rides in a 64-byte button payload next to a round id, a position and the signature."""

BUTTON_STRING_PREFIXES = ("button.", "category.")
"""UI string keys whose values are shown on buttons, so they must fit on one."""


def _markup_problems(text: str) -> list[str]:
    """Stray markup characters left after parsing: an unclosed ``**`` or a broken link."""
    found: list[str] = []
    for line in parse(text):
        for span in line.spans:
            if span.kind is SpanKind.TEXT and "**" in span.text:
                found.append("unclosed ** (bold)")
            if span.kind is SpanKind.TEXT and re.search(r"\]\((?!https?://)", span.text):
                found.append("link without an http(s) address")
    return found


def _check_ids(lang: str, kind: str, field: str, files: list[Located], problems: list[Problem]) -> None:
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


def cross_check(result: LoadResult, default_language: str = "en") -> None:
    """Append every cross-file problem to ``result.problems``."""
    catalog = result.catalog
    assert catalog is not None
    problems = result.problems
    categories = set(catalog.categories)
    catalog_path = result.catalog_file.path if result.catalog_file else result.root / "catalog.yaml"

    for index, technique_id in enumerate(catalog.techniques):
        if len(technique_id) > MAX_TECHNIQUE_ID:
            line = result.catalog_file.line("techniques", index) if result.catalog_file else 1
            problems.append(
                Problem(
                    catalog_path,
                    line,
                    f"technique id {technique_id!r} is {len(technique_id)} characters; "
                    f"at most {MAX_TECHNIQUE_ID} fit on a button",
                )
            )

    for topic_id, category in catalog.topics.items():
        if category not in categories:
            line = result.catalog_file.line("topics", topic_id) if result.catalog_file else 1
            problems.append(Problem(catalog_path, line, f"topic {topic_id!r}: unknown category {category!r}"))

    default_ui = [loc.model for loc in result.files.get(default_language, {}).get("ui", [])]
    reference_keys = set(default_ui[0].strings) if default_ui and isinstance(default_ui[0], UiFile) else set()
    reference_commands = (
        set(default_ui[0].commands) if default_ui and isinstance(default_ui[0], UiFile) else set()
    )

    for lang, kinds in result.files.items():
        check_crisis_examples(lang, kinds.get("crisis-examples", []), problems)

        # Tips
        tip_files = kinds.get("tips", [])
        _check_ids(lang, "tip", "tips", tip_files, problems)
        tip_count = 0
        for located in tip_files:
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
                for issue in _markup_problems(tip.text):
                    problems.append(
                        Problem(located.path, located.line("tips", index, "text"), f"tip {tip.id!r}: {issue}")
                    )
        if tip_files and tip_count < MIN_TIPS_PER_LANGUAGE:
            problems.append(
                Problem(
                    tip_files[0].path,
                    1,
                    f"{lang} has {tip_count} tips; at least {MIN_TIPS_PER_LANGUAGE} are needed",
                )
            )

        if tip_files and lang != default_language:
            own = _tip_ids(tip_files)
            for tip_id in sorted(_tip_ids(result.files.get(default_language, {}).get("tips", [])) - own):
                problems.append(
                    Problem(
                        tip_files[0].path,
                        1,
                        f"missing tip {tip_id!r} ({default_language} has it; campaigns name tips by id)",
                    )
                )

        # FAQ
        faq_files = kinds.get("faq", [])
        _check_ids(lang, "FAQ", "faq", faq_files, problems)
        faq_ids = {entry.id for loc in faq_files if isinstance(loc.model, FaqFile) for entry in loc.model.faq}
        for located in faq_files:
            assert isinstance(located.model, FaqFile)
            for index, entry in enumerate(located.model.faq):

                def at(*path: str | int, _index: int = index, _loc: Located = located) -> int:
                    return _loc.line("faq", _index, *path)

                if entry.id not in catalog.topics:
                    problems.append(
                        Problem(located.path, at("id"), f"FAQ {entry.id!r} is not a topic in the catalog")
                    )
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
                                located.path,
                                at("related"),
                                f"FAQ {entry.id!r}: related FAQ {related!r} does not exist",
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
                for issue in _markup_problems(entry.answer):
                    problems.append(Problem(located.path, at("answer"), f"FAQ {entry.id!r}: {issue}"))
        if faq_files:
            for topic_id in catalog.topics:
                if topic_id not in faq_ids:
                    problems.append(
                        Problem(
                            faq_files[0].path, 1, f"{lang} has no FAQ entry for catalog topic {topic_id!r}"
                        )
                    )

        _check_challenges(lang, catalog, kinds.get("challenges", []), problems)

        # UI strings
        for located in kinds.get("ui", []):
            assert isinstance(located.model, UiFile)
            ui = located.model
            for key, value in ui.strings.items():
                if key.startswith(BUTTON_STRING_PREFIXES) and len(value) > MAX_BUTTON_LABEL:
                    problems.append(
                        Problem(
                            located.path,
                            located.line("strings", key),
                            f"string {key!r} is a button label of {len(value)} characters; "
                            f"at most {MAX_BUTTON_LABEL}",
                        )
                    )
                for issue in _markup_problems(value):
                    problems.append(
                        Problem(located.path, located.line("strings", key), f"string {key!r}: {issue}")
                    )
            for category in categories:
                if f"category.{category}" not in ui.strings:
                    problems.append(
                        Problem(
                            located.path,
                            located.line("strings"),
                            f"missing string 'category.{category}' (its button label)",
                        )
                    )
            if lang != default_language:
                for key in sorted(reference_keys - set(ui.strings)):
                    problems.append(
                        Problem(
                            located.path,
                            located.line("strings"),
                            f"missing string {key!r} ({default_language} has it)",
                        )
                    )
                for command in sorted(reference_commands - set(ui.commands)):
                    problems.append(
                        Problem(
                            located.path, located.line("commands"), f"missing command description {command!r}"
                        )
                    )

        for located in kinds.get("ui", []):
            assert isinstance(located.model, UiFile)
            _check_command_names(
                lang, located, default_language, reference_commands, reference_keys, problems
            )

        # Crisis signals must be valid regular expressions
        for located in kinds.get("crisis-signals", []):
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


def _named_commands(commands: set[str], keys: set[str]) -> set[str]:
    """What needs a name in every language: each command, and each option (from its ``option.*`` string)."""
    return commands | {key.removeprefix("option.") for key in keys if key.startswith("option.")}


def _check_command_names(
    lang: str,
    located: Located,
    default_language: str,
    commands: set[str],
    keys: set[str],
    problems: list[Problem],
) -> None:
    """Other languages name every command and option, each name once, none another command's name."""
    ui = located.model
    assert isinstance(ui, UiFile)
    if lang == default_language:
        return
    for name in sorted(_named_commands(commands, keys) - set(ui.command_names)):
        problems.append(
            Problem(located.path, located.line("command_names"), f"missing command name for {name!r}")
        )
    seen: dict[str, str] = {}
    for canonical, name in ui.command_names.items():
        scope = canonical.split(".")[0] if "." in canonical else ""
        where = located.line("command_names", canonical)
        if (scope, name) in {(s, n) for n, s in seen.items()}:
            problems.append(Problem(located.path, where, f"command name {name!r} is used twice"))
        if not scope and name in commands and name != canonical:
            problems.append(
                Problem(located.path, where, f"command name {name!r} is already the command /{name}")
            )
        seen[name if not scope else f"{scope}.{name}"] = scope


def _tip_ids(files: list[Located]) -> set[str]:
    return {tip.id for located in files if isinstance(located.model, TipsFile) for tip in located.model.tips}


def _check_challenges(lang: str, catalog: Catalog, files: list[Located], problems: list[Problem]) -> None:
    """Challenge items: unique ids, known techniques with a name and tip, verdicts that fit, enough items."""
    if not files:
        return
    _check_ids(lang, "challenge", "items", files, problems)
    known = {technique for technique in catalog.techniques if len(technique) <= MAX_TECHNIQUE_ID}
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
    total = reliable = 0
    for located in files:
        assert isinstance(located.model, ChallengesFile)
        for index, item in enumerate(located.model.items):

            def at(*path: str | int, _index: int = index, _loc: Located = located) -> int:
                return _loc.line("items", _index, *path)

            total += 1
            if item.verdict == "reliable":
                reliable += 1
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
                for issue in _markup_problems(getattr(item, field_name)):
                    problems.append(Problem(located.path, at(field_name), f"challenge {item.id!r}: {issue}"))
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


def counts(result: LoadResult) -> dict[str, Counter[str]]:
    """How many items of each kind every language has, for the report of a valid check."""
    table: dict[str, Counter[str]] = {}
    for lang, kinds in sorted(result.files.items()):
        counter: Counter[str] = Counter()
        for kind, files in kinds.items():
            for located in files:
                model = located.model
                if isinstance(model, TipsFile):
                    counter["tips"] += len(model.tips)
                elif isinstance(model, FaqFile):
                    counter["faq"] += len(model.faq)
                elif isinstance(model, UiFile):
                    counter["ui strings"] += len(model.strings)
                elif kind == "crisis":
                    counter["crisis resources"] += len(getattr(model, "resources", []))
                elif kind == "synonyms":
                    counter["synonyms"] += len(getattr(model, "synonyms", {}))
                elif isinstance(model, ChallengesFile):
                    counter["challenge items"] += len(model.items)
                    counter["reliable"] += sum(item.verdict == "reliable" for item in model.items)
        reliable = counter.pop("reliable", 0)
        if counter["challenge items"]:
            counter["percent of challenge items reliable"] = round(
                100 * reliable / counter["challenge items"]
            )
        else:
            counter.pop("challenge items")
        table[lang] = counter
    return table


@dataclass(frozen=True, slots=True)
class Requirement:
    """One thing a complete language has: how many it has and how many it needs."""

    what: str
    have: int
    need: int

    @property
    def share(self) -> float:
        return min(self.have / self.need, 1.0) if self.need else 1.0

    def __str__(self) -> str:
        return f"{self.what} {self.have}/{self.need}"


def completeness(result: LoadResult, default_language: str = "en") -> dict[str, list[Requirement]]:
    """For every language, what it has of what a shipped language needs (the default is the reference)."""
    catalog = result.catalog
    topics = set(catalog.topics) if catalog else set()
    reference = result.files.get(default_language, {})
    reference_ui = next((loc.model for loc in reference.get("ui", []) if isinstance(loc.model, UiFile)), None)
    reference_tips = _tip_ids(reference.get("tips", []))
    table: dict[str, list[Requirement]] = {}
    for lang, kinds in sorted(result.files.items()):
        models = {kind: [loc.model for loc in files] for kind, files in kinds.items()}
        ui = next((m for m in models.get("ui", []) if isinstance(m, UiFile)), None)
        faq = {e.id for m in models.get("faq", []) if isinstance(m, FaqFile) for e in m.faq}
        tips = _tip_ids(kinds.get("tips", []))
        items = [i for m in models.get("challenges", []) if isinstance(m, ChallengesFile) for i in m.items]
        reliable = sum(item.verdict == "reliable" for item in items)
        rows = [Requirement("FAQ topics", len(faq & topics), len(topics))]
        if reference_ui is not None:
            have = ui.strings if ui else {}
            commands = ui.commands if ui else {}
            rows.append(
                Requirement(
                    "UI strings", len(set(have) & set(reference_ui.strings)), len(reference_ui.strings)
                )
            )
            rows.append(
                Requirement(
                    "commands", len(set(commands) & set(reference_ui.commands)), len(reference_ui.commands)
                )
            )
        rows.append(Requirement("tips", len(tips), MIN_TIPS_PER_LANGUAGE))
        if lang != default_language:
            rows.append(Requirement("tip ids", len(tips & reference_tips), len(reference_tips)))
            if reference_ui is not None:
                needed = _named_commands(set(reference_ui.commands), set(reference_ui.strings))
                named = set(ui.command_names) if ui else set()
                rows.append(Requirement("command names", len(named & needed), len(needed)))
        rows.append(Requirement("challenge items", len(items), MIN_CHALLENGE_ITEMS))
        rows.append(
            Requirement("reliable items", reliable, math.ceil(round(MIN_RELIABLE_SHARE * len(items), 6)))
        )
        rows.append(
            Requirement(
                "crisis files", len(models.get("crisis", [])) + len(models.get("crisis-signals", [])), 2
            )
        )
        crisis_examples, safe_examples = example_counts(models.get("crisis-examples", []))
        rows.append(Requirement("crisis examples", crisis_examples, MIN_CRISIS_EXAMPLES))
        rows.append(Requirement("hard negatives", safe_examples, MIN_SAFE_EXAMPLES))
        table[lang] = rows
    return table


def completeness_report(result: LoadResult, default_language: str = "en") -> list[str]:
    """One line per language: how complete it is, and what it has of each requirement."""
    lines = []
    for lang, rows in completeness(result, default_language).items():
        percent = 100 * sum(row.share for row in rows) / len(rows)
        state = "complete" if percent == 100 else f"{percent:.0f}% complete"
        lines.append(f"{lang}: {state} ({', '.join(str(row) for row in rows)})")
    return lines
