"""The Telegram adapter end to end: the real python-telegram-bot Application, polling a loopback Bot API
server (tests/auxil/telegram_server.py), as people would use it in private chats and groups."""

from __future__ import annotations

import asyncio
import contextlib
import html
import io
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest

from adapters.telegram.platform import TelegramPlatform
from adapters.telegram.settings import load as load_telegram_settings
from bot.app.wiring import Core
from bot.content.library import ContentLibrary
from bot.core.clock import SystemClock
from bot.core.events import ChatKind, ChatRef
from tests.auxil.core import make_core
from tests.auxil.telegram_server import FakeBotApi

ADA = 1001
GROUP = -100500


@dataclass
class Running:
    api: FakeBotApi
    core: Core
    task: asyncio.Task[None]

    def texts(self, chat_id: int) -> list[str]:
        """What the person sees: the HTML the bot sent, tags removed and entities decoded."""
        return [html.unescape(re.sub(r"<[^>]+>", "", item["text"])) for item in self.api.sent_to(chat_id)]

    def buttons(self, chat_id: int) -> list[dict]:
        markup = self.api.sent_to(chat_id)[-1].get("reply_markup") or {}
        return [button for row in markup.get("inline_keyboard", []) for button in row]

    async def reply_to(self, chat_id: int, count: int = 1) -> list[str]:
        await self.api.wait_for_sent(chat_id, count)
        return self.texts(chat_id)

    def alive(self) -> bool:
        return not self.task.done()


async def start(tmp_path: Path, content: ContentLibrary, api: FakeBotApi, **settings: object) -> Running:
    values: dict[str, object] = {
        "telegram_bot_token": "123456:TEST-TOKEN",
        "telegram_api_base_url": api.base_url,
    }
    values.update(settings)
    running = await launch(tmp_path, content, api, values)
    await api.wait_for(lambda: bool(api.calls_to("getUpdates")) or running.task.done(), what="polling")
    assert running.alive(), running.task.exception()
    return running


async def launch(
    tmp_path: Path, content: ContentLibrary, api: FakeBotApi, values: dict[str, object]
) -> Running:
    """A core and Telegram serving it: the ``telegram_*`` values are Telegram's settings, the rest the
    core's (as the registry would build them from the environment)."""
    ours = {name: value for name, value in values.items() if name.startswith("telegram_")}
    telegram = TelegramPlatform(load_telegram_settings(_env_file=None, **ours))
    rest = {name: value for name, value in values.items() if name not in ours}
    core = await make_core(tmp_path, content, SystemClock(), platforms={"telegram": telegram}, **rest)
    return Running(api, core, asyncio.create_task(telegram.serve(core)))


async def stop(running: Running) -> None:
    running.task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await running.task
    await running.core.close()


@contextlib.asynccontextmanager
async def running_telegram(tmp_path: Path, content: ContentLibrary) -> AsyncIterator[Running]:
    """The Telegram adapter polling a fresh loopback Bot API; it must still be alive at the end."""
    async with FakeBotApi() as api:
        running = await start(tmp_path, content, api)
        try:
            yield running
        finally:
            assert running.alive(), "the bot died during the test"
            await stop(running)


@pytest.fixture
async def bot(tmp_path: Path, content: ContentLibrary) -> AsyncIterator[Running]:
    async with running_telegram(tmp_path, content) as running:
        yield running


async def test_commands_are_registered_per_language(bot: Running, content: ContentLibrary) -> None:
    calls = bot.api.calls_to("setMyCommands")
    by_language = {call.params.get("language_code"): call.params["commands"] for call in calls}
    assert set(by_language) == {None, *content.shipped}
    names = [command["command"] for command in by_language["en"]]
    assert names[:3] == ["start", "help", "topics"]
    assert all(1 <= len(command["description"]) <= 256 for command in by_language["en"])


