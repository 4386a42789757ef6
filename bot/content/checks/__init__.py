"""Checks across content files: ids, references, categories, labels, completeness of every language.

``cross_check`` runs every check, one module per kind of content; ``completeness`` reports how complete
each language is.
"""

from __future__ import annotations

from bot.content.checks.catalog import check_catalog
from bot.content.checks.challenges import check_challenges
from bot.content.checks.crisis import check_crisis_examples, check_crisis_signals
from bot.content.checks.faq import check_faq
from bot.content.checks.message_templates import check_message_templates
from bot.content.checks.tips import check_tips
from bot.content.checks.ui import check_ui
from bot.content.reading import LoadResult


def cross_check(result: LoadResult, default_language: str = "en") -> None:
    """Append every cross-file problem to ``result.problems``."""
    catalog = result.catalog
    assert catalog is not None
    problems = result.problems
    categories = set(catalog.categories)
    check_catalog(result, problems)
    default = result.files.get(default_language, {})
    for lang, kinds in result.files.items():
        check_crisis_examples(lang, kinds.get("crisis-examples", []), problems)
        check_tips(
            lang, categories, kinds.get("tips", []), default_language, default.get("tips", []), problems
        )
        check_faq(lang, catalog, categories, kinds.get("faq", []), problems)
        check_challenges(lang, catalog, kinds.get("challenges", []), problems)
        check_ui(lang, categories, kinds.get("ui", []), default_language, default.get("ui", []), problems)
        check_crisis_signals(kinds.get("crisis-signals", []), problems)
        check_message_templates(
            lang,
            kinds.get("whatsapp-templates", []),
            default_language,
            default.get("whatsapp-templates", []),
            problems,
        )
