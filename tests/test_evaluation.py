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


def test_eval_command_reports_every_language_by_default() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "eval"], capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr
    for lang in ("en", "es"):
        assert f"== {lang}: tests/eval/heldout/{lang}.yaml" in result.stdout
    for figure in ("long questions, top-3", "crisis recall", "no false crisis alarm", "out of scope refused"):
        assert figure in result.stdout
