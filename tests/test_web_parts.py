"""The dashboard's building blocks: SVG charts, sign-in tokens and sessions, CSRF, templates and strings."""

from __future__ import annotations

import itertools
import math
import re
import secrets
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.testclient import TestClient

from bot.web import charts, svg
from bot.web.render import STATIC_DIR, TEMPLATES_DIR, Renderer
from bot.web.strings import STRINGS_FILE, MissingString, load_strings
from bot.web.tokens import (
    ORGANIZER,
    VIEWER,
    Session,
    SessionCodec,
    SignInTokens,
    TokenExpired,
    TokenInvalid,
    can_change,
    csrf_matches,
    new_csrf,
    person_label,
)

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '<script>alert("x")</script> & "quotes" \x00\x1b'
NOW = datetime(2027, 2, 9, 9, 0, tzinfo=UTC)
SECRET = b"0123456789abcdef0123456789abcdef"
DAYS = [date(2027, 2, 1) + timedelta(days=i) for i in range(7)]


def parse_svg(markup: str) -> ET.Element:
    root = ET.fromstring(markup)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    labelled = root.get("aria-labelledby", "").split()
    ids = {element.get("id") for element in root.iter() if element.get("id")}
    assert labelled and set(labelled) <= ids
    assert root.find(f"{SVG}title") is not None and root.find(f"{SVG}desc") is not None
    return root


def all_text(root: ET.Element) -> str:
    return " ".join(text for element in root.iter() for text in (element.text, element.tail) if text)


# Charts


def test_line_chart_is_well_formed_accessible_svg() -> None:
    series = {
        "telegram · en": [(day, 10 + 3 * i) for i, day in enumerate(DAYS)],
        "discord · es": [(day, 2 * i) for i, day in enumerate(DAYS)],
    }
    markup = charts.line_chart(series, title="Active subscribers")
    root = parse_svg(markup)
    assert root.find(f"{SVG}title").text == "Active subscribers"
    paths = [element for element in root.iter(f"{SVG}path") if "line" in element.get("class", "")]
    assert len(paths) == 2
    assert paths[0].get("stroke-dasharray") is None and paths[1].get("stroke-dasharray")
    text = all_text(root)
    assert "telegram · en" in text and "discord · es" in text
    assert "02-01" in text  # default date labels


def test_line_chart_has_three_to_five_y_ticks_and_uses_current_color() -> None:
    markup = charts.line_chart({"a": [(DAYS[0], 0), (DAYS[1], 1234)]}, title="t")
    root = parse_svg(markup)
    grid = [element for element in root.iter(f"{SVG}line") if element.get("class") == "grid"]
    assert 3 <= len(grid) <= 5
    assert "currentColor" in markup and "series-0" in markup
    assert not re.search(r"#[0-9a-fA-F]{3,6}\b", markup), "colours come from CSS classes, not fixed values"
    assert "style=" not in markup


def test_charts_escape_hostile_labels() -> None:
    line = charts.line_chart({HOSTILE: [(DAYS[0], 1.5)]}, title=HOSTILE, desc=HOSTILE)
    bar = charts.bar_chart(DAYS[:2], {HOSTILE: [1, 2]}, title=HOSTILE)
    progress = charts.progress_bar(1, 2, label=HOSTILE)
    for markup in (line, bar, progress):
        root = parse_svg(markup)
        assert "<script" not in markup
        assert not list(root.iter(f"{SVG}script")) and not list(root.iter("script"))
        assert '<script>alert("x")</script> & "quotes"' in all_text(root)


def test_bar_chart_stacks_values_per_day() -> None:
    stacks = {"sent": [5, 0, 3], "failed": [1, 2, 0]}
    root = parse_svg(charts.bar_chart(DAYS[:3], stacks, title="Deliveries"))
    bars = [element for element in root.iter(f"{SVG}rect") if "bar" in element.get("class", "").split()]
    assert len(bars) == 4  # zero values draw nothing
    first_day = [bar for bar in bars if "02-01" in bar.find(f"{SVG}title").text]
    sent, failed = sorted(first_day, key=lambda bar: -float(bar.get("y")))
    assert float(failed.get("y")) + float(failed.get("height")) == pytest.approx(float(sent.get("y")))
    assert "sent · 02-01: 5" in all_text(root)


