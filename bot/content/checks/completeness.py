"""How complete each language is: item counts, and what it has of what a shipped language needs."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from bot.content.checks.challenges import MIN_CHALLENGE_ITEMS, MIN_RELIABLE_SHARE
from bot.content.checks.crisis import MIN_CRISIS_EXAMPLES, MIN_SAFE_EXAMPLES, example_counts
from bot.content.checks.tips import MIN_TIPS_PER_LANGUAGE, tip_ids
from bot.content.checks.ui import named_commands
from bot.content.models import ChallengesFile, FaqFile, TipsFile, UiFile
from bot.content.reading import LoadResult


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
    reference_tips = tip_ids(reference.get("tips", []))
    table: dict[str, list[Requirement]] = {}
    for lang, kinds in sorted(result.files.items()):
        models = {kind: [loc.model for loc in files] for kind, files in kinds.items()}
        ui = next((m for m in models.get("ui", []) if isinstance(m, UiFile)), None)
        faq = {e.id for m in models.get("faq", []) if isinstance(m, FaqFile) for e in m.faq}
        tips = tip_ids(kinds.get("tips", []))
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
                needed = named_commands(set(reference_ui.commands), set(reference_ui.strings))
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
