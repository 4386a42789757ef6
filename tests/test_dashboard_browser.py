"""The dashboard in a real browser (Debian's chromium driven by Playwright), against a real bot process
talking to the loopback Telegram Bot API: sign in through a link from the console chat, plan a campaign
with the form, preview it, schedule it, watch it reach 100%, press "Stop these" on delivered messages in
the stand-in, see the opt-outs counted, and download the CSV. Screenshots go to the test's tmp folder
(and to docs/ with SAFETYBOT_DOCS_SCREENSHOTS=1).

Skipped with one line on a machine without chromium or Playwright; under CI (CI=true) it fails instead.
"""

from __future__ import annotations

import asyncio
import getpass
import os
import re
import shutil
import socket
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.auxil.processes import Bot, bot_env, console_env, wait_until
from tests.auxil.telegram_server import FakeBotApi

CHROMIUM = Path("/usr/bin/chromium")
INSTALL = "apt-get install -y chromium chromium-driver && .venv/bin/pip install playwright"
DOCS = Path(__file__).resolve().parents[1] / "docs"
PEOPLE = [3001 + n for n in range(6)]
LINK = re.compile(r"(http://\S+/dashboard/signin\?token=[A-Za-z0-9._%-]+)")
pytestmark = pytest.mark.timeout(300)


def playwright_or_skip() -> Any:
    """Playwright's async API, or a skip (a failure under CI) saying how to install what is missing."""
    try:
        from playwright import async_api
    except ImportError:
        async_api = None
    if async_api is None or not CHROMIUM.exists():
        message = f"the browser test needs Debian's chromium and Playwright: {INSTALL}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return async_api


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def sign_in_link(tmp_path: Path, settings: dict[str, str]) -> str:
    """Send /dashboard in the console chat (its own process, the same database) and read the link."""
    env = console_env(tmp_path, **{name.upper(): value for name, value in settings.items()})
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "chat"],
        input="/dashboard\n",
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=tmp_path,
    )
    found = LINK.search(done.stdout.replace("\\", ""))
    assert found, f"no link in the console's answer:\n{done.stdout[:1500]}\n{done.stderr[-1500:]}"
    return found.group(1)


def stop_buttons(api: FakeBotApi, user_id: int) -> list[str]:
    """The callback data of "Stop these" buttons on what the bot sent this person."""
    found = []
    for message in api.sent_to(user_id):
        for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
            found += [button["callback_data"] for button in row if button.get("text") == "Stop these"]
    return found


async def test_an_organizer_runs_a_campaign_from_the_browser(tmp_path: Path) -> None:
    async_api = playwright_or_skip()
    port = free_port()
    settings = {
        "safetybot_admins": f"console:{getpass.getuser()}",
        "safetybot_dashboard_port": str(port),
        "safetybot_clock_seconds": "1",
        "database_url": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
    }
    async with FakeBotApi() as api:
        bot = Bot(bot_env(api, tmp_path, **settings), tmp_path, tmp_path / "bot.log")
        bot.start()
        try:
            async with httpx.AsyncClient() as client:

                async def answers() -> bool:
                    try:
                        return (
                            await client.get(f"http://127.0.0.1:{port}/dashboard/signin")
                        ).status_code == 200
                    except httpx.TransportError:
                        return False

                for _ in range(600):
                    if await answers():
                        break
                    assert bot.alive(), bot.tail()
                    await asyncio.sleep(0.1)
            for user_id in PEOPLE:
                api.user_message("/subscribe 10:00", user_id=user_id)
            await wait_until(lambda: all(api.sent_to(u) for u in PEOPLE), 60, "the subscriptions", bot)
            link = await asyncio.to_thread(sign_in_link, tmp_path, settings)
            async with async_api.async_playwright() as playwright:
                browser = await playwright.chromium.launch(executable_path=str(CHROMIUM))
                try:
                    await run_in_browser(browser, link, api, bot, tmp_path)
                finally:
                    await browser.close()
        finally:
            await bot.stop()


