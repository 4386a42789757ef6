"""The evaluation sets: held out from training, big enough, and the figures the README reports."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.content.library import ContentLibrary
from bot.core.folding import fold
from bot.understanding.evaluation import all_messages, crisis_messages, load_set, topic_questions
from bot.understanding.training import crisis_examples, topic_examples

EVAL = Path(__file__).parent / "eval"
HELD_OUT = EVAL / "heldout"
EVERY_SET = sorted(EVAL.glob("*/*.yaml"))


def _key(text: str) -> str:
    """A message as compared for leaks: folded, punctuation and spacing ignored."""
    return " ".join(re.findall(r"[^\W_]+", fold(text)))


@pytest.fixture(scope="module")
def trained_on(content: ContentLibrary) -> set[str]:
    texts = [example.text for example in topic_examples(content) + crisis_examples(content)]
    texts += [entry.answer for language in content.languages.values() for entry in language.faq]
    return {_key(text) for text in texts}


def test_every_shipped_language_has_a_held_out_set(content: ContentLibrary) -> None:
    assert {path.stem for path in HELD_OUT.glob("*.yaml")} >= set(content.shipped)


@pytest.mark.parametrize("path", sorted(HELD_OUT.glob("*.yaml")), ids=lambda path: path.stem)
def test_held_out_sets_are_big_and_broad_enough(path: Path, content: ContentLibrary) -> None:
    data = load_set(path)
    short = {topic for group, topic, _ in topic_questions(data) if group == "short"}
    long = [text for group, _, text in topic_questions(data) if group == "long"]
    assert short == set(content.catalog.topics)
    assert len(long) >= 60 and min(len(text) for text in long) >= 250
    assert len(list(crisis_messages(data))) >= 80 and len(data["not_crisis"]) >= 80
    assert len(data["out_of_scope"]) >= 30
    kinds = {kind for kind, _ in crisis_messages(data)}
    assert {"suicide", "self-harm", "eating-disorder", "abuse-danger", "friend-at-risk"} <= kinds


@pytest.mark.parametrize("path", EVERY_SET, ids=lambda path: f"{path.parent.name}/{path.stem}")
def test_no_evaluation_message_is_in_the_training_data(path: Path, trained_on: set[str]) -> None:
    leaked = [text for text in all_messages(load_set(path)) if _key(text) in trained_on]
    assert leaked == [], f"{len(leaked)} message(s) of {path.name} are in content/: {leaked[:3]}"


FLOORS: dict[str, dict[str, float]] = {
    # A few points under the final measurement of 2026-12-06 (README, "Measured on messages nobody tuned
    # on"): a change that makes the bot worse on the held-out sets fails here. Raise them as it improves.
    "en": {"short questions, top-1": 94, "short questions, top-3": 97, "long questions, top-1": 94,
           "long questions, top-3": 97, "out of scope refused": 95, "crisis recall": 94,
           "no false crisis alarm": 89},
    "es": {"short questions, top-1": 93, "short questions, top-3": 97, "long questions, top-1": 94,
           "long questions, top-3": 97, "out of scope refused": 85, "crisis recall": 86,
           "no false crisis alarm": 89},
    "fr": {"short questions, top-1": 95, "short questions, top-3": 97, "long questions, top-1": 93,
           "long questions, top-3": 97, "out of scope refused": 86, "crisis recall": 89,
           "no false crisis alarm": 91},
    "ar": {"short questions, top-1": 85, "short questions, top-3": 90, "long questions, top-1": 81,
           "long questions, top-3": 87, "out of scope refused": 62, "crisis recall": 91,
           "no false crisis alarm": 85},
}  # fmt: skip


def figures_of(output: str) -> dict[str, dict[str, float]]:
    """{language: {figure: percent}} from ``safetybot eval``'s summary lines."""
    found: dict[str, dict[str, float]] = {}
    lang = ""
    for line in output.splitlines():
        if match := re.match(r"^== (\w+): ", line):
            lang = match.group(1)
            found[lang] = {}
        elif lang and (match := re.match(r"^(\S.*?)\s+(\d+)\s+(\d+)\s+[\d.]+%$", line)):
            found[lang][match.group(1)] = 100 * int(match.group(2)) / int(match.group(3))
    return found


def test_eval_reports_every_language_and_the_held_out_figures_stay_above_their_floors(
    content: ContentLibrary,
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "eval"], capture_output=True, text=True, timeout=900
    )
    assert result.returncode == 0, result.stderr
    for lang in content.shipped:
        assert f"== {lang}: tests/eval/heldout/{lang}.yaml" in result.stdout
    figures = figures_of(result.stdout)
    assert set(FLOORS) == set(content.shipped), "every shipped language needs floors"
    below = {
        f"{lang}: {name}": f"{figures[lang].get(name, 0):.1f}% < {floor}%"
        for lang, floors in FLOORS.items()
        for name, floor in floors.items()
        if figures[lang].get(name, 0) < floor
    }
    assert below == {}, "the bot got worse on messages nobody tuned on (run `safetybot eval`)"