async def test_start_and_help(bot: Running) -> None:
    bot.api.user_message("/start", first_name="Ada <3")
    (welcome,) = await bot.reply_to(ADA)
    assert welcome.startswith("Hi Ada <3! I'm safetybot.")
    sent = bot.api.sent_to(ADA)[0]
    assert sent["parse_mode"] == "HTML"
    assert "Ada &lt;3" in sent["text"]
    assert [b["text"] for b in bot.buttons(ADA)] == ["Topics", "A tip", "Help"]
    bot.api.user_message("/help")
    texts = await bot.reply_to(ADA, 2)
    assert "• /forget: Delete everything I've stored about you" in texts[1]


async def test_free_text_question_gets_the_right_answer_with_sources(bot: Running) -> None:
    bot.api.user_message("someone got into my insta and changed the email what now")
    (answer,) = await bot.reply_to(ADA)
    assert answer.startswith("What do I do if my account was hacked?")
    assert "Sources:" in answer
    assert '<a href="https://' in bot.api.sent_to(ADA)[0]["text"]
    assert "All topics" in [b["text"] for b in bot.buttons(ADA)]


async def test_crisis_message_gets_help_first(bot: Running) -> None:
    bot.api.user_message("i dont want to be here anymore")
    (reply,) = await bot.reply_to(ADA)
    assert reply.startswith("I'm really glad you told me.")
    assert "988" in reply and "findahelpline.com" in reply
    assert not bot.buttons(ADA)


async def test_tip_and_another_tip_button(bot: Running, content: ContentLibrary) -> None:
    bot.api.user_message("/tip")
    (first,) = await bot.reply_to(ADA)
    assert first.startswith("Tip:")
    (another,) = [b for b in bot.buttons(ADA) if b["text"] == "Another tip"]
    bot.api.press_button(another["callback_data"])
    texts = await bot.reply_to(ADA, 2)
    assert texts[1].startswith("Tip:")
    await bot.api.wait_for(lambda: len(bot.api.calls_to("answerCallbackQuery")) == 1)


async def test_topics_buttons_lead_to_an_answer(bot: Running) -> None:
    bot.api.user_message("/topics")
    await bot.reply_to(ADA)
    category = next(b for b in bot.buttons(ADA) if b["text"] == "Image abuse")
    assert len(category["callback_data"].encode()) <= 64
    bot.api.press_button(category["callback_data"])
    await bot.reply_to(ADA, 2)
    topic = bot.buttons(ADA)[0]
    bot.api.press_button(topic["callback_data"])
    texts = await bot.reply_to(ADA, 3)
    assert "Sources:" in texts[2]
    await bot.api.wait_for(lambda: len(bot.api.calls_to("answerCallbackQuery")) == 2)


async def test_forged_callback_gets_expired_alert_and_nothing_else(bot: Running) -> None:
    bot.api.user_message("/tip")
    await bot.reply_to(ADA)
    bot.api.press_button("t:strong-passwords~~forged00")
    await bot.api.wait_for(lambda: len(bot.api.calls_to("answerCallbackQuery")) == 1)
    answer = bot.api.calls_to("answerCallbackQuery")[0].params
    assert answer["text"] == "Sorry, that button has expired. Type /topics or /help to start again."
    assert answer["show_alert"] is True
    await asyncio.sleep(0.2)
    assert len(bot.api.sent_to(ADA)) == 1


async def test_group_ignores_chatter_and_answers_commands_mentions_and_replies(bot: Running) -> None:
    api = bot.api
    api.user_message("lol who's coming to the match", chat_id=GROUP, chat_type="supergroup")
    api.user_message("/help@some_other_bot", chat_id=GROUP, chat_type="supergroup")
    api.user_message("/tip@safetybot_test_bot", chat_id=GROUP, chat_type="supergroup")
    (tip,) = await bot.reply_to(GROUP)
    assert tip.startswith("Tip:")
    api.user_message("@safetybot_test_bot is public wifi safe", chat_id=GROUP, chat_type="supergroup")
    texts = await bot.reply_to(GROUP, 2)
    assert texts[1].startswith("Is public Wi-Fi safe?")
    bot_message_id = api.sent_to(GROUP)[-1]["message_id"]
    api.user_message(
        "how do i spot a phishing email",
        chat_id=GROUP,
        chat_type="supergroup",
        reply_to_bot_message_id=bot_message_id,
    )
    texts = await bot.reply_to(GROUP, 3)
    assert "phishing" in texts[2].lower()
    await asyncio.sleep(0.3)
    assert len(api.sent_to(GROUP)) == 3