def test_bar_chart_refuses_misaligned_stacks() -> None:
    with pytest.raises(ValueError, match="values for 3 days"):
        charts.bar_chart(DAYS[:3], {"sent": [1, 2]}, title="x")


def test_empty_charts_are_still_valid() -> None:
    parse_svg(charts.line_chart({}, title="Nothing", empty_text="No data yet"))
    parse_svg(charts.line_chart({"a": []}, title="Nothing"))
    parse_svg(charts.bar_chart([], {}, title="Nothing", empty_text="No data yet"))
    parse_svg(charts.line_chart({"a": [(DAYS[0], float("nan")), (DAYS[1], 3)]}, title="gap"))


def test_long_legends_grow_the_chart() -> None:
    many = {f"series number {i}": [(DAYS[0], i)] for i in range(12)}
    root = parse_svg(charts.line_chart(many, title="Many", height=120))
    assert float(root.get("height")) > 120


def test_progress_bar_at_zero_of_zero() -> None:
    root = parse_svg(charts.progress_bar(0, 0, label="Nothing yet"))
    assert root.find(f"{SVG}desc").text == "0 / 0"
    assert not [element for element in root.iter(f"{SVG}rect") if element.get("class") == "progress-fill"]


def test_progress_bar_reads_and_clamps() -> None:
    root = parse_svg(charts.progress_bar(1234, 5000, label="Drop"))
    assert root.find(f"{SVG}desc").text == "1,234 / 5,000 · 24%"
    over = parse_svg(charts.progress_bar(7, 5, label="Over", width=100))
    fill = next(element for element in over.iter(f"{SVG}rect") if element.get("class") == "progress-fill")
    assert float(fill.get("width")) == 100
    assert over.find(f"{SVG}desc").text == "7 / 5 · 100%"


@settings(max_examples=200, deadline=None)
@given(
    st.floats(min_value=-1e9, max_value=1e9, allow_nan=False),
    st.floats(min_value=0, max_value=1e9, allow_nan=False),
    st.booleans(),
)
@example(low=268435456.125, extra=0.375, integers=False)  # found by hypothesis: rounding far from 0
def test_axis_ticks_are_three_to_five_round_steps(low: float, extra: float, integers: bool) -> None:
    high = low + extra
    ticks = svg.axis_ticks(low, high, integers=integers)
    assert 3 <= len(ticks) <= 5
    step = ticks[1] - ticks[0]
    assert step > 0
    assert ticks[0] <= low + 1e-6 * step and ticks[-1] >= high - 1e-6 * step  # within a pixel's fraction
    assert all(abs((b - a) - step) <= 1e-9 * max(1.0, abs(b)) for a, b in itertools.pairwise(ticks))
    scale = 10 ** math.floor(math.log10(step))
    mantissa = step / scale
    # Far from 0 the ticks are rounded floats: their difference is off by a few units in the last place.
    slack = 1e-6 + 4 * math.ulp(max(abs(ticks[0]), abs(ticks[-1]))) / scale
    assert any(abs(mantissa - m) < slack for m in (1, 2, 2.5, 5, 10))
    if integers:
        assert all(float(tick).is_integer() for tick in ticks)


# Sign-in tokens


def test_sign_in_token_round_trip() -> None:
    tokens = SignInTokens(SECRET)
    token = tokens.issue("3f9a2c1b", ORGANIZER, now=NOW)
    assert re.fullmatch(r"[A-Za-z0-9_.\-]+", token)
    sign_in = tokens.read(token, now=NOW + timedelta(minutes=1))
    assert (sign_in.person, sign_in.role, sign_in.issued_at) == ("3f9a2c1b", ORGANIZER, NOW)
    assert len(sign_in.nonce) >= 16
    again = tokens.read(tokens.issue("3f9a2c1b", ORGANIZER, now=NOW), now=NOW)
    assert again.nonce != sign_in.nonce


def test_sign_in_token_expires_at_ten_minutes() -> None:
    tokens = SignInTokens(SECRET)
    token = tokens.issue("p", VIEWER, now=NOW)
    assert tokens.read(token, now=NOW + timedelta(minutes=9, seconds=59)).role == VIEWER
    with pytest.raises(TokenExpired):
        tokens.read(token, now=NOW + timedelta(minutes=10))
    with pytest.raises(TokenExpired):
        tokens.read(token, now=NOW + timedelta(days=3))
    with pytest.raises(TokenInvalid):
        tokens.read(token, now=NOW - timedelta(minutes=5))  # issued in the future


