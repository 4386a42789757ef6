"""The WhatsApp adapter end to end: the real webhook server and messenger serving a real core, with the
loopback Graph API stand-in (tests/auxil/whatsapp_server.py) playing WhatsApp: people write, press
buttons and pick list rows through signed webhooks; what the bot sends is what Meta would deliver."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from adapters.whatsapp.messenger import WhatsAppMessenger
from adapters.whatsapp.platform import WhatsAppPlatform
from adapters.whatsapp.server import WebhookServer
from adapters.whatsapp.settings import load as load_whatsapp_settings
from bot.app.wiring import Core
from bot.content.library import ContentLibrary
from bot.core.events import ChatRef
from bot.storage.tables import reply_windows, subscriptions
from tests.auxil.core import FakeClock, make_core
from tests.auxil.whatsapp_server import FakeGraphApi

SECRET = "app-secret-for-tests"
VERIFY = "verify-me-please"
PHONE_ID = "106540352242922"
TOKEN = "EAAtest-token"
ADA = "15551234567"
BEA = "34600111222"
JSON = dict[str, Any]


def whatsapp(api: FakeGraphApi, **settings: object) -> WhatsAppPlatform:
    values: dict[str, object] = {
        "whatsapp_token": TOKEN,
        "whatsapp_phone_number_id": PHONE_ID,
        "whatsapp_app_secret": SECRET,
        "whatsapp_verify_token": VERIFY,
        "whatsapp_api_base_url": api.base_url,
        "whatsapp_webhook_host": "127.0.0.1",
        "whatsapp_webhook_port": 0,
    }
    values.update(settings)
    return WhatsAppPlatform(load_whatsapp_settings(_env_file=None, **values))


@dataclass
class Running:
    api: FakeGraphApi
    core: Core
    platform: WhatsAppPlatform
    clock: FakeClock
    task: asyncio.Task[None]

    @property
    def server(self) -> WebhookServer:
        assert isinstance(self.platform.server, WebhookServer)
        return self.platform.server

    @property
    def url(self) -> str:
        return self.server.url

    async def write(self, text: str, wa_id: str = ADA, *, count: int | None = None) -> list[JSON]:
        """The person writes; wait for the bot's replies; every message sent to them so far."""
        before = len(self.api.sent_to(wa_id))
        assert await self.api.send_text(self.url, wa_id, text) == 200
        await self.server.idle()
        sent = self.api.sent_to(wa_id)
        assert len(sent) > before or count == 0, "the bot did not answer"
        return sent

    async def press(self, payload: str, kind: str = "button", wa_id: str = ADA) -> list[JSON]:
        assert await self.api.press(self.url, wa_id, payload, kind) == 200  # type: ignore[arg-type]
        await self.server.idle()
        return self.api.sent_to(wa_id)

    async def due_now(self) -> int:
        """Make every daily tip due and let the clock's job enqueue them."""
        async with self.core.db.begin() as connection:
            await connection.execute(
                update(subscriptions).values(next_due_at=self.clock.now() - timedelta(minutes=1))
            )
        return (await self.core.dispatcher.tick()).enqueued


def body(message: JSON) -> str:
    """What the person reads in one message: text, an interactive body, or a template's filled body."""
    match message["type"]:
        case "text":
            return str(message["text"]["body"])
        case "interactive":
            return str(message["interactive"]["body"]["text"])
        case "template":
            parameters = message["template"].get("components", [{}])[0].get("parameters", [])
            return " ".join(p["text"] for p in parameters)
    raise AssertionError(message["type"])


def options(message: JSON) -> list[tuple[str, str]]:
    """(title, id) of every button or list row in an interactive message."""
    action = message["interactive"]["action"]
    if message["interactive"]["type"] == "button":
        return [(b["reply"]["title"], b["reply"]["id"]) for b in action["buttons"]]
    return [(row["title"], row["id"]) for section in action["sections"] for row in section["rows"]]


@pytest.fixture
async def bot(tmp_path: Path, content: ContentLibrary, clock: FakeClock) -> AsyncIterator[Running]:
    async with FakeGraphApi(app_secret=SECRET, phone_number_id=PHONE_ID, access_token=TOKEN) as api:
        platform = whatsapp(api)
        core = await make_core(tmp_path, content, clock, platforms={"whatsapp": platform})
        platform.database = core.db
        task = asyncio.create_task(platform.serve(core))
        await asyncio.wait_for(platform.ready.wait(), 10)
        running = Running(api, core, platform, clock, task)
        try:
            yield running
        finally:
            assert not task.done(), task.exception()
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await core.close()


