"""The Bot API stand-in, driven by python-telegram-bot's own ``telegram.Bot`` over real HTTP."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp
import pytest
import telegram
from aiohttp import web
from telegram import error
from telegram.ext import Application, CommandHandler, ContextTypes

from tests.auxil.telegram_server import FakeBotApi

TOKEN = "123:TEST"


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    server = FakeBotApi()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def bot(api: FakeBotApi) -> AsyncIterator[telegram.Bot]:
    async with telegram.Bot(token=TOKEN, base_url=api.base_url) as client:
        yield client


@pytest.fixture
def ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without it, PTB 22.8 warns (an error here) while building RetryAfter and similar objects."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


async def test_get_me_and_context_manager() -> None:
    async with FakeBotApi(bot_username="other_bot", bot_id=42) as api:
        assert api.base_url.startswith("http://127.0.0.1:")
        async with telegram.Bot(token=TOKEN, base_url=api.base_url) as client:
            me = await client.get_me()
        assert (me.id, me.username, me.is_bot) == (42, "other_bot", True)
        assert me.can_read_all_group_messages is False
        assert api.calls_to("getMe")[0].token == TOKEN


async def test_send_message_with_inline_keyboard(api: FakeBotApi, bot: telegram.Bot) -> None:
    keyboard = telegram.InlineKeyboardMarkup([[telegram.InlineKeyboardButton("Yes", callback_data="yes")]])
    first = await bot.send_message(
        chat_id=1001, text="Hello *you*", reply_markup=keyboard, parse_mode="Markdown"
    )
    second = await bot.send_message(chat_id=1001, text="Again")

    assert (first.message_id, first.text, first.chat.type) == (1, "Hello *you*", "private")
    assert second.message_id == 2
    assert first.from_user is not None and first.from_user.id == api.bot_id
    assert abs(first.date.timestamp() - time.time()) < 5
    assert first.reply_markup == keyboard
    assert api.sent_to(1001)[0] == {
        "chat_id": 1001,
        "text": "Hello *you*",
        "parse_mode": "Markdown",
        "reply_markup": {"inline_keyboard": [[{"text": "Yes", "callback_data": "yes"}]]},
        "message_id": 1,
    }
    assert api.calls_to("sendMessage")[1].params == {"chat_id": 1001, "text": "Again"}


async def test_commands_are_decoded_and_scoped(api: FakeBotApi, bot: telegram.Bot) -> None:
    await bot.set_my_commands([telegram.BotCommand("start", "Begin"), telegram.BotCommand("help", "Help")])
    await bot.set_my_commands([("tip", "Daily tip")], scope=telegram.BotCommandScopeAllGroupChats())

    params = api.calls_to("setMyCommands")[0].params
    assert params["commands"] == [
        {"command": "start", "description": "Begin"},
        {"command": "help", "description": "Help"},
    ]
    assert api.calls_to("setMyCommands")[1].params["scope"] == {"type": "all_group_chats"}
    assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]
    await bot.delete_my_commands()
    assert await bot.get_my_commands() == ()


async def test_get_updates_parses_command_and_confirms_offset(api: FakeBotApi, bot: telegram.Bot) -> None:
    api.user_message("/start@safetybot_test_bot hello")
    api.user_message("second")

    updates = await bot.get_updates(timeout=1)
    assert [u.update_id for u in updates] == [1, 2]
    message = updates[0].message
    assert message is not None and message.text == "/start@safetybot_test_bot hello"
    assert message.entities[0].type == "bot_command"
    assert message.parse_entity(message.entities[0]) == "/start@safetybot_test_bot"
    assert message.chat.id == message.from_user.id == 1001

    assert [u.update_id for u in await bot.get_updates(offset=2, limit=1)] == [2]
    assert await bot.get_updates(offset=3) == ()
    assert api.calls_to("getUpdates")[0].params == {"timeout": 1}


async def test_long_poll_returns_early_when_an_update_arrives(api: FakeBotApi, bot: telegram.Bot) -> None:
    async def push_later() -> None:
        await asyncio.sleep(0.2)
        api.user_message("hi")

    started = time.monotonic()
    updates, _ = await asyncio.gather(bot.get_updates(timeout=5), push_later())
    assert [u.message.text for u in updates] == ["hi"]
    assert time.monotonic() - started < 2


async def test_long_poll_times_out_empty(bot: telegram.Bot) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=timedelta(milliseconds=300)) == ()
    assert 0.25 < time.monotonic() - started < 2


async def test_group_message_with_mention_and_reply(api: FakeBotApi, bot: telegram.Bot) -> None:
    sent = await bot.send_message(chat_id=-500, text="Question?")
    api.user_message(
        "🙂 hey @safetybot_test_bot", chat_id=-500, chat_type="group", reply_to_bot_message_id=sent.message_id
    )

    (update,) = await bot.get_updates()
    message = update.message
    assert message.chat.type == "group" and message.chat.title
    assert message.parse_entities() == {message.entities[0]: "@safetybot_test_bot"}
    assert message.reply_to_message.text == "Question?"
    assert message.reply_to_message.from_user.id == api.bot_id
    assert message.message_id > sent.message_id
    assert (await bot.send_message(chat_id=-500, text="Answer")).chat.type == "group"


async def test_callback_query_carries_an_accessible_message(api: FakeBotApi, bot: telegram.Bot) -> None:
    keyboard = telegram.InlineKeyboardMarkup([[telegram.InlineKeyboardButton("Tip", callback_data="tip")]])
    await bot.send_message(chat_id=1001, text="Pick one", reply_markup=keyboard)
    api.press_button("tip")

    (update,) = await bot.get_updates()
    query = update.callback_query
    assert query.data == "tip"
    assert isinstance(query.message, telegram.Message)
    assert query.message.text == "Pick one" and query.message.message_id == 1
    assert query.message.reply_markup == keyboard
    assert await bot.answer_callback_query(query.id, text="Done")
    assert api.calls_to("answerCallbackQuery")[0].params == {"callback_query_id": query.id, "text": "Done"}


async def test_edit_and_delete(api: FakeBotApi, bot: telegram.Bot) -> None:
    keyboard = telegram.InlineKeyboardMarkup([[telegram.InlineKeyboardButton("A", callback_data="a")]])
    sent = await bot.send_message(chat_id=7, text="Old", reply_markup=keyboard)
    edited = await bot.edit_message_text("New", chat_id=7, message_id=sent.message_id)
    assert (edited.text, edited.reply_markup) == ("New", None)
    marked = await bot.edit_message_reply_markup(chat_id=7, message_id=sent.message_id, reply_markup=keyboard)
    assert marked.reply_markup == keyboard

    api.press_button("a", user_id=7)
    (update,) = await bot.get_updates()
    assert update.callback_query.message.text == "New"
    assert await bot.delete_message(chat_id=7, message_id=sent.message_id)
    assert await bot.send_chat_action(chat_id=7, action="typing")


@pytest.mark.usefixtures("ptb_timedelta")
async def test_retry_after(api: FakeBotApi, bot: telegram.Bot) -> None:
    api.fail_next("sendMessage", 429, retry_after=2)
    with pytest.raises(error.RetryAfter) as caught:
        await bot.send_message(chat_id=1001, text="too fast")
    retry_after = caught.value.retry_after
    assert retry_after == (timedelta(seconds=2) if isinstance(retry_after, timedelta) else 2)

    assert api.sent == []
    assert api.calls_to("sendMessage")[0].failed
    assert (await bot.send_message(chat_id=1001, text="later")).text == "later"
    assert [m["text"] for m in api.sent] == ["later"]


async def test_forbidden_only_for_the_given_chat(api: FakeBotApi, bot: telegram.Bot) -> None:
    api.fail_next("sendMessage", 403, chat_id=2002)
    await bot.send_message(chat_id=1001, text="fine")
    with pytest.raises(error.Forbidden, match="blocked"):
        await bot.send_message(chat_id=2002, text="blocked")
    await bot.send_message(chat_id=2002, text="unblocked")
    assert [m["text"] for m in api.sent] == ["fine", "unblocked"]


async def test_server_errors_and_bad_requests(api: FakeBotApi, bot: telegram.Bot) -> None:
    api.fail_next("sendMessage", 500, times=2)
    for _ in range(2):
        with pytest.raises(error.NetworkError):
            await bot.send_message(chat_id=1001, text="x")
    api.fail_next("editMessageText", 400, description="Bad Request: message is not modified")
    with pytest.raises(error.BadRequest, match="not modified"):
        await bot.edit_message_text("x", chat_id=1001, message_id=1)
    assert (await bot.send_message(chat_id=1001, text="ok")).message_id == 1


async def test_unknown_method_is_404(bot: telegram.Bot) -> None:
    with pytest.raises(error.EndPointNotFound):
        await bot.do_api_request("no_such_method")


async def test_raw_form_post_and_missing_parameter(api: FakeBotApi) -> None:
    async with aiohttp.ClientSession() as session:
        url = f"{api.base_url}{TOKEN}/sendMessage"
        async with session.post(url, data={"chat_id": "-5", "disable_notification": "true"}) as response:
            assert response.status == 400
            body = await response.json()
    assert body == {"ok": False, "error_code": 400, "description": "Bad Request: text is empty"}
    (call,) = api.calls
    assert (call.params, call.failed) == ({"chat_id": -5, "disable_notification": True}, True)


async def test_chat_members(api: FakeBotApi, bot: telegram.Bot) -> None:
    api.set_admins(-500, [10, 11])
    api.user_message("hi", user_id=12, chat_id=-500, chat_type="supergroup", first_name="Grace")

    owner = await bot.get_chat_member(-500, 10)
    admin = await bot.get_chat_member(-500, 11)
    member = await bot.get_chat_member(-500, 12)
    assert isinstance(owner, telegram.ChatMemberOwner)
    assert isinstance(admin, telegram.ChatMemberAdministrator) and admin.can_delete_messages
    assert isinstance(member, telegram.ChatMemberMember) and member.user.first_name == "Grace"
    assert len(api.calls_to("getChatMember")) == 3
    assert [m.user.id for m in await bot.get_chat_administrators(-500)] == [10, 11]

    chat = await bot.get_chat(-500)
    assert (chat.id, chat.type) == (-500, "supergroup")


async def test_blocked_by_user(api: FakeBotApi, bot: telegram.Bot) -> None:
    api.my_chat_member_blocked(1001)
    (update,) = await bot.get_updates()
    assert update.my_chat_member.new_chat_member.status == "kicked"


async def test_webhook_delivery(api: FakeBotApi, bot: telegram.Bot) -> None:
    received: list[tuple[str | None, dict]] = []

    async def receive(request: web.Request) -> web.Response:
        received.append((request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json()))
        return web.Response()

    app = web.Application()
    app.router.add_post("/hook", receive)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
        assert await bot.set_webhook(url, secret_token="s3cret", allowed_updates=["message"])
        assert (await bot.get_webhook_info()).url == url
        with pytest.raises(error.Conflict):
            await bot.get_updates()

        update = api.user_message("via webhook")
        assert await api.deliver_webhook(update) == 200
        assert received == [("s3cret", update)]
        assert telegram.Update.de_json(received[0][1], bot).message.text == "via webhook"

        assert await bot.delete_webhook(drop_pending_updates=True)
        assert (api.webhook_url, await bot.get_updates()) == (None, ())
    finally:
        await runner.cleanup()


async def test_wait_helpers(api: FakeBotApi, bot: telegram.Bot) -> None:
    async def send_later() -> None:
        await asyncio.sleep(0.05)
        await bot.send_message(chat_id=5, text="one")
        await bot.send_message(chat_id=5, text="two")

    sent, _ = await asyncio.gather(api.wait_for_sent(5, count=2), send_later())
    assert [m["text"] for m in sent] == ["one", "two"]

    with pytest.raises(AssertionError, match=r"3 message\(s\) to chat 5 .*sendMessage"):
        await api.wait_for_sent(5, count=3, timeout=0.05)


async def test_a_polling_application_round_trip(api: FakeBotApi) -> None:
    async def start(update: telegram.Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.effective_message.reply_text(f"Hi {update.effective_user.first_name}")

    app = Application.builder().token(TOKEN).base_url(api.base_url).build()
    app.add_handler(CommandHandler("start", start))
    started = time.monotonic()
    async with app:
        await app.updater.start_polling(poll_interval=0, timeout=timedelta(seconds=5))
        await app.start()
        api.user_message("/start")
        (reply,) = await api.wait_for_sent(1001)
        await app.updater.stop()
        await app.stop()
    assert reply["text"] == "Hi Ada"
    assert api.calls_to("deleteWebhook") and api.calls_to("getUpdates")[-1].params["offset"] == 2
    assert time.monotonic() - started < 3