def test_tampered_or_foreign_tokens_are_invalid() -> None:
    tokens = SignInTokens(SECRET)
    token = tokens.issue("p", VIEWER, now=NOW)
    for index in range(len(token)):  # every position, the last base64 character included
        for swapped in {"A", "B", "g", "_"} - {token[index]}:
            with pytest.raises(TokenInvalid):
                tokens.read(token[:index] + swapped + token[index + 1 :], now=NOW)
    with pytest.raises(TokenInvalid):
        SignInTokens(b"another secret, also long enough").read(token, now=NOW)
    session_value = SessionCodec(SECRET).dump(Session("p", ORGANIZER, new_csrf(), NOW))
    with pytest.raises(TokenInvalid):
        tokens.read(session_value, now=NOW)


GARBAGE = ["", ".", "..", "abc", "a.b", "a.b.c", "é", "токен", "\x00", "x" * 5000, "%00", "🙂.🙂", "\ud800"]


@pytest.mark.parametrize("garbage", GARBAGE)
def test_garbage_tokens_are_invalid(garbage: str) -> None:
    with pytest.raises(TokenInvalid):
        SignInTokens(SECRET).read(garbage, now=NOW)


def test_non_ascii_inside_a_real_token_is_invalid() -> None:
    tokens = SignInTokens(SECRET)
    token = tokens.issue("p", ORGANIZER, now=NOW)
    with pytest.raises(TokenInvalid):
        tokens.read(token + "é", now=NOW)
    with pytest.raises(TokenInvalid):
        tokens.read(token.replace(".", "·", 1), now=NOW)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_is_refused_with_token_invalid_only(text: str) -> None:
    with pytest.raises(TokenInvalid):
        SignInTokens(SECRET).read(text, now=NOW)


def test_issue_checks_its_input() -> None:
    tokens = SignInTokens(SECRET)
    with pytest.raises(ValueError, match="role"):
        tokens.issue("p", "admin")
    with pytest.raises(ValueError, match="person"):
        tokens.issue("", ORGANIZER)
    with pytest.raises(ValueError, match="aware"):
        tokens.read(tokens.issue("p", ORGANIZER), now=datetime(2027, 1, 1))
    with pytest.raises(ValueError, match="secret"):
        SignInTokens(b"short")


def test_roles() -> None:
    assert can_change(ORGANIZER) and not can_change(VIEWER) and not can_change(None)


def test_person_label_is_short_stable_and_anonymous() -> None:
    label = person_label("telegram:12345", SECRET)
    assert label == person_label("telegram:12345", SECRET)
    assert re.fullmatch(r"[0-9a-f]{8}", label) and "12345" not in label
    assert label != person_label("telegram:12346", SECRET)
    assert label != person_label("telegram:12345", b"another secret, also long enough")


# Sessions and CSRF


def test_session_round_trip() -> None:
    codec = SessionCodec(SECRET)
    session = Session("3f9a2c1b", ORGANIZER, new_csrf(), NOW)
    value = codec.dump(session)
    assert value.isascii() and ";" not in value and " " not in value
    assert codec.load(value, now=NOW + timedelta(hours=11, minutes=59)) == session


def test_sessions_that_are_not_genuine_or_too_old_are_refused() -> None:
    codec = SessionCodec(SECRET)
    value = codec.dump(Session("p", VIEWER, new_csrf(), NOW))
    assert codec.load(value, now=NOW + timedelta(hours=12)) is None
    assert codec.load(value, now=NOW + timedelta(hours=2), max_age=timedelta(hours=1)) is None
    assert codec.load(value, now=NOW - timedelta(hours=1)) is None
    assert SessionCodec(b"another secret, also long enough").load(value, now=NOW) is None
    assert codec.load(value[:-2] + ("AA" if value[-2:] != "AA" else "BB"), now=NOW) is None
    assert codec.load(SignInTokens(SECRET).issue("p", VIEWER, now=NOW), now=NOW) is None
    for garbage in [None, *GARBAGE]:
        assert codec.load(garbage, now=NOW) is None


def test_session_dump_checks_its_input() -> None:
    codec = SessionCodec(SECRET)
    with pytest.raises(ValueError):
        codec.dump(Session("p", "admin", new_csrf(), NOW))
    with pytest.raises(ValueError):
        codec.dump(Session("p", VIEWER, "", NOW))


