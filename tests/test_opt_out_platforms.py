"""Opt-out as people meet it on each platform: the "Stop these" button under a daily tip and a campaign drop
on Telegram (the real python-telegram-bot against the loopback Bot API) and in a Discord channel (the real
discord.py against the loopback gateway), STOP words in private chats and DMs, and the console chat."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from bot.app.wiring import Core
from bot.content.library import ContentLibrary
from bot.storage.consent_figures import ConsentFigures
from bot.storage.tables import subscriptions
from tests.auxil.discord_server import CHANNEL_ID, DM_CHANNEL_ID, MEMBER_PERMISSIONS, FakeDiscord
from tests.test_console_chat import chat
from tests.test_discord_adapter import ADMIN, plain, running_bot
from tests.test_discord_adapter import Running as DiscordRunning
from tests.test_opt_out import ALL_STOPPED, TIPS_STOPPED, campaign
from tests.test_telegram_adapter import Running as TelegramRunning
from tests.test_telegram_adapter import running_telegram

ADA, BEA, GROUP = 1001, 1002, -100500


async def make_due_and_send(core: Core) -> None:
    async with core.db.begin() as connection:
        await connection.execute(
            update(subscriptions).values(next_due_at=core.clock.now() - timedelta(minutes=1))
        )
    assert (await core.dispatcher.tick()).enqueued >= 1
    assert await core.make_sender().run_once() >= 1


def keyboard(message: dict) -> dict[str, str]:
    """Label -> callback data of a Telegram message's inline keyboard."""
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return {button["text"]: button["callback_data"] for row in rows for button in row}


def seen(message: dict) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", message["text"]))


@pytest.fixture
async def telegram(tmp_path: Path, content: ContentLibrary) -> AsyncIterator[TelegramRunning]:
    async with running_telegram(tmp_path, content) as running:
        yield running


async def test_telegram_tip_stop_button_and_stop_word(telegram: TelegramRunning) -> None:
    api = telegram.api
    api.user_message("/subscribe 08:00")
    await telegram.reply_to(ADA)
    await make_due_and_send(telegram.core)
    tip = api.sent_to(ADA)[-1]
    assert seen(tip).startswith("Tip:")
    buttons = keyboard(tip)
    assert list(buttons) == ["Stop these"] and len(buttons["Stop these"].encode()) <= 64
    api.press_button(buttons["Stop these"])
    texts = await telegram.reply_to(ADA, 3)
    assert texts[2] == TIPS_STOPPED
    api.user_message("/subscription")
    assert "paused" in (await telegram.reply_to(ADA, 4))[3]
    api.user_message("STOP")
    texts = await telegram.reply_to(ADA, 5)
    assert texts[4] == ALL_STOPPED
    assert list(keyboard(api.sent_to(ADA)[-1])) == ["Send them again"]


async def test_telegram_group_stop_is_for_admins_and_a_queued_drop_is_skipped(
    telegram: TelegramRunning,
) -> None:
    api, core = telegram.api, telegram.core
    api.set_admins(GROUP, [2002])
    api.user_message("/subscribe 10:00", user_id=2002, chat_id=GROUP, chat_type="group")
    await telegram.reply_to(GROUP)
    for person in (ADA, BEA):
        api.user_message("/subscribe 08:00", user_id=person)
        await telegram.reply_to(person)
    at = core.clock.now().strftime("%Y-%m-%dT%H:%M")
    spec = campaign(
        f'name: Tg\nschedule: {{at: {at}, timezone: UTC}}\nmessages: [{{text: {{en: "Hello all"}}}}]\n'
    )
    await core.services.campaigns.schedule(spec, created_by="test")
    assert await core.campaign_runs.tick() == 3
    api.user_message("Baja", user_id=BEA)  # after the drop was queued, before it is sent
    (bea_stopped,) = (await telegram.reply_to(BEA, 2))[1:]
    assert bea_stopped.startswith("Done: no more daily tips or campaign messages from me.")
    sender = core.make_sender()
    while await sender.run_once():
        pass
    assert seen(api.sent_to(ADA)[-1]) == "Hello all"
    assert len(api.sent_to(BEA)) == 2, "Bea opted out: the queued drop is not sent to her"
    assert (await core.outbox.counts("campaign:"))["skipped"] == 1

    drop = api.sent_to(GROUP)[-1]
    assert seen(drop) == "Hello all"
    api.press_button(keyboard(drop)["Stop these"], user_id=2001, chat_id=GROUP, chat_type="group")
    await api.wait_for(lambda: len(api.calls_to("answerCallbackQuery")) == 1)
    notice = api.calls_to("answerCallbackQuery")[0].params
    assert notice["text"] == "Only this group's admins can stop these messages here." and notice["show_alert"]
    api.press_button(keyboard(drop)["Stop these"], user_id=2002, chat_id=GROUP, chat_type="group")
    texts = await telegram.reply_to(GROUP, 3)
    assert texts[2] == 'Done: no more campaign messages here. Changed your mind? Press "Send them again".'
    (stored,) = await core.services.campaigns.store.all()
    caused = (await ConsentFigures(core.db).opt_outs_per_campaign())[stored.id]
    assert (caused.by_button, caused.in_window) == (1, 0)


async def test_discord_channel_stop_needs_manage_server_and_dm_stop_word(
    tmp_path: Path, content: ContentLibrary, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running_bot(tmp_path, content, monkeypatch) as bot:
        await _discord_flow(bot)


async def _discord_flow(bot: DiscordRunning) -> None:
    api: FakeDiscord = bot.api
    (done,) = await bot.texts(api.slash("subscribe", {"time": "08:00"}, user_id=2002, permissions=ADMIN))
    assert done.startswith("Done!")
    await make_due_and_send(bot.core)
    (posted,) = api.in_channel(CHANNEL_ID)
    assert plain(posted.content).startswith("Tip:")
    buttons = dict(posted.custom_ids)
    assert list(buttons) == ["Stop these"]
    refused = api.press(buttons["Stop these"], user_id=2001, permissions=MEMBER_PERMISSIONS)
    (notice,) = await bot.replies(refused)
    assert plain(notice.content) == "Only this group's admins can stop these messages here."
    assert notice.ephemeral
    allowed = api.press(buttons["Stop these"], user_id=2002, permissions=ADMIN)
    assert await bot.texts(allowed) == [TIPS_STOPPED]
    (status,) = await bot.texts(api.slash("subscription"))
    assert "paused" in status

    api.direct_message("stop", user_id=3003)
    await api.wait_for(lambda: bool(api.in_channel(DM_CHANNEL_ID)), what="the answer in the DM")
    (answer,) = api.in_channel(DM_CHANNEL_ID)
    assert plain(answer.content) == ALL_STOPPED
    assert [label for label, _ in answer.custom_ids] == ["Send them again"]


def test_console_stop_word_and_send_them_again(tmp_path: Path) -> None:
    result = chat(["/subscribe 08:00", "STOP", "1", "/subscription"], tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert ALL_STOPPED in out
    assert "[1] Send them again" in out
    assert "The daily tip for this chat is paused. /subscribe starts it again." in out
    assert 'Done: campaign messages are back on here. The "Stop these" button' in out