async def test_a_question_gets_its_answer(bot: Running) -> None:
    sent = await bot.write("someone got into my insta and changed the email what now")
    assert body(sent[0]).startswith("*What do I do if my account was hacked?*")
    assert "Sources:" in "\n".join(body(m) for m in bot.api.sent_to(ADA))
    assert all(call.token == TOKEN and call.phone_number_id == PHONE_ID for call in bot.api.calls)


async def test_topics_as_a_word_is_a_list_and_a_pick_leads_to_an_answer(bot: Running) -> None:
    [menu] = await bot.write("Topics")
    assert menu["type"] == "interactive" and menu["interactive"]["type"] == "list"
    assert menu["interactive"]["action"]["button"] == "Options"
    assert body(menu) == "What would you like help with? Pick a topic:"
    category = dict(options(menu))["Image abuse"]
    sent = await bot.press(category, "list")
    questions = sent[-1]
    assert questions["type"] == "interactive"
    _, payload = options(questions)[0]
    sent = await bot.press(payload, "list" if questions["interactive"]["type"] == "list" else "button")
    answer = "\n".join(body(m) for m in sent[2:])
    assert "Sources:" in answer


async def test_a_command_typed_with_a_slash_or_in_spanish_works_too(bot: Running) -> None:
    [tip] = await bot.write("/tip")
    assert body(tip).startswith("*Tip:*")
    sent = await bot.write("ayuda")
    assert "/forget" in body(sent[-1]) or "forget" in "\n".join(body(m) for m in sent[1:])


async def test_a_crisis_message_gets_help_first(bot: Running) -> None:
    sent = await bot.write("i dont want to be here anymore")
    text = body(sent[0])
    assert text.startswith("I'm really glad you told me.")
    assert "988" in text and "findahelpline.com" in text