def test_csrf() -> None:
    first, second = new_csrf(), new_csrf()
    assert first != second and len(first) >= 40
    session = Session("p", ORGANIZER, first, NOW)
    assert csrf_matches(session, first)
    for wrong in (second, first[:-1], first + "x", "", None, "é" + first, "\ud800"):
        assert not csrf_matches(session, wrong)
    assert not csrf_matches(None, first)


# Templates and strings


@pytest.fixture(scope="module")
def strings() -> dict[str, str]:
    return load_strings(STRINGS_FILE)


@pytest.fixture(scope="module")
def renderer(strings: dict[str, str]) -> Renderer:
    return Renderer(TEMPLATES_DIR, strings)


SCHEDULE_DAILY = {
    "at": None,
    "daily": {"time": "09:00", "from": "2027-02-06", "to": "2027-02-12"},
    "timezone": "subscriber",
}
SCHEDULE_ONCE = {"at": datetime(2027, 2, 9, 9, 0), "daily": None, "timezone": "Europe/Brussels"}


def campaign_rows(name: str) -> list[dict[str, Any]]:
    common = {"schedule": SCHEDULE_DAILY, "next_run_at": NOW, "done": 12, "total": 40}
    return [
        {"id": "c1a2b3c4", "name": name, "state": "running", **common},
        {"id": "c5d6e7f8", "name": "Exam stress week", "state": "paused", **common},
        {"id": "c9a0b1c2", "name": "Old drop", "state": "done", **common, "next_run_at": None},
        {"id": "c3d4e5f6", "name": "Planned", "state": "scheduled", **common, "schedule": SCHEDULE_ONCE},
        {"id": "c7e8f9a0", "name": "Stopped", "state": "cancelled", **common},
    ]


