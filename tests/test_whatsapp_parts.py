"""The WhatsApp parts: rendering replies as Cloud API payloads, reading webhooks, sorting API errors, and
the Graph API stand-in they are tested against."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from hypothesis import assume, given
from hypothesis import strategies as st

from adapters.whatsapp import errors, render, webhook
from adapters.whatsapp.errors import Classified, Outcome, classify, classify_code
from adapters.whatsapp.webhook import InboundPress, InboundText, InboundUnsupported, StatusUpdate
from bot.core.markup import SpanKind, parse
from bot.core.replies import Choice, Reply, rows
from tests.auxil.whatsapp_server import FakeGraphApi, error_body

SECRET = "app-secret-for-tests"
PHONE_ID = "106540352242922"
TOKEN = "EAAtest-token"
WA_ID = "15551234567"
OTHER = "447700900123"
TWINS = "＊＿～｀"


def choices(count: int, label: str = "Choice") -> list[Choice]:
    return [Choice(f"{label} {i}", f"pay:{i}") for i in range(count)]


def build(count: int, text: str = "Pick one", label: str = "Choice") -> list[dict[str, Any]]:
    reply = Reply(text, rows(choices(count, label)))
    return render.messages(reply, WA_ID, list_button="Options", short_body="Pick one of these:")


def formatting_pairs(text: str) -> list[tuple[str, int, int]]:
    """Every pair of ASCII markers WhatsApp could read as formatting: an opener (a non-space after it)
    and a later closer of the same kind (a non-space before it). Wider than WhatsApp's own rules."""
    pairs = []
    for marker in "*_~`":
        places = [i for i, ch in enumerate(text) if ch == marker]
        for a in places:
            for b in places:
                opens = a + 1 < len(text) and not text[a + 1].isspace()
                closes = b > 0 and not text[b - 1].isspace()
                if b > a and opens and closes:
                    pairs.append((marker, a, b))
    return pairs


# --- render: text ----------------------------------------------------------------------------------


def test_markup_becomes_whatsapp_formatting() -> None:
    text = "**Stop** and _think_: read [the guide](https://example.org/guide).\n\n- one\n- two\n3. three"
    assert render.to_whatsapp(text) == (
        "*Stop* and _think_: read the guide: https://example.org/guide.\n\n• one\n• two\n3. three"
    )


def test_link_whose_text_is_its_address_is_written_once() -> None:
    assert render.to_whatsapp("[https://a.example/x](https://a.example/x)") == "https://a.example/x"


def test_bold_keeps_surrounding_spaces_outside_the_markers() -> None:
    assert render.to_whatsapp("a ** b ** c") == "a  *b*  c"


@pytest.mark.parametrize(
    "typed",
    [
        "*urgent* please",
        "~gone~",
        "`code` and ```block```",
        "2*3*4",
        "file_name_here",
        "a *b_c* d_e",
        "**",
        "*a\nb*",
    ],
)
def test_typed_markers_never_become_formatting(typed: str) -> None:
    # (``**bold**`` and ``_italic_`` are the core's markup, which the core escapes before it.)
    out = render.to_whatsapp(typed)
    assert formatting_pairs(out) == []
    assert out.translate(str.maketrans(TWINS, "*_~`")) == typed


def test_typed_markers_inside_bold_stay_literal() -> None:
    out = render.to_whatsapp("**a_b_c** and *x*")
    assert out.startswith("*a＿b＿c*")
    assert "＊x＊" in out
    # The only pair left is the bold rendering added.
    assert formatting_pairs(out) == [("*", 0, 6)]


def test_a_lone_marker_is_left_alone_so_short_codes_stay_dialable() -> None:
    assert render.to_whatsapp("Llama al *4141") == "Llama al *4141"
    crisis = "**Si estás en peligro, llama ya.**\n\n- Chile: Llama al *4141 (gratuita)"
    assert render.to_whatsapp(crisis).endswith("Llama al *4141 (gratuita)")
    assert render.to_whatsapp("dial *#06# to see it") == "dial *#06# to see it"


