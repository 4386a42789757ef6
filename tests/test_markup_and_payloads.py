"""The markup subset and signed button payloads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.markup import LineKind, SpanKind, parse, plain_text, split_paragraphs
from bot.core.payloads import PayloadRejected, PayloadSigner
from bot.core.replies import MAX_PAYLOAD_BYTES

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
signer = PayloadSigner(b"0123456789abcdef0123456789abcdef")


def test_markup_parses_styles_links_and_lists() -> None:
    lines = parse("**Stop** and _think_: see [the guide](https://example.org/a).\n\n- one\n2. two")
    first = lines[0].spans
    assert [s.kind for s in first] == [
        SpanKind.BOLD,
        SpanKind.TEXT,
        SpanKind.ITALIC,
        SpanKind.TEXT,
        SpanKind.LINK,
        SpanKind.TEXT,
    ]
    assert first[4].url == "https://example.org/a"
    assert [line.kind for line in lines] == [
        LineKind.TEXT,
        LineKind.BLANK,
        LineKind.BULLET,
        LineKind.NUMBERED,
    ]
    assert plain_text("**a** [b](https://c.d)\n- e") == "a b (https://c.d)\n• e"


def test_snake_case_is_not_italic() -> None:
    assert all(span.kind is SpanKind.TEXT for span in parse("file_name_here")[0].spans)


def test_split_paragraphs_keeps_every_character_under_the_limit() -> None:
    text = "\n\n".join(f"Paragraph {i} " + "word " * 50 for i in range(30))
    chunks = split_paragraphs(text, 1000)
    assert all(len(chunk) <= 1000 for chunk in chunks)
    assert "\n\n".join(chunks) == text


@given(st.lists(st.from_regex(r"[a-z0-9-]{1,12}", fullmatch=True), min_size=0, max_size=2))
def test_payload_round_trip(args: list[str]) -> None:
    payload = signer.make("t", *args)
    assert len(payload.encode()) <= MAX_PAYLOAD_BYTES
    decoded = signer.read(payload, now=NOW, presser="x:1")
    assert decoded.action == "t" and list(decoded.args) == args


@given(st.text(max_size=80))
def test_arbitrary_payloads_are_rejected_not_crashing(raw: str) -> None:
    with pytest.raises(PayloadRejected):
        signer.read(raw, now=NOW, presser="x:1")


def test_tampered_payload_is_rejected() -> None:
    payload = signer.make("t", "strong-passwords")
    with pytest.raises(PayloadRejected):
        signer.read(payload.replace("strong", "strang"), now=NOW, presser="x:1")


def test_expiry_and_owner() -> None:
    payload = signer.make("forget", now=NOW, ttl=timedelta(minutes=10), owner="tg:1")
    assert signer.read(payload, now=NOW + timedelta(minutes=9), presser="tg:1").action == "forget"
    with pytest.raises(PayloadRejected):
        signer.read(payload, now=NOW + timedelta(minutes=11), presser="tg:1")
    with pytest.raises(PayloadRejected):
        signer.read(payload, now=NOW, presser="tg:2")


def test_payload_too_long_or_bad_characters_refused_when_made() -> None:
    with pytest.raises(ValueError):
        signer.make("t", "x" * 60)
    with pytest.raises(ValueError):
        signer.make("t", "has space")