def sample_contexts(name: str = "Safer Internet Day week") -> dict[str, dict[str, Any]]:
    """A context for every template (as an organizer); see the comment atop each template."""
    long_text = "\n\n".join(f"**Part {i}.** " + "Think before you share. " * 30 for i in range(4))
    message_texts = {
        "en": f"**Happy Safer Internet Day!** {name} _think_ first: [guide](https://example.org/a)\n- one",
        "es": long_text,
        "ar": "فكّر قبل أن تشارك. اتصل بـ 988",
    }
    return {
        "signin.html": {"token": None, "problem": "expired"},
        "message.html": {"message": "not_found", "role": ORGANIZER, "person_label": "3f9a2c1b", "csrf": "t"},
        "overview.html": {
            "active": "overview",
            "period_days": 30,
            "generated_at": NOW,
            "totals": {
                "subscribers": 1234,
                "sent": 56789,
                "opt_outs": 3,
                "rounds": 410,
                "campaigns_active": 2,
            },
            "subscribers": {
                "telegram:en": [(day, 1000 + i) for i, day in enumerate(DAYS)],
                "discord:es": [(day, 2) for day in DAYS],
            },
            "subscriber_rows": [
                {"platform": "telegram", "language": "en", "count": 1006},
                {"platform": "discord", "language": "es", "count": 2},
            ],
            "delivery_days": DAYS,
            "deliveries": {"sent": [900] * 7, "retrying": [3] * 7, "blocked": [1] * 7, "failed": [0] * 7},
            "opt_out_days": DAYS,
            "opt_outs": {"telegram": [1, 0, 2, 0, 0, 7, 0], "discord": [0] * 7},
            "challenge_rows": [
                {
                    "language": "en",
                    "rounds": 300,
                    "players": 120,
                    "reliable_shown": 700,
                    "reliable_trusted": 560,
                    "manipulative_shown": 800,
                    "manipulative_caught": 600,
                },
                {
                    "language": "es",
                    "rounds": 4,
                    "players": 2,
                    "reliable_shown": 10,
                    "reliable_trusted": 9,
                    "manipulative_shown": 10,
                    "manipulative_caught": 3,
                },
            ],
        },
        "campaigns.html": {"active": "campaigns", "campaigns": campaign_rows(name)},
        "campaigns_rows.html": {"campaigns": campaign_rows(name)},
        "campaign_new.html": {
            "active": "campaigns",
            "values": {
                "name": name,
                "schedule_kind": "daily",
                "text": {"en": name},
                "platforms": ["telegram"],
            },
            "problems": [
                {"file": "form", "line": 1, "message": "name is too long", "field": "name"},
                {"file": "upload.yaml", "line": 7, "message": "unknown tip 'x'"},
            ],
            "errors": {"name": ["name is too long"], "daily_to": ["'to' is before 'from'"]},
            "platforms": ["telegram", "discord"],
            "languages": ["en", "es", "fr", "ar"],
            "categories": [{"id": "privacy", "label": "Privacy"}, {"id": "scams", "label": "Scams"}],
            "tips": [{"id": "sid-internet-not-private", "label": "The internet is not private"}],
            "timezones": ["Europe/Brussels", "America/Mexico_City"],
        },
        "campaign_preview.html": {
            "active": "campaigns",
            "campaign": {"name": name, "schedule": SCHEDULE_DAILY, "fallback_language": "en"},
            "messages": [{"number": 1, "texts": message_texts}, {"number": 2, "texts": {"en": "Tip two"}}],
            "audience": [
                {"platform": "telegram", "language": "en", "count": 900},
                {"platform": "discord", "language": "ar", "count": 2},
            ],
            "audience_total": 902,
            "plan": {
                "runs": [
                    {"number": i + 1, "local": datetime(2027, 2, 6 + i, 9, 0), "starts_at": NOW}
                    for i in range(12)
                ],
                "run_count": 12,
                "messages_total": 12 * 902,
                "run_duration": timedelta(seconds=95),
            },
            "draft": "signed-draft-value",
        },
        "campaign.html": {
            "active": "campaigns",
            "campaign": {
                "id": "c1a2b3c4",
                "name": name,
                "state": "running",
                "schedule": SCHEDULE_ONCE,
                "next_run_at": NOW,
                "created_at": NOW - timedelta(days=2),
            },
            "counts": {"queued": 20, "sent": 18, "failed": 1, "opted_out": 1},
            "done": 20,
            "total": 40,
        },
        "content.html": {
            "active": "content",
            "query": "phishing",
            "language": "en",
            "languages": ["en", "es"],
            "coverage": [{"language": "en", "topics": 47, "tips": 64, "challenges": 57}],
            "topics": [
                {"id": "spot-phishing", "category": "scams", "label": "Spotting phishing", "question": "?"}
            ],
            "tips": [{"id": "sid-1", "category": "scams", "text": "**Stop** and check the sender."}],
            "challenges": [
                {
                    "id": "ch-1",
                    "verdict": "manipulative",
                    "technique": "Emotional language",
                    "text": "OUTRAGE!",
                },
                {"id": "ch-2", "verdict": "reliable", "technique": None, "text": "A sourced report."},
            ],
            "check": {
                "problems": [{"file": Path("content/en/tips.yaml"), "line": 3, "message": "too long"}],
                "completeness": {"en": 100},
            },
        },
        "audit.html": {
            "active": "audit",
            "entries": [
                {
                    "at": NOW,
                    "role": ORGANIZER,
                    "person_label": "3f9a2c1b",
                    "action": "campaign_paused",
                    "subject": name,
                },
                {
                    "at": NOW,
                    "role": VIEWER,
                    "person_label": "0a1b2c3d",
                    "action": "signed_in",
                    "subject": None,
                },
            ],
            "older_url": "/dashboard/audit?page=2",
        },
    }


def as_person(context: dict[str, Any], role: str) -> dict[str, Any]:
    if "role" in context or context.get("token", "absent") is None:
        return context  # signed-out pages and pages that set their own role
    return {
        "role": role,
        "person_label": "3f9a2c1b",
        "csrf": "csrf-token",
        "can_change": can_change(role),
        **context,
    }