def test_addresses_are_never_altered() -> None:
    out = render.to_whatsapp("see https://x.example/a_b_c_d and [this](https://y.example/~u/x_y_z)")
    assert "https://x.example/a_b_c_d" in out
    assert "this: https://y.example/~u/x_y_z" in out


def test_a_typed_quote_line_is_not_a_quote() -> None:
    assert render.to_whatsapp("> not a quote\nok > fine") == "＞ not a quote\nok > fine"


def test_right_to_left_text_keeps_its_marks_and_stays_literal() -> None:
    out = render.to_whatsapp("اتصل بـ *988* الآن")
    assert out.startswith("\u200f")
    assert "*" not in out and "＊" in out


_URL = "https://x.example/a_b~c"
_TYPED = st.lists(st.sampled_from([*"ab *_~`>\n\t.:", _URL]), max_size=40).map("".join)


@given(_TYPED)
def test_no_typed_text_ever_formats(typed: str) -> None:
    assume(all(span.kind is SpanKind.TEXT for line in parse(typed) for span in line.spans))
    for chunk in render.text_chunks(typed):
        # Addresses are left whole (WhatsApp does not format inside a link); the rest must not pair.
        masked = render.ADDRESS.sub(lambda match: "#" * len(match.group(0)), chunk)
        assert formatting_pairs(masked) == []
        assert "\n> " not in f"\n{chunk}"


def test_a_long_text_is_split_at_paragraphs_under_the_limit() -> None:
    paragraphs = [f"Paragraph {i}. " + " ".join(["word"] * 100) for i in range(10)]
    text = "\n\n".join(paragraphs)
    assert len(text) > 5000
    chunks = render.text_chunks(text)
    assert len(chunks) == 2
    assert all(len(chunk) <= render.MESSAGE_LIMIT for chunk in chunks)
    assert "\n\n".join(chunks) == text
    assert all(chunk.startswith("Paragraph") for chunk in chunks)


def test_one_huge_paragraph_is_cut_hard() -> None:
    chunks = render.text_chunks("x" * 9000)
    assert [len(chunk) for chunk in chunks] == [3800, 3800, 1400]


def test_text_only_reply_is_text_messages() -> None:
    [message] = render.messages(Reply("Hello **you**"), WA_ID, list_button="Options", short_body="More")
    assert message == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": WA_ID,
        "type": "text",
        "text": {"preview_url": False, "body": "Hello *you*"},
    }
    assert render.messages(Reply("  "), WA_ID, list_button="Options", short_body="More") == []


# --- render: choices -------------------------------------------------------------------------------


def test_three_choices_are_reply_buttons() -> None:
    [message] = build(3)
    interactive = message["interactive"]
    assert interactive["type"] == "button"
    assert interactive["body"] == {"text": "Pick one"}
    assert interactive["action"]["buttons"] == [
        {"type": "reply", "reply": {"id": f"pay:{i}", "title": f"Choice {i}"}} for i in range(3)
    ]


def test_four_choices_are_a_list() -> None:
    [message] = build(4)
    interactive = message["interactive"]
    assert interactive["type"] == "list"
    assert interactive["action"]["button"] == "Options"
    [section] = interactive["action"]["sections"]
    assert "title" not in section
    assert section["rows"] == [{"id": f"pay:{i}", "title": f"Choice {i}"} for i in range(4)]


def test_twelve_choices_are_a_list_of_ten_then_a_list_of_two() -> None:
    first, second = build(12)
    first_rows = first["interactive"]["action"]["sections"][0]["rows"]
    second_rows = second["interactive"]["action"]["sections"][0]["rows"]
    assert [row["id"] for row in first_rows] == [f"pay:{i}" for i in range(10)]
    assert [row["id"] for row in second_rows] == ["pay:10", "pay:11"]
    assert first["interactive"]["body"]["text"] == "Pick one"
    assert second["interactive"]["body"]["text"] == "Pick one of these:"
    assert second["interactive"]["type"] == "list"


