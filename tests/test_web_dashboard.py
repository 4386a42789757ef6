"""The dashboard's routes in-process (httpx over ASGI, one event loop with the core): sign-in by a link
from /dashboard, sessions, CSRF, roles, the campaign form and file upload, scheduling and changing a
campaign, the overview's figures and CSV files, content and the audit log."""

from __future__ import annotations

import argparse
import asyncio
import base64
import re
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote

import httpx
import pytest
from sqlalchemy import select, update

from bot.app.dashboard_server import build_dashboard
from bot.app.runner import run_platforms
from bot.app.settings import load_settings
from bot.app.wiring import Core
from bot.cli import campaign as campaign_cli
from bot.content.library import ContentLibrary
from bot.storage.dashboard_stats import REFRESHED_KEY, LiveFigures
from bot.storage.tables import app_state, deliveries
from bot.web.context import DashboardContext
from tests.auxil.core import FakeClock, group_member, make_core, private_person, text_of

ORGANIZER_ID, VIEWER_ID = "1001", "2002"
LINK = re.compile(r"(https?://\S+/dashboard/signin\?token=\S+)")
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
DRAFT = re.compile(r'name="draft" value="([^"]+)"')


@dataclass
class Dash:
    core: Core
    client: httpx.AsyncClient
    context: DashboardContext
    clock: FakeClock

    async def link(self, user_id: str = ORGANIZER_ID) -> str:
        replies = await private_person(self.core, self.clock, user_id).command("dashboard")
        found = LINK.search(text_of(replies).replace("\\", ""))
        assert found, text_of(replies)
        return found.group(1)

    async def sign_in(self, user_id: str = ORGANIZER_ID) -> str:
        """Sign in with a fresh link; the session's CSRF token."""
        token = (await self.link(user_id)).split("token=", 1)[1]
        response = await self.client.post("/dashboard/signin", data={"token": token})
        assert response.status_code == 303, response.text
        page = await self.client.get("/dashboard/campaigns")
        found = CSRF.search(page.text)
        assert found
        return found.group(1)


async def _dash(tmp_path: Path, content: ContentLibrary, clock: FakeClock, **settings: object) -> Dash:
    core = await make_core(
        tmp_path,
        content,
        clock,
        safetybot_admins=(f"test:{ORGANIZER_ID}",),
        safetybot_viewers=(f"test:{VIEWER_ID}",),
        safetybot_dashboard_port=8099,
        **settings,
    )
    app, context = await build_dashboard(core, strict=True)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
    return Dash(core, client, context, clock)


@pytest.fixture
async def dash(tmp_path: Path, content: ContentLibrary, clock: FakeClock) -> AsyncIterator[Dash]:
    built = await _dash(tmp_path, content, clock)
    yield built
    await built.client.aclose()
    await built.core.close()


GET_ROUTES = (
    "/dashboard/",
    "/dashboard/campaigns",
    "/dashboard/campaigns/rows",
    "/dashboard/campaigns/new",
    "/dashboard/campaigns.csv",
    "/dashboard/campaigns/c0000000",
    "/dashboard/campaigns/c0000000.csv",
    "/dashboard/content",
    "/dashboard/content.csv",
    "/dashboard/audit",
    "/dashboard/overview/subscribers.csv",
    "/dashboard/overview/deliveries.csv",
    "/dashboard/overview/opt-outs.csv",
    "/dashboard/overview/challenges.csv",
)
POST_ROUTES = (
    "/dashboard/campaigns",
    "/dashboard/campaigns/preview",
    "/dashboard/campaigns/c0000000/pause",
    "/dashboard/campaigns/c0000000/resume",
    "/dashboard/campaigns/c0000000/cancel",
)