class Tags(HTMLParser):
    """Collects every start tag with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags(page: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Tags()
    parser.feed(page)
    return parser.tags


def test_every_template_has_a_sample_context() -> None:
    assert {path.name for path in TEMPLATES_DIR.glob("*.html")} - {"base.html"} == set(sample_contexts())


def test_every_template_documents_its_variables() -> None:
    for path in TEMPLATES_DIR.glob("*.html"):
        head = path.read_text(encoding="utf-8").lstrip()
        assert head.startswith("{#"), path.name
        assert "Variables" in head.split("#}", 1)[0], path.name


@pytest.mark.parametrize("role", [ORGANIZER, VIEWER])
@pytest.mark.parametrize("name", sorted(sample_contexts()))
def test_every_template_renders(renderer: Renderer, name: str, role: str) -> None:
    page = renderer.render(name, **as_person(sample_contexts()[name], role))
    assert "{" + "{" not in page and "{%" not in page
    found = tags(page)
    for tag, attrs in found:
        assert "style" not in attrs, f"inline style in {name}: CSP forbids it"
        assert not any(key.startswith("on") for key in attrs), f"inline handler in {name}"
        if tag == "script":
            assert attrs.get("src") == "/static/htmx.min.js"
        if tag in ("script", "link", "img", "iframe"):
            url = attrs.get("src") or attrs.get("href") or ""
            assert url.startswith("/"), f"{name} loads {url} from elsewhere"
    if name != "campaigns_rows.html":
        assert ("link", {"rel": "stylesheet", "href": "/static/style.css"}) in found
        assert any(tag == "main" for tag, _ in found)


def change_forms(page: str) -> list[str]:
    """The actions of POST forms other than sign-out and sign-in."""
    return [
        attrs.get("action") or ""
        for tag, attrs in tags(page)
        if tag == "form"
        and (attrs.get("method") or "").lower() == "post"
        and not (attrs.get("action") or "").endswith(("/signout", "/signin"))
    ]


@pytest.mark.parametrize(
    ("name", "organizer_forms"),
    [
        ("campaigns.html", {"/pause", "/resume", "/cancel"}),
        ("campaigns_rows.html", {"/pause", "/resume", "/cancel"}),
        ("campaign.html", {"/pause", "/cancel"}),
        ("campaign_new.html", {"/campaigns/preview"}),
        ("campaign_preview.html", {"/campaigns"}),
    ],
)
def test_organizer_controls_are_absent_for_viewers(
    renderer: Renderer, name: str, organizer_forms: set[str]
) -> None:
    context = sample_contexts()[name]
    organizer = renderer.render(name, **as_person(context, ORGANIZER))
    viewer = renderer.render(name, **as_person(context, VIEWER))
    actions = change_forms(organizer)
    assert all(any(action.endswith(end) for action in actions) for end in organizer_forms)
    assert change_forms(viewer) == []
    assert "/campaigns/new" not in viewer or name == "campaign_preview.html"
    assert 'name="csrf" value="csrf-token"' in organizer
    if name in ("campaigns.html", "campaigns_rows.html"):
        assert '<th scope="col">Actions</th>' in organizer or name == "campaigns_rows.html"
        assert "Actions" not in viewer and 'class="actions"' not in viewer


def test_viewers_are_told_they_can_look_but_not_plan(renderer: Renderer, strings: dict[str, str]) -> None:
    page = renderer.render("campaign_new.html", **as_person(sample_contexts()["campaign_new.html"], VIEWER))
    assert strings["dashboard.new.view_only"].replace("'", "&#39;") in page


def test_signed_out_pages_show_no_navigation(renderer: Renderer) -> None:
    page = renderer.render("signin.html")
    assert "<nav" not in page and "/signout" not in page
    assert "/dashboard" in page and "expired" not in page
    confirm = renderer.render("signin.html", token="abc.def")
    assert ("input", {"type": "hidden", "name": "token", "value": "abc.def"}) in tags(confirm)
    gone = renderer.render("message.html", message="signed_out")
    assert "<nav" not in gone and 'href="/dashboard/signin"' in gone


def test_hostile_campaign_names_are_escaped_everywhere(renderer: Renderer) -> None:
    for name, context in sample_contexts(name=HOSTILE).items():
        page = renderer.render(name, **as_person(context, ORGANIZER))
        assert "<script>" not in page, name
        for tag, attrs in tags(page):
            assert tag != "script" or attrs == {"src": "/static/htmx.min.js", "defer": None}, name
            assert all(re.fullmatch(r"[a-z][a-z0-9-]*", key) for key in attrs), (name, tag, attrs)
        if name in (
            "campaigns.html",
            "campaign.html",
            "campaign_preview.html",
            "audit.html",
            "campaign_new.html",
        ):
            assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page, name


def test_polling_parts(renderer: Renderer) -> None:
    rows = renderer.render(
        "campaigns_rows.html", **as_person(sample_contexts()["campaigns_rows.html"], VIEWER)
    )
    tbody = next(attrs for tag, attrs in tags(rows) if tag == "tbody")
    assert tbody["hx-get"] == "/dashboard/campaigns/rows"
    assert (tbody["hx-trigger"], tbody["hx-swap"]) == ("every 5s", "outerHTML")
    assert rows.lstrip().startswith("<tbody")
    live = renderer.render("campaign.html", **as_person(sample_contexts()["campaign.html"], VIEWER))
    section = next(attrs for tag, attrs in tags(live) if attrs.get("id") == "campaign-progress")
    assert section["hx-trigger"] == "every 5s" and section["hx-select"] == "#campaign-progress"
    context = sample_contexts()["campaign.html"]
    context["campaign"] = {**context["campaign"], "state": "done"}
    finished = renderer.render("campaign.html", **as_person(context, ORGANIZER))
    assert "hx-trigger" not in finished and change_forms(finished) == []


def test_people_counts_below_five_are_hidden(renderer: Renderer) -> None:
    page = renderer.render("overview.html", **as_person(sample_contexts()["overview.html"], VIEWER))
    cells = re.findall(r'<td class="num">([^<]*)</td>', page)
    assert cells[:2] == ["1,006", "&lt; 5"]  # subscribers: telegram · en, discord · es (2)
    opt_outs = [cell for cell in cells if cell in ("7", "0", "1", "2", "&lt; 5")]
    assert "7" in opt_outs and "2" not in opt_outs  # opt-outs of 1, 2 and 0 people read "< 5"
    spanish = page.split('<th scope="row">Español</th>', 1)[1].split("</tr>", 1)[0]
    assert "&lt; 5" in spanish and renderer.strings["dashboard.overview.too_few_players"] in spanish
    assert "%" not in spanish  # no rates for fewer than 5 players
    preview = renderer.render(
        "campaign_preview.html", **as_person(sample_contexts()["campaign_preview.html"], VIEWER)
    )
    assert re.findall(r'<td class="num">([^<]*)</td>', preview) == ["900", "&lt; 5", "902"]


def test_filters(renderer: Renderer) -> None:
    people = renderer.environment.filters["people"]
    assert [people(n) for n in (0, 1, 4, 5, 12345)] == ["< 5", "< 5", "< 5", "5", "12,345"]
    number = renderer.environment.filters["number"]
    assert (number(1234567), number(0.5), number(2.0), number(1234.5678, 1)) == (
        "1,234,567",
        "0.5",
        "2",
        "1,234.6",
    )
    assert renderer.environment.filters["percent"](1, 3) == "33%"
    assert renderer.environment.filters["percent"](0, 0) == "–"
    duration = renderer.environment.filters["duration"]
    assert [duration(timedelta(seconds=s)) for s in (30, 95, 7500, 198000)] == [
        "about 30 seconds",
        "about 2 min",
        "about 2 h 5 min",
        "about 2 days 7 h",
    ]
    schedule = renderer.environment.filters["schedule_text"]
    assert schedule(SCHEDULE_ONCE) == "Once, Feb 9, 2027, 09:00 (Europe/Brussels)"
    assert (
        schedule(SCHEDULE_DAILY) == "Every day at 09:00, Feb 6, 2027 to Feb 12, 2027 (each person's own time)"
    )
    assert renderer.environment.filters["moment"](NOW) == "Feb 9, 2027, 09:00 UTC"
    labels = renderer.environment.filters["audience_labels"]({"telegram:es": 1, "discord": 2, "x:zz": 3})
    assert list(labels) == ["Telegram · Español", "Discord", "x · zz"]


def test_previews_split_and_escape_like_the_platforms(renderer: Renderer) -> None:
    text = "\n\n".join(["x" * 1500] * 3)
    assert len(renderer.preview_parts(text, "telegram")) == 2
    assert len(renderer.preview_parts(text, "discord")) == 3
    [part] = renderer.preview_parts(f"**{HOSTILE}** [a](https://example.org/?q=1&b=2)", "telegram")
    assert "<script" not in part and "<strong>&lt;script&gt;" in part
    assert '<a href="https://example.org/?q=1&amp;b=2" rel="noopener noreferrer nofollow"' in part


def test_a_missing_string_key_raises(renderer: Renderer, strings: dict[str, str]) -> None:
    with pytest.raises(MissingString):
        renderer.t("dashboard.no.such.key")
    with pytest.raises(KeyError, match="needs the parameter"):
        renderer.t("dashboard.account.label")
    lenient = Renderer(TEMPLATES_DIR, strings, strict=False)
    assert lenient.t("dashboard.no.such.key") == "dashboard.no.such.key"
    assert lenient.t("dashboard.account.label") == "Signed in as {label}"


def test_string_keys_used_by_templates_exist_and_none_is_unused(strings: dict[str, str]) -> None:
    sources = [path.read_text(encoding="utf-8") for path in TEMPLATES_DIR.glob("*.html")]
    sources += [path.read_text(encoding="utf-8") for path in sorted(TEMPLATES_DIR.parent.glob("*.py"))]
    calls = r"""(?:\bt|_name)\(\s*f?["'](dashboard\.[a-z0-9_.]+)["']"""
    literal = {key for source in sources for key in re.findall(calls, source)}
    prefixes = {
        p for source in sources for p in re.findall(r"""["'](dashboard\.[a-z0-9_.]*[._])["']\s*~""", source)
    }
    formatted = r"""\bt\(f["'](dashboard\.[a-z0-9_.]*\.)\{"""
    prefixes |= {p for source in sources for p in re.findall(formatted, source)}
    prefixes |= {"dashboard.month.", "dashboard.language.", "dashboard.platform.", "dashboard.outcome."}
    missing = {key for key in literal if key not in strings and not key.endswith((".", "_"))}
    assert not missing
    unused = {key for key in strings if key not in literal and not key.startswith(tuple(prefixes))}
    assert not unused
    assert all(key.startswith("dashboard.") for key in strings)


def test_strings_are_flat_plain_text(strings: dict[str, str], tmp_path: Path) -> None:
    for key, text in strings.items():
        assert text.strip() == text and not re.search(r"<[a-zA-Z/!]|&[a-z]+;", text), key
    nested = tmp_path / "nested.yaml"
    nested.write_text("dashboard:\n  title: x\n", encoding="utf-8")
    with pytest.raises(ValueError, match="string key to a string text"):
        load_strings(nested)


def test_static_files_are_local_and_accessible() -> None:
    htmx = (STATIC_DIR / "htmx.min.js").read_text(encoding="utf-8")
    header = htmx.split("*/", 1)[0]
    assert "htmx 2.0.11" in header and "Zero-Clause BSD" in header and "Permission to use" in header
    assert 'version:"2.0.11"' in htmx
    css = (STATIC_DIR / "style.css").read_text(encoding="utf-8")
    assert "prefers-color-scheme: dark" in css and ":focus-visible" in css
    assert "@import" not in css and "url(" not in css and "@font-face" not in css
    assert not re.search(
        r"(margin|padding|border)-(left|right)\b|\b(left|right)\s*:|text-align:\s*(left|right)", css
    )
    for index in range(svg.SERIES_CLASSES):
        assert f".chart .series-{index}" in css


def test_the_parts_serve_through_starlette(renderer: Renderer) -> None:
    async def overview(request: Request) -> HTMLResponse:
        context = as_person(sample_contexts()["overview.html"], VIEWER)
        return HTMLResponse(renderer.render("overview.html", **context))

    app = Starlette(
        routes=[
            Route("/dashboard/", overview),
            Mount("/static", app=StaticFiles(directory=STATIC_DIR), name="static"),
        ]
    )
    with TestClient(app) as client:
        page = client.get("/dashboard/")
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        for _, attrs in tags(page.text):
            url = attrs.get("src") or (attrs.get("href") if attrs.get("rel") == "stylesheet" else None)
            if url:
                assert client.get(url).status_code == 200, url
        assert (
            client.get("/static/htmx.min.js")
            .headers["content-type"]
            .startswith(("text/javascript", "application/javascript"))
        )


def test_a_random_secret_works_end_to_end() -> None:
    secret = secrets.token_bytes(32)
    tokens, codec = SignInTokens(secret), SessionCodec(secret)
    sign_in = tokens.read(tokens.issue(person_label("discord:42", secret), ORGANIZER), now=datetime.now(UTC))
    value = codec.dump(Session(sign_in.person, sign_in.role, new_csrf(), datetime.now(UTC)))
    session = codec.load(value, now=datetime.now(UTC))
    assert session is not None and session.person == sign_in.person and can_change(session.role)