def test_button_titles_are_cut_to_20_characters() -> None:
    label = "Report a scam account now"
    [message] = render.messages(
        Reply("Pick", ((Choice(label, "r"),),)), WA_ID, list_button="Options", short_body="x"
    )
    title = message["interactive"]["action"]["buttons"][0]["reply"]["title"]
    assert title == "Report a scam accou…"
    assert len(title) == 20


def test_labels_that_read_the_same_once_cut_go_in_a_list() -> None:
    [message] = build(3, label="A button label that is long")
    assert message["interactive"]["type"] == "list"
    rows_ = message["interactive"]["action"]["sections"][0]["rows"]
    assert [row["description"] for row in rows_] == [f"A button label that is long {i}" for i in range(3)]


def test_row_titles_are_cut_to_24_and_the_label_shown_in_the_description() -> None:
    label = "How do I report a fake profile?"
    reply = Reply("Pick", rows([Choice(label, "long"), *choices(3)]))
    [message] = render.messages(reply, WA_ID, list_button="See all the options here", short_body="x")
    first = message["interactive"]["action"]["sections"][0]["rows"][0]
    # Cut at 23 characters plus the ellipsis; the space before the cut goes.
    assert first == {"id": "long", "title": "How do I report a fake…", "description": label}
    assert len(first["title"]) <= 24
    assert message["interactive"]["action"]["button"] == "See all the options…"


def test_text_over_1024_goes_first_and_the_buttons_carry_the_short_body() -> None:
    text = "A long answer. " * 80
    text_message, buttons = build(2, text=text)
    assert text_message["type"] == "text"
    assert text_message["text"]["body"] == text.strip()
    assert buttons["interactive"]["body"]["text"] == "Pick one of these:"


def test_text_over_4096_with_a_list() -> None:
    text = "\n\n".join("Paragraph " + "word " * 150 for _ in range(8))
    sent = build(5, text=text)
    assert [m["type"] for m in sent] == ["text", "text", "interactive"]
    assert sent[-1]["interactive"]["body"]["text"] == "Pick one of these:"


def test_labels_come_from_the_reply_and_the_caller_only() -> None:
    sent = build(12, text="")
    assert [m["interactive"]["body"]["text"] for m in sent] == ["Pick one of these:"] * 2


def test_builders_refuse_what_meta_refuses() -> None:
    with pytest.raises(ValueError):
        render.buttons_message(WA_ID, "body", choices(4))
    with pytest.raises(ValueError):
        render.list_message(WA_ID, "body", choices(11), button="Options")
    with pytest.raises(ValueError):
        render.buttons_message(WA_ID, "body", [])


def test_a_body_over_1024_is_cut() -> None:
    assert len(render.shorten_body("word " * 400)) == render.BODY_LIMIT


def test_template_message() -> None:
    message = render.template_message(WA_ID, "daily_tip", "es_MX", ["Línea\n1", "a\tb", "x     y"])
    assert message == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": WA_ID,
        "type": "template",
        "template": {
            "name": "daily_tip",
            "language": {"code": "es_MX"},
            "components": [
                {
                    "type": "body",
                    "parameters": [
                        {"type": "text", "text": "Línea 1"},
                        {"type": "text", "text": "a b"},
                        {"type": "text", "text": "x y"},
                    ],
                }
            ],
        },
    }
    assert "components" not in render.template_message(WA_ID, "hello", "en")["template"]


# --- webhook: handshake and signature --------------------------------------------------------------


def sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_handshake() -> None:
    good = {"hub.mode": "subscribe", "hub.verify_token": "vt", "hub.challenge": "1158201444"}
    assert webhook.verify_handshake(good, "vt") == "1158201444"
    assert webhook.verify_handshake({**good, "hub.verify_token": "other"}, "vt") is None
    assert webhook.verify_handshake({**good, "hub.mode": "unsubscribe"}, "vt") is None
    assert webhook.verify_handshake({"hub.mode": "subscribe", "hub.verify_token": "vt"}, "vt") is None
    assert webhook.verify_handshake({**good, "hub.verify_token": ""}, "") is None
    assert webhook.verify_handshake({**good, "hub.verify_token": "vté"}, "vt") is None


def test_signature_accepted() -> None:
    body = b'{"object":"whatsapp_business_account"}'
    assert webhook.signature_ok(body, sign(body), SECRET)
    assert webhook.signature_ok(body, sign(body).upper().replace("SHA256=", "sha256="), SECRET)


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "sha256=",
        "sha256=zz",
        "sha1=" + "0" * 40,
        "garbage",
        "sha256=" + "é" * 64,
        "sha256=\u0661\u0662",
    ],
)
def test_signature_refused_for_a_bad_header(header: str | None) -> None:
    assert not webhook.signature_ok(b"{}", header, SECRET)


def test_signature_refused_for_a_wrong_secret_a_changed_body_or_no_secret() -> None:
    body = b'{"a":1}'
    assert not webhook.signature_ok(body, sign(body, "wrong"), SECRET)
    assert not webhook.signature_ok(b'{"a":2}', sign(body), SECRET)
    assert not webhook.signature_ok(body, sign(body, ""), "")
    assert not webhook.signature_ok("{}", sign(b"{}"), SECRET)  # type: ignore[arg-type]


# --- webhook: parse --------------------------------------------------------------------------------


def envelope(value: dict[str, Any], field_name: str = "messages") -> dict[str, Any]:
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550001234", "phone_number_id": PHONE_ID},
        **value,
    }
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"value": value, "field": field_name}]}],
    }


def inbound(message: dict[str, Any], name: str = "Ada") -> dict[str, Any]:
    base = {"from": WA_ID, "id": "wamid.HBgLMTU1NTEyMzQ1NjcVAgASGBQzQUI=", "timestamp": "1764238453"}
    return envelope(
        {"contacts": [{"profile": {"name": name}, "wa_id": WA_ID}], "messages": [{**base, **message}]}
    )


AT = datetime(2025, 11, 27, 10, 14, 13, tzinfo=UTC)


def test_parse_text() -> None:
    [text] = webhook.parse(inbound({"type": "text", "text": {"body": "is this link a scam?"}}))
    assert text == InboundText(
        WA_ID, "wamid.HBgLMTU1NTEyMzQ1NjcVAgASGBQzQUI=", AT, "is this link a scam?", "Ada"
    )


def test_parse_button_reply_list_reply_and_template_quick_reply() -> None:
    context = {"from": "15550001234", "id": "wamid.OUT"}
    button = {"type": "button_reply", "button_reply": {"id": "faq:1", "title": "Yes"}}
    row = {"type": "list_reply", "list_reply": {"id": "faq:2", "title": "Row", "description": "d"}}
    quick = {"payload": "stop:tips", "text": "Stop"}
    parsed = [
        webhook.parse(inbound({"context": context, "type": "interactive", "interactive": button})),
        webhook.parse(inbound({"context": context, "type": "interactive", "interactive": row})),
        webhook.parse(inbound({"context": context, "type": "button", "button": quick})),
    ]
    assert [
        [(p.wa_id, p.payload, p.timestamp) for p in result if isinstance(p, InboundPress)]
        for result in parsed
    ] == [
        [(WA_ID, "faq:1", AT)],
        [(WA_ID, "faq:2", AT)],
        [(WA_ID, "stop:tips", AT)],
    ]