async def test_signed_out_visitors_are_sent_to_sign_in(dash: Dash) -> None:
    for path in GET_ROUTES:
        response = await dash.client.get(path)
        assert (response.status_code, response.headers.get("location")) == (303, "/dashboard/signin"), path
    for path in POST_ROUTES:
        response = await dash.client.post(path, data={"csrf": "x"})
        assert (response.status_code, response.headers.get("location")) == (303, "/dashboard/signin"), path
    page = await dash.client.get("/dashboard/signin")
    assert page.status_code == 200 and "/dashboard" in page.text and "Sign in" in page.text
    assert (await dash.client.get("/dashboard/static/htmx.min.js")).status_code == 200
    assert (await dash.client.get("/dashboard/nowhere")).status_code == 404


async def test_dashboard_command_gives_links_to_organizers_and_viewers_only(dash: Dash) -> None:
    link = await dash.link()
    assert link.startswith("http://127.0.0.1:8099/dashboard/signin?token=")
    payload = unquote(link.split("token=", 1)[1]).split(".")[0]
    assert b"1001" not in base64.urlsafe_b64decode(payload + "=="), "the token names a label, not the id"
    assert await dash.link(VIEWER_ID)
    stranger = await private_person(dash.core, dash.clock, "3003").command("dashboard")
    assert "for campaign organizers" in text_of(stranger)
    assert not LINK.search(text_of(stranger))


async def test_sign_in_link_works_once_and_sets_a_safe_cookie(dash: Dash) -> None:
    token = (await dash.link()).split("token=", 1)[1]
    confirm = await dash.client.get(f"/dashboard/signin?token={token}")
    assert confirm.status_code == 200 and "Open the dashboard" in confirm.text, "a GET never uses the link"
    first = await dash.client.post("/dashboard/signin", data={"token": token})
    assert first.status_code == 303 and first.headers["location"] == "/dashboard/?notice=signed_in"
    cookie = first.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/dashboard" in cookie
    assert "secure" not in cookie, "plain http on the loopback"
    overview = await dash.client.get(first.headers["location"])
    assert overview.status_code == 200 and "Welcome! You" in overview.text
    assert "default-src 'self'" in overview.headers["content-security-policy"]
    dash.client.cookies.clear()
    again = await dash.client.post("/dashboard/signin", data={"token": token})
    assert again.status_code == 400 and "already used" in again.text
    assert (await dash.client.get("/dashboard/")).status_code == 303


async def test_expired_and_forged_links_are_refused(dash: Dash) -> None:
    token = (await dash.link()).split("token=", 1)[1]
    dash.clock.advance(minutes=10, seconds=1)
    expired = await dash.client.post("/dashboard/signin", data={"token": token})
    assert expired.status_code == 400 and "expired" in expired.text
    forged = await dash.client.post("/dashboard/signin", data={"token": token[:-3] + "abc"})
    assert forged.status_code == 400 and "doesn" in forged.text
    assert "set-cookie" not in expired.headers and "set-cookie" not in forged.headers


async def test_secure_cookie_when_the_public_address_is_https(
    tmp_path: Path, content: ContentLibrary, clock: FakeClock
) -> None:
    dash = await _dash(tmp_path, content, clock, safetybot_dashboard_url="https://bot.example.org/dashboard")
    try:
        link = await dash.link()
        assert link.startswith("https://bot.example.org/dashboard/signin?token=")
        response = await dash.client.post("/dashboard/signin", data={"token": link.split("token=", 1)[1]})
        assert "secure" in response.headers["set-cookie"].lower()
    finally:
        await dash.client.aclose()
        await dash.core.close()


FORM = {
    "name": "Safer Internet Day",
    "schedule_kind": "once",
    "at": "2026-12-01T09:00",
    "timezone": "Europe/Brussels",
    "message_kind": "text",
    "text_en": "Think **before** you share.",
    "text_es": "Piensa **antes** de compartir.",
    "fallback_language": "en",
}


async def _subscribers(dash: Dash, count: int) -> None:
    for number in range(count):
        replies = await private_person(dash.core, dash.clock, str(5000 + number)).command(
            "subscribe", "10:00"
        )
        assert replies