async def run_in_browser(browser: Any, link: str, api: FakeBotApi, bot: Bot, tmp_path: Path) -> None:
    page = await (
        await browser.new_context(viewport={"width": 1200, "height": 900}, accept_downloads=True)
    ).new_page()
    shots = tmp_path / "screenshots"
    shots.mkdir()

    async def shot(name: str) -> None:
        await page.screenshot(path=str(shots / f"{name}.png"), full_page=True)

    await page.goto(link)
    await page.get_by_role("button", name="Open the dashboard").click()
    await page.wait_for_selector("text=Welcome! You're signed in.")
    await shot("1-overview")
    await page.get_by_role("link", name="Campaigns", exact=True).click()
    await page.get_by_role("link", name="New campaign").click()
    await page.fill("#field-name", "Safer Internet Day")
    await page.check("#kind-once")
    if datetime.now(UTC).second > 40:  # "now" must still be this minute when Schedule is pressed
        await asyncio.sleep(61 - datetime.now(UTC).second)
    await page.fill("#field-at", datetime.now(UTC).strftime("%Y-%m-%dT%H:%M"))
    await page.select_option("#field-timezone", "UTC")
    await page.check("#platforms-telegram")
    await page.fill(
        "#field-text_en", "Think **before** you share: ask who can see it, and who could pass it on."
    )
    await page.fill("#field-text_es", "Piensa **antes** de compartir: ¿quién puede verlo y reenviarlo?")
    await shot("2-form")
    await page.get_by_role("button", name="Preview", exact=True).click()
    await page.wait_for_selector("h1:has-text('Preview: Safer Internet Day')")
    preview = await page.inner_text("main")
    assert "Think before you share" in preview and "Recipients now" in preview
    assert await page.locator(".preview-telegram .bubble strong").count() >= 4
    await shot("3-preview")
    await page.get_by_role("button", name="Schedule", exact=True).click()
    await page.wait_for_selector("text=Your campaign is scheduled")
    for _ in range(180):  # htmx refreshes the progress every 5 s (the CSP forbids evaluated scripts)
        if "6 / 6 · 100%" in (await page.locator("#campaign-progress").text_content() or ""):
            break
        await asyncio.sleep(0.5)
    assert "6 / 6 · 100%" in (await page.locator("#campaign-progress").text_content() or ""), bot.tail()
    await shot("4-delivered")
    for user_id in PEOPLE[:5]:
        buttons = stop_buttons(api, user_id)
        assert buttons, f"no Stop button under the campaign message to {user_id}"
        api.press_button(buttons[-1], user_id=user_id)
    await wait_until(
        lambda: all(len(api.sent_to(u)) >= 3 for u in PEOPLE[:5]), 60, "the opt-out answers", bot
    )
    for _ in range(60):
        await page.reload()
        if (await page.inner_text(".card-opted_out .card-value")).strip() == "5":
            break
        await asyncio.sleep(0.5)
    assert (await page.inner_text(".card-opted_out .card-value")).strip() == "5"
    await shot("5-opted-out")
    href = await page.get_by_role("link", name="Download these figures (CSV)").get_attribute("href")
    assert href
    download = await page.request.get(page.url.split("/dashboard")[0] + href)  # with the session cookie
    assert download.headers.get("content-disposition", "").startswith("attachment;"), await download.text()
    saved = tmp_path / "campaign.csv"
    saved.write_bytes(await download.body())
    rows = saved.read_text(encoding="utf-8-sig").splitlines()
    assert rows[0] == "outcome,deliveries" and "sent,6" in rows and "opted_out,5" in rows
    await page.get_by_role("link", name="Overview", exact=True).click()
    for _ in range(120):  # rollups refresh every second here, subscribers every tenth time
        cards = [card.strip() for card in await page.locator(".card-value").all_inner_texts()]
        if cards[:3] == ["6", "6", "5"]:
            break
        await asyncio.sleep(0.5)
        await page.reload()
    assert cards[:3] == ["6", "6", "5"], cards
    await shot("6-overview-after")
    audit = await (await page.request.get(page.url.split("/dashboard")[0] + "/dashboard/audit")).text()
    assert "Scheduled the campaign" in audit and "Downloaded the table" in audit, audit[-3000:]
    if os.environ.get("SAFETYBOT_DOCS_SCREENSHOTS") == "1":
        DOCS.mkdir(exist_ok=True)
        shutil.copy(shots / "6-overview-after.png", DOCS / "dashboard-overview.png")
        shutil.copy(shots / "3-preview.png", DOCS / "dashboard-campaign-preview.png")
