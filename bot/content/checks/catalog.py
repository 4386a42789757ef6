"""Checks of catalog.yaml: technique ids short enough for a button, topics filed under known categories."""

from __future__ import annotations

from bot.content.problems import Problem
from bot.content.reading import CATALOG_FILE, LoadResult

MAX_TECHNIQUE_ID = 32
"""A technique id rides in a 64-byte button payload next to a round id, a position and the signature."""


def check_catalog(result: LoadResult, problems: list[Problem]) -> None:
    """Technique ids that are too long and topics whose category is not in the catalog."""
    catalog = result.catalog
    assert catalog is not None
    catalog_file = result.catalog_file
    catalog_path = catalog_file.path if catalog_file else result.root / CATALOG_FILE
    categories = set(catalog.categories)

    for index, technique_id in enumerate(catalog.techniques):
        if len(technique_id) > MAX_TECHNIQUE_ID:
            line = catalog_file.line("techniques", index) if catalog_file else 1
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
            line = catalog_file.line("topics", topic_id) if catalog_file else 1
            problems.append(Problem(catalog_path, line, f"topic {topic_id!r}: unknown category {category!r}"))