async def test_a_campaign_from_the_form_previewed_scheduled_paused_resumed_cancelled(dash: Dash) -> None:
    await _subscribers(dash, 6)
    csrf = await dash.sign_in()
    new = await dash.client.get("/dashboard/campaigns/new")
    assert new.status_code == 200 and 'name="text_ar"' in new.text and "Europe/Brussels" in new.text
    preview = await dash.client.post("/dashboard/campaigns/preview", data={**FORM, "csrf": csrf})
    assert preview.status_code == 200, preview.text
    text = preview.text
    assert "Preview: Safer Internet Day" in text
    assert "Think <strong>before</strong> you share." in text and "Piensa <strong>antes</strong>" in text
    assert text.count('class="preview preview-telegram"') == 4 and "preview-discord" in text, "every language"
    assert '<td class="num">6</td>' in text, "six recipients now"
    assert "Dec 1, 2026, 08:00 UTC" in text, "09:00 in Brussels"
    draft = DRAFT.search(text)
    assert draft
    tampered = await dash.client.post(
        "/dashboard/campaigns", data={"csrf": csrf, "draft": draft.group(1) + "x"}
    )
    assert tampered.status_code == 400
    scheduled = await dash.client.post("/dashboard/campaigns", data={"csrf": csrf, "draft": draft.group(1)})
    assert scheduled.status_code == 303
    location = scheduled.headers["location"]
    campaign_id = location.split("/")[-1].split("?")[0]
    page = await dash.client.get(location)
    assert "Your campaign is scheduled" in page.text and 'hx-trigger="every 5s"' in page.text
    listing = await dash.client.get("/dashboard/campaigns/rows")
    assert "Safer Internet Day" in listing.text and f"pause-{campaign_id}" in listing.text
    for action, state in (("pause", "paused"), ("resume", "scheduled"), ("cancel", "cancelled")):
        response = await dash.client.post(f"/dashboard/campaigns/{campaign_id}/{action}", data={"csrf": csrf})
        assert response.status_code == 303, action
        stored = await dash.core.services.campaigns.store.get(campaign_id)
        assert stored is not None and stored.status.value == state
    figures = await dash.client.get(f"/dashboard/campaigns/{campaign_id}.csv")
    assert (
        figures.headers["content-disposition"]
        == f'attachment; filename="safetybot-campaign-{campaign_id}.csv"'
    )
    assert figures.text.lstrip("\ufeff").splitlines()[0] == "outcome,deliveries"
    assert "opted_out,< 5" in figures.text
    table = await dash.client.get("/dashboard/campaigns.csv")
    assert (
        table.text.lstrip("\ufeff").splitlines()[1].startswith(f"{campaign_id},Safer Internet Day,cancelled,")
    )
    audit = await dash.client.get("/dashboard/audit")
    for words in (
        "Signed in",
        "Scheduled the campaign",
        "Paused the campaign",
        "Resumed",
        "Cancelled the campaign",
    ):
        assert words in audit.text, words
    assert "test:1001" not in audit.text and "<code>" in audit.text, "an anonymous label, never the id"


async def test_csrf_is_checked_on_every_form(dash: Dash) -> None:
    csrf = await dash.sign_in()
    scheduled = await dash.core.services.campaigns.store.create(
        "x", {"file": {}}, dash.clock.now(), "t", dash.clock.now()
    )
    for data in ({}, {"csrf": "not-the-token"}, {"csrf": csrf[:-1]}):
        for path in (
            f"/dashboard/campaigns/{scheduled}/pause",
            "/dashboard/campaigns/preview",
            "/dashboard/campaigns",
        ):
            response = await dash.client.post(path, data={**FORM, **data})
            assert response.status_code == 403, (path, data)
            assert "out of date" in response.text
        signout = await dash.client.post("/dashboard/signout", data=data)
        assert signout.status_code == 403
    stored = await dash.core.services.campaigns.store.get(scheduled)
    assert stored is not None and stored.status.value == "scheduled"
    out = await dash.client.post("/dashboard/signout", data={"csrf": csrf})
    assert out.status_code == 200 and "signed out" in out.text
    assert (await dash.client.get("/dashboard/")).status_code == 303