def test_parse_statuses() -> None:
    failed_error = {
        "code": 131047,
        "title": "Re-engagement message",
        "message": "Re-engagement message",
        "error_data": {"details": "Message failed to send because more than 24 hours have passed"},
    }
    statuses = [
        {"id": "wamid.1", "status": "sent", "timestamp": "1764238453", "recipient_id": WA_ID},
        {"id": "wamid.1", "status": "delivered", "timestamp": "1764238453", "recipient_id": WA_ID},
        {"id": "wamid.1", "status": "read", "timestamp": "1764238453", "recipient_id": WA_ID},
        {
            "id": "wamid.2",
            "status": "failed",
            "timestamp": "1764238453",
            "recipient_id": WA_ID,
            "errors": [failed_error],
        },
        {"id": "wamid.3", "status": "played", "timestamp": "1764238453", "recipient_id": WA_ID},
    ]
    parsed = webhook.parse(envelope({"statuses": statuses}))
    assert parsed == [
        StatusUpdate("wamid.1", "sent", WA_ID, AT),
        StatusUpdate("wamid.1", "delivered", WA_ID, AT),
        StatusUpdate("wamid.1", "read", WA_ID, AT),
        StatusUpdate("wamid.2", "failed", WA_ID, AT, 131047, "Re-engagement message"),
    ]


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ({"type": "image", "image": {"id": "1", "mime_type": "image/jpeg"}}, "image"),
        ({"type": "audio", "audio": {"id": "2", "voice": True}}, "audio"),
        ({"type": "location", "location": {"latitude": 1.0, "longitude": 2.0}}, "location"),
        ({"type": "unsupported", "errors": [{"code": 131051}]}, "unsupported"),
        (
            {"type": "interactive", "interactive": {"type": "nfm_reply", "nfm_reply": {}}},
            "interactive.nfm_reply",
        ),
        ({"type": "button", "button": {"text": "no payload"}}, "button"),
        ({"type": "text", "text": {"body": "hi all"}, "group_id": "g1"}, "group"),
        ({}, "unknown"),
    ],
)
def test_parse_unsupported(message: dict[str, Any], kind: str) -> None:
    [parsed] = webhook.parse(inbound(message))
    assert parsed == InboundUnsupported(WA_ID, "wamid.HBgLMTU1NTEyMzQ1NjcVAgASGBQzQUI=", kind)


def test_parse_skips_what_it_cannot_read() -> None:
    messages = [
        {"id": "wamid.no-sender", "type": "text", "text": {"body": "x"}},
        {"from": WA_ID, "type": "text", "text": {"body": "no id"}},
        {"from": WA_ID, "id": "wamid.no-body", "type": "text", "text": {}},
        {"from": WA_ID, "id": "wamid.ok", "type": "text", "text": {"body": "ok"}, "timestamp": "soon"},
        "not an object",
    ]
    two_contacts = [{"wa_id": "1"}, {"wa_id": "2"}]
    parsed = webhook.parse(envelope({"contacts": two_contacts, "messages": messages}))
    assert parsed == [InboundText(WA_ID, "wamid.ok", None, "ok", "")]
    assert webhook.parse(envelope({"messages": messages[:1]}, "account_update")) == []
    assert webhook.parse({"object": "page", "entry": inbound({"type": "text"})["entry"]}) == []
    assert webhook.parse({}) == []


def test_parse_takes_the_sender_from_the_only_contact_when_from_is_missing() -> None:
    payload = inbound({"type": "text", "text": {"body": "hi"}})
    del payload["entry"][0]["changes"][0]["value"]["messages"][0]["from"]
    [text] = webhook.parse(payload)
    assert isinstance(text, InboundText) and (text.wa_id, text.profile_name) == (WA_ID, "Ada")


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
_KEYS = st.sampled_from(
    [
        "object",
        "entry",
        "changes",
        "value",
        "field",
        "messages",
        "statuses",
        "contacts",
        "from",
        "id",
        "type",
        "text",
        "body",
        "interactive",
        "button_reply",
        "list_reply",
        "button",
        "payload",
        "errors",
        "code",
        "status",
        "timestamp",
        "recipient_id",
        "profile",
        "name",
        "wa_id",
        "group_id",
    ]
)
_PAYLOADISH = st.recursive(
    st.none() | st.integers() | st.sampled_from(["text", "interactive", "button", "failed", "x", ""]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_KEYS, inner, max_size=5),
    max_leaves=30,
)