async def test_group_setting_needs_an_admin_and_is_cached(bot: Running) -> None:
    api = bot.api
    api.set_admins(GROUP, [2002])
    api.user_message("/language en", user_id=2001, chat_id=GROUP, chat_type="group")
    (refused,) = await bot.reply_to(GROUP)
    assert refused == "Only this group's admins can change its settings."
    api.user_message("/language en", user_id=2002, chat_id=GROUP, chat_type="group")
    texts = await bot.reply_to(GROUP, 2)
    assert texts[1] == "Done: I'll speak English in this group from now on."
    api.user_message("/language en", user_id=2002, chat_id=GROUP, chat_type="group")
    await bot.reply_to(GROUP, 3)
    assert len(api.calls_to("getChatMember")) == 2
    stored = await bot.core.services.people.chat_settings(ChatRef("telegram", str(GROUP), ChatKind.GROUP))
    assert stored is not None and stored.language == "en"


async def test_429_is_waited_out_and_delivered_once(bot: Running) -> None:
    bot.api.fail_next("sendMessage", 429, retry_after=1, chat_id=ADA)
    loop = asyncio.get_running_loop()
    started = loop.time()
    bot.api.user_message("/tip")
    await bot.reply_to(ADA)
    assert loop.time() - started >= 0.9
    attempts = [c for c in bot.api.calls_to("sendMessage") if c.params["chat_id"] == ADA]
    assert [c.failed for c in attempts] == [True, False]
    await asyncio.sleep(0.3)
    assert len(bot.api.sent_to(ADA)) == 1


async def test_500_is_retried_and_delivered_once(bot: Running) -> None:
    bot.api.fail_next("sendMessage", 500, chat_id=ADA)
    bot.api.user_message("/tip")
    await bot.reply_to(ADA)
    await asyncio.sleep(0.3)
    assert len(bot.api.sent_to(ADA)) == 1


async def test_403_marks_the_chat_inactive_and_unblocking_reactivates(bot: Running) -> None:
    people = bot.core.services.people
    chat = ChatRef("telegram", str(ADA), ChatKind.PRIVATE)
    bot.api.fail_next("sendMessage", 403, chat_id=ADA)
    bot.api.user_message("/tip")
    await bot.api.wait_for(lambda: any(c.failed for c in bot.api.calls_to("sendMessage")))

    async def inactive() -> bool:
        settings = await people.chat_settings(chat)
        return settings is not None and not settings.active

    for _ in range(100):
        if await inactive():
            break
        await asyncio.sleep(0.05)
    assert await inactive()
    assert len(bot.api.calls_to("sendMessage")) == 1, "a blocked chat must not be retried"
    bot.api.push_update(
        {
            "my_chat_member": {
                "chat": {"id": ADA, "type": "private", "first_name": "Ada"},
                "from": {"id": ADA, "is_bot": False, "first_name": "Ada"},
                "date": 1_800_000_000,
                "old_chat_member": {"status": "kicked", "user": bot.api.bot_user, "until_date": 0},
                "new_chat_member": {"status": "member", "user": bot.api.bot_user},
            }
        }
    )
    for _ in range(100):
        if not await inactive():
            break
        await asyncio.sleep(0.05)
    assert not await inactive()


async def test_a_failing_update_is_logged_without_text_and_the_bot_goes_on(
    bot: Running, logs_at_debug: io.StringIO
) -> None:
    bot.api.fail_next("sendMessage", 400, description="Bad Request: can't parse entities", chat_id=ADA)
    bot.api.user_message("/tip my-private-words")
    await bot.api.wait_for(lambda: any(c.failed for c in bot.api.calls_to("sendMessage")))
    bot.api.user_message("/help")
    texts = await bot.reply_to(ADA)
    assert texts[0].startswith("Here's what I can do")
    logged = logs_at_debug.getvalue()
    assert "could not send a reply (update" in logged
    assert "my-private-words" not in logged
    assert "123456:TEST-TOKEN" not in logged