async def test_a_viewer_sees_everything_and_changes_nothing(dash: Dash) -> None:
    store = dash.core.services.campaigns.store
    campaign_id = await store.create("Week", {"file": {}}, dash.clock.now(), "t", dash.clock.now())
    csrf = await dash.sign_in(VIEWER_ID)
    for path in GET_ROUTES[:3] + GET_ROUTES[7:]:
        assert (await dash.client.get(path)).status_code == 200, path
    page = await dash.client.get(f"/dashboard/campaigns/{campaign_id}")
    assert page.status_code == 200 and "/pause" not in page.text and "Viewer" in page.text
    assert "Only organizers can plan campaigns" in (await dash.client.get("/dashboard/campaigns/new")).text
    for path in (*POST_ROUTES[:2], *(p.replace("c0000000", campaign_id) for p in POST_ROUTES[2:])):
        response = await dash.client.post(path, data={**FORM, "csrf": csrf})
        assert response.status_code == 403 and "only organizers can make changes" in response.text, path
    stored = await store.get(campaign_id)
    assert stored is not None and stored.status.value == "scheduled"
    assert await store.all() == [stored], "nothing scheduled"


async def test_form_problems_are_shown_with_file_and_line_and_beside_their_fields(dash: Dash) -> None:
    csrf = await dash.sign_in()
    response = await dash.client.post("/dashboard/campaigns/preview", data={**FORM, "csrf": csrf, "at": ""})
    assert response.status_code == 400
    text = response.text.replace("&#39;", "'")
    assert "A few things need fixing first (1)" in text
    assert "campaign.yaml:6: schedule: give either 'at' (one moment) or 'daily' (a window)" in text
    assert 'href="#field-schedule_kind"' in text
    form = {**FORM, "csrf": csrf, "timezone": "Mars/Olympus", "text_en": "", "languages": ["tlh"]}
    response = await dash.client.post("/dashboard/campaigns/preview", data=form)
    text = response.text.replace("&#39;", "'")
    assert response.status_code == 400
    assert "campaign.yaml:4: language 'tlh' is not shipped" in text
    assert "campaign.yaml:8: unknown time zone 'Mars/Olympus'" in text
    assert "campaign.yaml:11: no text in the fallback language 'en'" in text
    assert 'name="timezone" aria-describedby="timezone-hint timezone-error" aria-invalid="true"' in text
    assert 'value="Safer Internet Day"' in text and "Piensa **antes** de compartir.</textarea>" in text


BROKEN = """name: "Broken"
audience:
  platforms: [telegram, myspace]
  languages: [en, tlh]
schedule:
  at: 2027-02-09T09:00
  timezone: Mars/Olympus
fallback_language: en
messages:
  - tip: no-such-tip
  - text:
      de: "Hallo"
"""


async def test_an_uploaded_file_gets_the_command_lines_messages(dash: Dash) -> None:
    csrf = await dash.sign_in()
    files = {"file": ("sid.yaml", BROKEN.encode(), "application/yaml")}
    response = await dash.client.post("/dashboard/campaigns/preview", data={"csrf": csrf}, files=files)
    text = response.text.replace("&#39;", "'")
    assert response.status_code == 400
    for line in (
        "sid.yaml:3: unknown platform 'myspace'",
        "sid.yaml:4: language 'tlh' is not shipped",
        "sid.yaml:10: tip 'no-such-tip' does not exist",
        "sid.yaml:12: language 'de' is not shipped",
        "sid.yaml:11: no text in the fallback language 'en'",
    ):
        assert line in text, line
    empty = await dash.client.post(
        "/dashboard/campaigns/preview", data={"csrf": csrf}, files={"file": ("x.yaml", b"", "text/yaml")}
    )
    assert empty.status_code == 400 and "The file is empty" in empty.text
    good = (
        BROKEN.replace("telegram, myspace", "telegram")
        .replace("en, tlh", "en")
        .replace("Mars/Olympus", "UTC")
    )
    good = good.replace("no-such-tip", dash.core.content.lang("en").tips[0].id).replace("de:", "en:")
    files = {"file": ("sid.yaml", good.encode(), "application/yaml")}
    ok = await dash.client.post("/dashboard/campaigns/preview", data={"csrf": csrf}, files=files)
    assert ok.status_code == 200 and "Message 2 of 2" in ok.text, ok.text[-3000:]