@given(st.one_of(_JSON, _PAYLOADISH))
def test_parse_never_raises(payload: Any) -> None:
    result = webhook.parse(payload)
    assert isinstance(result, list)


# --- errors ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "outcome", "wait"),
    [
        (130429, Outcome.RETRY, 1.0),
        (131056, Outcome.PACE, 6.0),
        (131047, Outcome.NEEDS_TEMPLATE, None),
        (131026, Outcome.GONE, None),
        (131051, Outcome.FAILED, None),
        (131030, Outcome.GONE, None),
        (131021, Outcome.GONE, None),
        (131045, Outcome.FAILED, None),
        (131048, Outcome.FAILED, None),
        (100, Outcome.FAILED, None),
        (2, Outcome.RETRY, 10.0),
        (131000, Outcome.RETRY, 10.0),
        (131016, Outcome.RETRY, 10.0),
        (4, Outcome.RETRY, 60.0),
        (80007, Outcome.RETRY, 60.0),
        (190, Outcome.FAILED, None),
    ],
)
def test_classify_listed_codes(code: int, outcome: Outcome, wait: float | None) -> None:
    assert classify(400, error_body(code)) == Classified(outcome, code, wait)
    assert classify_code(code) == Classified(outcome, code, wait)


@pytest.mark.parametrize("code", range(132000, 132017))
def test_template_errors_fail(code: int) -> None:
    assert classify(400, error_body(code)).outcome is Outcome.FAILED


def test_classify_without_a_known_code() -> None:
    assert classify(errors.NO_RESPONSE, None) == Classified(Outcome.RETRY, None, 5.0)
    assert classify(502, None).outcome is Outcome.RETRY
    assert classify(503, {"error": {"code": 999999}}) == Classified(Outcome.RETRY, 999999, 5.0)
    assert classify(429, {}).outcome is Outcome.RETRY
    assert classify(400, {"error": {"code": 999999}}) == Classified(Outcome.FAILED, 999999)
    assert classify(400, None) == Classified(Outcome.FAILED, None)
    assert classify(400, {"error": "text"}) == Classified(Outcome.FAILED, None)
    assert classify_code(None) == Classified(Outcome.FAILED, None)


def test_classify_reads_string_codes_and_bare_error_objects() -> None:
    assert classify(400, {"error": {"code": "131056"}}).outcome is Outcome.PACE
    assert classify(400, {"code": 131047, "title": "Re-engagement message"}).outcome is Outcome.NEEDS_TEMPLATE
    assert classify(400, {"error": {"code": True}}).code is None


def test_an_expired_token_is_logged_as_configuration(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="adapters.whatsapp.errors"):
        assert classify(401, error_body(190)).outcome is Outcome.FAILED
    assert "configuration" in caplog.text and "190" in caplog.text


# --- the Graph API stand-in ------------------------------------------------------------------------


@pytest.fixture
async def api() -> AsyncIterator[FakeGraphApi]:
    async with FakeGraphApi(app_secret=SECRET, phone_number_id=PHONE_ID, access_token=TOKEN) as server:
        yield server


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {TOKEN}"}) as session:
        yield session