async def test_language_code_from_telegram_and_long_answers_split(
    bot: Running, content: ContentLibrary
) -> None:
    bot.api.user_message("/start", language_code="xx")
    (welcome,) = await bot.reply_to(ADA)
    assert welcome.startswith("Hi Ada!")
    assert all(len(item["text"]) <= 4096 for item in bot.api.sent)


async def test_webhook_mode_checks_the_secret(
    tmp_path: Path, content: ContentLibrary, unused_tcp_port: int
) -> None:
    async with FakeBotApi() as api:
        values: dict[str, object] = {
            "telegram_bot_token": "123456:TEST-TOKEN",
            "telegram_api_base_url": api.base_url,
            "telegram_webhook_url": f"http://127.0.0.1:{unused_tcp_port}/telegram/hook",
            "telegram_webhook_listen": "127.0.0.1",
            "telegram_webhook_port": unused_tcp_port,
            "telegram_webhook_secret": "s3cret-token",
        }
        running = await launch(tmp_path, content, api, values)
        task = running.task
        try:
            await api.wait_for(lambda: api.webhook_url is not None or task.done(), what="setWebhook")
            assert api.webhook_url == f"http://127.0.0.1:{unused_tcp_port}/telegram/hook"
            assert api.webhook_secret == "s3cret-token"
            update = api.user_message("/tip")
            # python-telegram-bot registers the webhook before its server listens: retry only a refused
            # connection (nothing delivered), never a delivered request.
            status = None
            for _ in range(100):
                try:
                    status = await api.deliver_webhook(update)
                    break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.05)
            assert status == 200, "the webhook server never accepted the update"
            (tip,) = await running.reply_to(ADA)
            assert tip.startswith("Tip:")
            api.webhook_secret = "wrong"
            assert await api.deliver_webhook(api.user_message("/help")) == 403
            await asyncio.sleep(0.3)
            assert len(api.sent_to(ADA)) == 1
            assert running.alive()
        finally:
            await stop(running)


async def test_daily_tip_goes_out_through_telegram_once_despite_a_429(bot: Running) -> None:
    from sqlalchemy import update

    from bot.storage.tables import subscriptions

    bot.api.user_message("/subscribe 08:00 Europe/Madrid")
    (done,) = await bot.reply_to(ADA)
    assert done.startswith("Done! at 08:00 (Europe/Madrid).")
    async with bot.core.db.begin() as connection:
        await connection.execute(
            update(subscriptions).values(next_due_at=bot.core.services.clock.now() - timedelta(minutes=1))
        )
    assert (await bot.core.dispatcher.tick()).enqueued == 1
    assert "telegram" in bot.core.messengers
    sender = bot.core.make_sender()
    bot.api.fail_next("sendMessage", 429, retry_after=1, chat_id=ADA)
    assert await sender.run_once() == 1
    assert (await bot.core.outbox.counts("tip:"))["retrying"] == 1
    await asyncio.sleep(1.1)
    assert await sender.run_once() == 1
    texts = bot.texts(ADA)
    assert len(texts) == 2 and texts[1].startswith("Tip:")
    assert (await bot.core.outbox.counts("tip:"))["sent"] == 1


async def test_blocked_subscriber_is_paused_by_the_outbox(bot: Running) -> None:
    from sqlalchemy import update

    from bot.storage.tables import subscriptions

    bot.api.user_message("/subscribe 08:00")
    await bot.reply_to(ADA)
    async with bot.core.db.begin() as connection:
        await connection.execute(
            update(subscriptions).values(next_due_at=bot.core.services.clock.now() - timedelta(minutes=1))
        )
    await bot.core.dispatcher.tick()
    bot.api.fail_next("sendMessage", 403, chat_id=ADA)
    assert await bot.core.make_sender().run_once() == 1
    assert (await bot.core.outbox.counts("tip:"))["blocked"] == 1
    bot.api.user_message("/subscription")
    texts = await bot.reply_to(ADA, 2)
    assert "paused" in texts[1]