async def _deliveries(dash: Dash, rows: list[tuple[int, str, int]]) -> None:
    """(chat row id, status, days ago) rows in the outbox, as the sender would have left them."""
    now = dash.clock.now()
    async with dash.core.db.begin() as connection:
        for number, (chat, status, days_ago) in enumerate(rows):
            when = now - timedelta(days=days_ago)
            finished = when if status in ("sent", "blocked", "failed") else None
            await connection.execute(
                deliveries.insert().values(
                    drop_id=f"tip:{number}",
                    chat_id=chat,
                    platform="test",
                    language="en",
                    status=status,
                    attempts=0,
                    next_attempt_at=when,
                    created_at=when,
                    finished_at=finished,
                )
            )


async def test_overview_figures_rollups_and_csv_keep_small_groups_hidden(dash: Dash) -> None:
    await _subscribers(dash, 6)
    for number in range(2):
        person = private_person(dash.core, dash.clock, str(7000 + number), lang="es")
        await person.command("language", "es")
        await person.command("subscribe", "10:00")
    await _deliveries(dash, [(1, "sent", 0)] * 7 + [(2, "blocked", 0)] * 3 + [(3, "pending", 1)] * 2)
    await dash.context.stats.refresh(dash.clock.now())
    now = dash.clock.now()
    rolled = await dash.context.stats.overview(now)
    live = await LiveFigures(dash.core.db, "en").overview(now)
    assert rolled.deliveries == live.deliveries and rolled.opt_outs == live.opt_outs
    assert (
        rolled.subscribers
        == live.subscribers
        == {("test", "en"): {"2026-11-25": 6}, ("test", "es"): {"2026-11-25": 2}}
    )
    csrf = await dash.sign_in(VIEWER_ID)
    assert csrf
    page = await dash.client.get("/dashboard/")
    assert page.status_code == 200
    cards = re.findall(r'<span class="card-value">([^<]+)</span>', page.text)
    assert cards == ["8", "7", "&lt; 5", "0", "0"], (
        "subscribers, sent, opt-outs (3: hidden), rounds, campaigns"
    )
    assert (
        "<svg" in page.text
        and "Español" in page.text
        and "http" not in page.text.split("<main")[1].split("</main>")[0].replace("http://www.w3.org", "")
    )
    csv_of = {}
    for name in ("subscribers", "deliveries", "opt-outs", "challenges"):
        response = await dash.client.get(f"/dashboard/overview/{name}.csv")
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
        csv_of[name] = response.text.lstrip("\ufeff").splitlines()
    assert csv_of["subscribers"] == [
        "day,platform,language,subscribers",
        "2026-11-25,test,en,6",
        "2026-11-25,test,es,< 5",
    ]
    assert csv_of["deliveries"][0] == "day,sent,pending,blocked"
    assert csv_of["deliveries"][-2:] == ["2026-11-24,0,2,0", "2026-11-25,7,0,3"]
    assert csv_of["opt-outs"][0] == "day,test" and csv_of["opt-outs"][-1] == "2026-11-25,< 5"
    assert csv_of["challenges"] == [
        "language,rounds,players,reliable_shown,reliable_trusted,manipulative_shown,manipulative_caught"
    ]
    audit = await dash.client.get("/dashboard/audit")
    assert audit.text.count("Downloaded the table") == 4


async def test_rollups_recount_only_what_can_change(dash: Dash) -> None:
    await _subscribers(dash, 1)
    await _deliveries(dash, [(1, "sent", 40), (1, "pending", 0)])
    stats = dash.context.stats
    await stats.refresh(dash.clock.now())
    async with dash.core.db.begin() as connection:
        await connection.execute(update(deliveries).values(status="sent"))
    dash.clock.advance(minutes=1)
    await stats.refresh(dash.clock.now())
    figures = await stats.overview(dash.clock.now(), days=60)
    assert figures.deliveries == {"sent": {"2026-10-16": 1, "2026-11-25": 1}}, (
        "today recounted, day 40 frozen"
    )