async def post(http: aiohttp.ClientSession, url: str, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    async with http.post(url, json=payload) as response:
        return response.status, await response.json()


async def test_the_stand_in_accepts_sends_and_records_them(
    api: FakeGraphApi, http: aiohttp.ClientSession
) -> None:
    message = render.text_message(WA_ID, "Hello")
    status, body = await post(http, api.messages_url(), message)
    assert status == 200
    assert body["messaging_product"] == "whatsapp"
    assert body["contacts"] == [{"input": WA_ID, "wa_id": WA_ID}]
    assert re.fullmatch(r"wamid\.[A-Za-z0-9]+", body["messages"][0]["id"])
    assert api.calls[0].token == TOKEN
    assert api.calls[0].version == "v21.0"
    assert await api.wait_for_sent(WA_ID) == [message]
    assert api.sent_to(OTHER) == []


async def test_the_stand_in_accepts_every_rendered_payload(
    api: FakeGraphApi, http: aiohttp.ClientSession
) -> None:
    long_text = "\n\n".join("Paragraph " + "word " * 150 for _ in range(8))
    labels = [
        "How do I report a fake profile?",
        "Someone is blackmailing me online",
        *[f"Topic {i}" for i in range(10)],
    ]
    reply = Reply(long_text, rows([Choice(label, f"t:{i}") for i, label in enumerate(labels)]))
    payloads = [
        *render.messages(reply, WA_ID, list_button="All the options we have", short_body="Or choose:"),
        *build(3, label="A button label that is long"),
        render.template_message(WA_ID, "daily_tip", "en", ["x"]),
    ]
    for payload in payloads:
        status, body = await post(http, api.messages_url(), payload)
        assert status == 200, body
    assert len(api.sent_to(WA_ID)) == len(payloads)


async def test_the_stand_in_refuses_what_meta_refuses(api: FakeGraphApi, http: aiohttp.ClientSession) -> None:
    too_long = render.buttons_message(WA_ID, "body", choices(1))
    too_long["interactive"]["action"]["buttons"][0]["reply"]["title"] = "x" * 21
    status, body = await post(http, api.messages_url(), too_long)
    assert (status, body["error"]["code"]) == (400, 131009)
    assert "Max length: 20" in body["error"]["error_data"]["details"]

    status, body = await post(
        http, api.messages_url().replace(PHONE_ID, "999"), render.text_message(WA_ID, "x")
    )
    assert (status, body["error"]["code"], body["error"]["error_subcode"]) == (400, 100, 33)

    async with aiohttp.ClientSession(headers={"Authorization": "Bearer stale"}) as stale:
        status, body = await post(stale, api.messages_url(), render.text_message(WA_ID, "x"))
    assert (status, body["error"]["code"]) == (401, 190)
    assert api.sent == []


async def test_fail_next(api: FakeGraphApi, http: aiohttp.ClientSession) -> None:
    api.fail_next(131056, count=2)
    results = [await post(http, api.messages_url(), render.text_message(WA_ID, "x")) for _ in range(3)]
    assert [status for status, _ in results] == [400, 400, 200]
    error = results[0][1]["error"]
    assert set(error) == {"message", "type", "code", "error_data", "fbtrace_id"}
    assert error["message"] == "(#131056) (Business Account, Consumer Account) pair rate limit hit"
    assert error["type"] == "OAuthException"
    assert classify(400, results[0][1]) == Classified(Outcome.PACE, 131056, 6.0)
    assert [call.error_code for call in api.calls] == [131056, 131056, None]

    api.fail_next(131016, http_status=503)
    status, body = await post(http, api.messages_url(), render.text_message(WA_ID, "x"))
    assert status == 503 and classify(status, body).outcome is Outcome.RETRY


async def test_fail_for_one_recipient(api: FakeGraphApi, http: aiohttp.ClientSession) -> None:
    api.fail_for(OTHER, 131026)
    for _ in range(2):
        status, body = await post(http, api.messages_url(), render.text_message(OTHER, "x"))
        assert status == 400 and classify(status, body).outcome is Outcome.GONE
    status, _ = await post(http, api.messages_url(), render.text_message(WA_ID, "x"))
    assert status == 200
    api.fail_for(WA_ID, 131030)
    status, body = await post(http, api.messages_url(), render.text_message(WA_ID, "x"))
    assert body["error"]["error_subcode"] == 2655007
    api.clear_failures()
    status, _ = await post(http, api.messages_url(), render.text_message(OTHER, "x"))
    assert status == 200


# --- the stand-in posting webhooks to a bot --------------------------------------------------------


@dataclass
class Bot:
    """A minimal webhook endpoint built from the webhook module, as the adapter will be."""

    url: str = ""
    received: list[webhook.Inbound] = field(default_factory=list)


@pytest.fixture
async def bot() -> AsyncIterator[Bot]:
    state = Bot()

    async def get(request: web.Request) -> web.Response:
        challenge = webhook.verify_handshake(request.query, "verify-me")
        return web.Response(text=challenge) if challenge is not None else web.Response(status=403)

    async def post_(request: web.Request) -> web.Response:
        body = await request.read()
        if not webhook.signature_ok(body, request.headers.get(webhook.SIGNATURE_HEADER), SECRET):
            return web.Response(status=401)
        state.received.extend(webhook.parse(json.loads(body)))
        return web.Response(status=200)

    app = web.Application()
    app.router.add_get("/whatsapp", get)
    app.router.add_post("/whatsapp", post_)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    state.url = f"http://127.0.0.1:{runner.addresses[0][1]}/whatsapp"
    yield state
    await runner.cleanup()


async def test_webhooks_reach_the_bot_signed(
    api: FakeGraphApi, http: aiohttp.ClientSession, bot: Bot
) -> None:
    _, sent = await post(http, api.messages_url(), render.buttons_message(WA_ID, "Pick", choices(2)))
    sent_id = sent["messages"][0]["id"]

    assert await api.send_text(bot.url, WA_ID, "¿es una estafa? *sí*", name="Zoë") == 200
    assert await api.press(bot.url, WA_ID, "pay:1") == 200
    assert await api.press(bot.url, WA_ID, "pay:7", kind="list") == 200
    assert await api.press(bot.url, WA_ID, "stop:tips", kind="template") == 200
    assert await api.status(bot.url, sent_id, "delivered", WA_ID) == 200
    assert await api.status(bot.url, sent_id, "failed", WA_ID, error_code=131047) == 200

    text, *presses, delivered, failed = bot.received
    assert isinstance(text, InboundText)
    assert (text.wa_id, text.text, text.profile_name) == (WA_ID, "¿es una estafa? *sí*", "Zoë")
    assert text.message_id.startswith("wamid.") and text.timestamp is not None
    assert [(p.wa_id, p.payload) for p in presses if isinstance(p, InboundPress)] == [
        (WA_ID, "pay:1"),
        (WA_ID, "pay:7"),
        (WA_ID, "stop:tips"),
    ]
    assert delivered == StatusUpdate(sent_id, "delivered", WA_ID, delivered.timestamp)
    assert isinstance(failed, StatusUpdate) and (failed.error_code, failed.error_title) == (
        131047,
        "Re-engagement message",
    )
    assert classify_code(failed.error_code).outcome is Outcome.NEEDS_TEMPLATE


async def test_unsigned_or_wrongly_signed_webhooks_are_refused(api: FakeGraphApi, bot: Bot) -> None:
    assert await api.send_text(bot.url, WA_ID, "hi", signed=False) == 401
    assert await api.send_text(bot.url, WA_ID, "hi", secret="not-the-app-secret") == 401
    assert await api.press(bot.url, WA_ID, "pay:1", signed=False) == 401
    assert await api.status(bot.url, "wamid.x", "read", WA_ID, secret="nope") == 401
    assert bot.received == []


async def test_the_handshake(api: FakeGraphApi, bot: Bot) -> None:
    assert await api.verify(bot.url, "verify-me", "1158201444") == (200, "1158201444")
    status, _ = await api.verify(bot.url, "guess", "1158201444")
    assert status == 403