async def test_a_forged_or_missing_signature_is_refused_and_the_body_not_logged(
    bot: Running, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secret_text = "my bank pin is 4321 help"
    assert await bot.api.send_text(bot.url, ADA, secret_text, secret="forged-secret") == 401
    assert await bot.api.send_text(bot.url, ADA, secret_text, signed=False) == 401
    await bot.server.idle()
    assert bot.api.sent == []
    assert secret_text not in caplog.text and "4321" not in caplog.text
    assert "refused a WhatsApp webhook: bad signature" in caplog.text
    assert "refused a WhatsApp webhook: no signature" in caplog.text


async def test_the_verification_handshake(bot: Running) -> None:
    assert await bot.api.verify(bot.url, VERIFY, "1158201444") == (200, "1158201444")
    status, _ = await bot.api.verify(bot.url, "a-guess", "1158201444")
    assert status == 403


async def test_a_replayed_message_is_handled_once(bot: Running) -> None:
    payload = bot.api._inbound(ADA, "Ada", {"type": "text", "text": {"body": "/tip"}})
    assert await bot.api.post_webhook(bot.url, payload) == 200
    assert await bot.api.post_webhook(bot.url, payload) == 200
    await bot.server.idle()
    assert len(bot.api.sent_to(ADA)) == 1


async def test_a_daily_tip_is_free_text_inside_the_window_and_a_template_outside(
    bot: Running, content: ContentLibrary
) -> None:
    sent = await bot.write("/subscribe 08:00 Europe/Madrid")
    assert body(sent[-1]).startswith("Done!")
    assert await bot.due_now() == 1
    assert await bot.core.make_sender().run_once() == 1
    inside = bot.api.sent_to(ADA)[-1]
    assert inside["type"] in ("text", "interactive")
    assert body(inside).startswith("*Tip:*")

    bot.clock.advance(hours=25)  # Ada has not written since: her window closed
    assert await bot.due_now() == 1
    assert await bot.core.make_sender().run_once() == 1
    outside = bot.api.sent_to(ADA)[-1]
    assert outside["type"] == "template"
    assert outside["template"]["name"] == "safetybot_daily_tip"
    assert outside["template"]["language"] == {"code": "en"}
    [parameter] = outside["template"]["components"][0]["parameters"]
    assert parameter["text"].startswith("*Tip:*") and "\n" not in parameter["text"]
    assert (await bot.core.outbox.counts("tip:"))["sent"] == 2

    await bot.write("thanks")  # she writes: the window opens again, for 24 hours
    bot.clock.advance(hours=23)  # the next day's tip
    assert await bot.due_now() == 1
    assert await bot.core.make_sender().run_once() == 1
    assert bot.api.sent_to(ADA)[-1]["type"] in ("text", "interactive")


async def test_a_spanish_subscriber_outside_the_window_gets_the_spanish_template(bot: Running) -> None:
    await bot.write("/language es", BEA)
    await bot.write("/subscribe 08:00 Europe/Madrid", BEA)
    bot.clock.advance(hours=30)
    assert await bot.due_now() == 1
    assert await bot.core.make_sender().run_once() == 1
    template = bot.api.sent_to(BEA)[-1]["template"]
    assert (template["name"], template["language"]["code"]) == ("safetybot_daily_tip", "es")
    assert body(bot.api.sent_to(BEA)[-1]).startswith("*Consejo:*")


async def test_meta_saying_the_window_closed_sends_the_template_instead(bot: Running) -> None:
    await bot.write("/subscribe 08:00")
    assert await bot.due_now() == 1
    bot.api.fail_next(131047)  # re-engagement required: the free text is refused
    assert await bot.core.make_sender().run_once() == 1
    assert bot.api.sent_to(ADA)[-1]["type"] == "template"
    async with bot.core.db.begin() as connection:
        assert (await connection.execute(select(reply_windows))).all() == []
    assert (await bot.core.outbox.counts("tip:"))["sent"] == 1


@pytest.mark.parametrize(
    ("code", "status"),
    [(130429, "retrying"), (131056, "retrying"), (131000, "retrying"), (131026, "blocked"), (100, "failed")],
)
async def test_cloud_api_errors_become_outbox_outcomes(bot: Running, code: int, status: str) -> None:
    await bot.write("/subscribe 08:00")
    assert await bot.due_now() == 1
    bot.api.fail_for(ADA, code)
    assert await bot.core.make_sender().run_once() == 1
    counts = await bot.core.outbox.counts("tip:")
    assert counts[status] == 1, counts
    if status == "retrying":  # retried later, and delivered once when Meta takes it
        bot.api.clear_failures()
        bot.clock.advance(minutes=20)
        assert await bot.core.make_sender().run_once() == 1
        assert (await bot.core.outbox.counts("tip:"))["sent"] == 1
        assert [body(m) for m in bot.api.sent_to(ADA)].count(body(bot.api.sent_to(ADA)[-1])) == 1


async def test_a_failed_status_for_an_undeliverable_number_pauses_the_chat(bot: Running) -> None:
    await bot.write("/subscribe 08:00")
    assert await bot.api.status(bot.url, "wamid.X", "failed", ADA, error_code=131026) == 200
    assert await bot.api.status(bot.url, "wamid.Y", "read", ADA) == 200
    await bot.server.idle()
    assert bot.server.statuses == {"failed": 1, "read": 1}
    settings = await bot.core.services.people.chat_settings(ChatRef("whatsapp", ADA))
    assert settings is not None and not settings.active


async def test_stop_is_honoured_at_send_time(bot: Running) -> None:
    await bot.write("/subscribe 08:00")
    assert await bot.due_now() == 1  # the tip is queued...
    before = len(bot.api.sent_to(ADA))
    sent = await bot.write("STOP")  # ...and Ada writes STOP before it goes
    confirmation = sent[before:]
    assert len(confirmation) == 1
    assert await bot.core.make_sender().run_once() in (0, 1)
    assert len(bot.api.sent_to(ADA)) == before + 1, "a tip went out after STOP"
    assert (await bot.core.outbox.counts("tip:"))["sent"] == 0


async def test_forget_deletes_the_reply_window(bot: Running) -> None:
    await bot.write("/subscribe 08:00")
    async with bot.core.db.begin() as connection:
        assert len((await connection.execute(select(reply_windows))).all()) == 1
    sent = await bot.write("forget")
    confirm = options(sent[-1])[0][1]
    await bot.press(confirm)
    async with bot.core.db.begin() as connection:
        assert (await connection.execute(select(reply_windows))).all() == []


async def test_the_messenger_is_registered_for_the_sender(bot: Running) -> None:
    assert isinstance(bot.core.messengers["whatsapp"], WhatsAppMessenger)
    rules = bot.platform.send_rules()
    assert (rules.per_second, rules.private_gap) == (80, 6.0)


async def test_a_spanish_speaker_gets_spanish_labels_around_the_buttons(bot: Running) -> None:
    await bot.write("/language es", BEA)
    [*_, menu] = await bot.write("temas", BEA)
    assert menu["interactive"]["type"] == "list"
    assert menu["interactive"]["action"]["button"] == "Opciones"
    assert "Abuso con imágenes ínti…" in [title for title, _ in options(menu)]  # cut to 24 characters


async def test_a_reply_that_failed_part_way_is_finished_not_doubled(bot: Running) -> None:
    from bot.core.messenger import RetryLater
    from bot.core.replies import Choice, Reply, rows

    messenger = bot.core.messengers["whatsapp"]
    assert isinstance(messenger, WhatsAppMessenger)
    reply = Reply("A long campaign message. " * 60, rows([Choice("Yes", "p:1"), Choice("No", "p:2")]))
    post = messenger.client.post

    async def then_throttled(payload: JSON) -> str:
        sent = await post(payload)
        bot.api.fail_next(130429)  # Meta's throughput limit hits the next message
        return sent

    messenger.client.post = then_throttled  # type: ignore[method-assign]
    with pytest.raises(RetryLater):
        await messenger.deliver(ChatRef("whatsapp", ADA), reply)
    messenger.client.post = post  # type: ignore[method-assign]
    # The outbox's retry renders the reply again: the same words, freshly signed buttons.
    again = Reply(reply.text, rows([Choice("Yes", "p:3"), Choice("No", "p:4")]))
    await messenger.deliver(ChatRef("whatsapp", ADA), again)
    kinds = [m["type"] for m in bot.api.sent_to(ADA)]
    assert kinds == ["text", "interactive"], kinds
    assert [payload for _, payload in options(bot.api.sent_to(ADA)[-1])] == ["p:3", "p:4"]


async def test_a_voice_note_gets_told_the_bot_reads_only_text_in_their_language(bot: Running) -> None:
    voice = {"type": "audio", "audio": {"id": "1234", "mime_type": "audio/ogg; codecs=opus", "voice": True}}
    assert await bot.api.post_webhook(bot.url, bot.api._inbound(ADA, "Ada", voice)) == 200
    reaction = {"type": "reaction", "reaction": {"message_id": "wamid.X", "emoji": "👍"}}
    assert await bot.api.post_webhook(bot.url, bot.api._inbound(ADA, "Ada", reaction)) == 200
    await bot.server.idle()
    [notice] = bot.api.sent_to(ADA)
    assert body(notice).startswith("I can only read text messages")
    await bot.write("/language es", BEA)
    assert await bot.api.post_webhook(bot.url, bot.api._inbound(BEA, "Bea", voice)) == 200
    await bot.server.idle()
    assert body(bot.api.sent_to(BEA)[-1]).startswith("Por ahora solo puedo leer mensajes de texto")


async def test_a_tip_that_fails_after_meta_took_it_is_sent_again_as_a_template(bot: Running) -> None:
    await bot.write("/subscribe 08:00")
    assert await bot.due_now() == 1
    assert await bot.core.make_sender().run_once() == 1
    free_text = bot.api.calls[-1]
    assert free_text.payload["type"] in ("text", "interactive") and free_text.message_id
    # Meta took it, then reports that the window had closed (re-engagement required).
    assert await bot.api.status(bot.url, free_text.message_id, "failed", ADA, error_code=131047) == 200
    await bot.server.idle()
    assert (await bot.core.outbox.counts("tip:"))["retrying"] == 1
    assert await bot.core.make_sender().run_once() == 1
    again = bot.api.sent_to(ADA)[-1]
    assert again["type"] == "template" and again["template"]["name"] == "safetybot_daily_tip"
    assert (await bot.core.outbox.counts("tip:"))["sent"] == 1


@pytest.mark.parametrize(("code", "status"), [(131000, "sent"), (131026, "failed"), (132001, "failed")])
async def test_a_failed_status_retries_or_settles_the_delivery(bot: Running, code: int, status: str) -> None:
    await bot.write("/subscribe 08:00")
    assert await bot.due_now() == 1
    assert await bot.core.make_sender().run_once() == 1
    message_id = bot.api.calls[-1].message_id
    assert message_id is not None
    assert await bot.api.status(bot.url, message_id, "failed", ADA, error_code=code) == 200
    await bot.server.idle()
    bot.clock.advance(seconds=11)  # a temporary error is tried again after Meta's wait
    await bot.core.make_sender().run_once()
    counts = await bot.core.outbox.counts("tip:")
    assert counts[status] == 1, counts
    tips = [m for m in bot.api.sent_to(ADA) if body(m).startswith("*Tip:*")]
    assert len(tips) == (2 if status == "sent" else 1)
    chat = await bot.core.services.people.chat_settings(ChatRef("whatsapp", ADA))
    assert chat is not None and chat.active is (code != 131026)


async def test_a_message_reaching_two_chat_processes_is_handled_once(bot: Running) -> None:
    other = whatsapp(bot.api)
    other.database = bot.core.db
    task = asyncio.create_task(other.serve(bot.core))
    try:
        await asyncio.wait_for(other.ready.wait(), 10)
        assert isinstance(other.server, WebhookServer)
        payload = bot.api._inbound(ADA, "Ada", {"type": "text", "text": {"body": "/tip"}})
        assert await bot.api.post_webhook(bot.url, payload) == 200
        await bot.server.idle()
        assert await bot.api.post_webhook(other.server.url, payload) == 200  # Meta's retry, elsewhere
        await other.server.idle()
        assert len(bot.api.sent_to(ADA)) == 1
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