async def test_content_page_searches_each_language_and_shows_the_check(dash: Dash) -> None:
    await dash.sign_in(VIEWER_ID)
    page = await dash.client.get("/dashboard/content?lang=es&q=contrase")
    assert page.status_code == 200
    assert "All content passed the check." in page.text
    assert 'lang="es"' in page.text and "Para" not in page.text.split("results")[0][-10:]
    found = re.search(r"For &#34;contrase&#34;: (\d+) topics, (\d+) tips", page.text)
    assert found and int(found.group(1)) > 0 and int(found.group(2)) > 0
    arabic = await dash.client.get("/dashboard/content?lang=ar")
    assert "العربية" in arabic.text and arabic.text.count('<li>\n      <p class="content-meta">') > 10
    assert (await dash.client.get("/dashboard/content?lang=xx")).status_code == 200
    coverage = await dash.client.get("/dashboard/content.csv")
    lines = coverage.text.lstrip("\ufeff").splitlines()
    assert lines[0] == "language,topics,tips,challenges,complete_percent" and len(lines) == 5


async def test_the_command_line_writes_the_same_audit_log(dash: Dash, tmp_path: Path) -> None:
    campaign_id = await dash.core.services.campaigns.store.create(
        "Cli week", {"file": {}}, dash.clock.now(), "cli", dash.clock.now()
    )
    settings = load_settings(safetybot_data_dir=tmp_path / "data", safetybot_encoder="none", _env_file=None)
    code = await campaign_cli.run(
        argparse.Namespace(command="campaign", campaign_command="pause", id=campaign_id), settings
    )
    assert code == 0
    await dash.sign_in(VIEWER_ID)
    audit = await dash.client.get("/dashboard/audit")
    assert "Command line" in audit.text and "Paused the campaign &#34;Cli week&#34;" in audit.text


async def test_the_dashboard_role_serves_alone_and_stops_cleanly(
    tmp_path: Path, content: ContentLibrary, clock: FakeClock
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    core = await make_core(tmp_path, content, clock, safetybot_dashboard_port=port, safetybot_clock_seconds=1)
    task = asyncio.create_task(run_platforms(core, role="dashboard"))
    try:
        async with httpx.AsyncClient() as client:
            for _ in range(100):
                try:
                    response = await client.get(f"http://127.0.0.1:{port}/dashboard/signin")
                    break
                except httpx.TransportError:
                    await asyncio.sleep(0.05)
            assert response.status_code == 200 and "Sign in" in response.text
            assert "server" not in response.headers
            assert (await client.get(f"http://127.0.0.1:{port}/")).headers["location"] == "/dashboard/"
        assert not core.messengers and not task.done(), "no platform, no sender: the dashboard alone"
        async with core.db.begin() as connection:
            stamp = (
                await connection.execute(select(app_state.c.value).where(app_state.c.key == REFRESHED_KEY))
            ).scalar()
        assert stamp, "the figures were refreshed in the background"
    finally:
        task.cancel()
        assert await asyncio.wait_for(task, 10) == 0
        await core.close()


async def test_dashboard_command_in_a_group_or_without_a_dashboard(
    dash: Dash, core: Core, clock: FakeClock
) -> None:
    member = group_member(dash.core, dash.clock, ORGANIZER_ID)
    replies = await member.command("dashboard")
    assert "private chat" in text_of(replies) and not LINK.search(text_of(replies))
    off = await private_person(core, clock, ORGANIZER_ID).command("dashboard")
    assert "isn't switched on" in text_of(off)
    for lang in ("es", "fr", "ar"):
        said = core.texts.say(lang, "dashboard.link", link="http://x/dashboard/signin?token=a_b", minutes=10)
        assert "token=a\\_b" in said and "10" in said, "the link is inserted as literal text"
