"""What an attacker's test of the Telegram side found, each reproduction replayed against the real
python-telegram-bot Application and the loopback Bot API: typed links and formatting shown as literal
text, time-zone names that are folders or paths, message text kept out of the logs at every level, an
update the library cannot parse, lone surrogates, anonymous group admins and forum topics."""

from __future__ import annotations

import asyncio
import io
import logging
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.content.library import ContentLibrary
from bot.core.events import ChatKind, ChatRef
from tests.test_telegram_adapter import ADA, GROUP, Running, running_telegram

ADMIN = 2002
MEMBER = 2001
EVIL = "https://evil.example"
MASKED_LINK = re.compile(r"(?<!\\)\[[^\]]*(?<!\\)\]\(")
"""A Discord masked link whose brackets are not escaped."""


@pytest.fixture
async def bot(tmp_path: Path, content: ContentLibrary) -> AsyncIterator[Running]:
    async with running_telegram(tmp_path, content) as running:
        yield running


def _html(bot: Running, chat_id: int) -> list[str]:
    return [item["text"] for item in bot.api.sent_to(chat_id)]


async def test_a_typed_link_in_a_time_zone_is_shown_as_typed_never_as_a_link(bot: Running) -> None:
    api = bot.api
    api.set_admins(GROUP, [ADMIN])
    api.user_message(f"/subscribe [Verify]({EVIL}/g)", user_id=MEMBER, chat_id=GROUP, chat_type="supergroup")
    (refused,) = await bot.reply_to(GROUP)
    assert refused == "Only this group's admins can change its settings."
    api.user_message(f"/subscribe [Verify]({EVIL}/g)", user_id=ADMIN, chat_id=GROUP, chat_type="supergroup")
    texts = await bot.reply_to(GROUP, 2)
    assert texts[1].startswith(f'I don\'t know the time zone "[Verify]({EVIL}/g)"')
    assert all(
        "<a" not in sent and "evil.example" not in sent.split("[Verify](")[0] for sent in _html(bot, GROUP)
    )
    assert "href" not in _html(bot, GROUP)[1]


async def test_a_typed_link_after_tip_is_not_turned_into_a_link(bot: Running) -> None:
    bot.api.user_message(f"/tip [x]({EVIL}/tip)")
    (reply,) = await bot.reply_to(ADA)
    assert f"[x]({EVIL}/tip)" in reply
    assert "<a " not in _html(bot, ADA)[0]


@pytest.mark.parametrize(
    ("first_name", "shown"),
    [
        (f"[Claim prize]({EVIL}/p)", f"Hi [Claim prize]({EVIL}/p)!"),
        ("**Admin**", "Hi **Admin**!"),
        ("_Support_", "Hi _Support_!"),
        ("<b>Mod</b>", "Hi <b>Mod</b>!"),
    ],
)
async def test_names_are_greeted_as_literal_text(bot: Running, first_name: str, shown: str) -> None:
    bot.api.user_message(
        "/start", user_id=MEMBER, chat_id=GROUP, chat_type="supergroup", first_name=first_name
    )
    (welcome,) = await bot.reply_to(GROUP)
    assert welcome.startswith(shown)
    sent = _html(bot, GROUP)[0].split("\n")[0]
    assert "<a " not in sent and "<b>Admin" not in sent and "<i>" not in sent and "<b>Mod" not in sent


@pytest.mark.parametrize(
    "zone",
    ["America/Argentina", "America/Indiana", "America/Kentucky", "Europe/__pycache__", "Europe/" + "x" * 300],
)
async def test_folder_and_path_time_zones_get_the_friendly_answer_and_log_nothing(
    bot: Running, zone: str, logs_at_debug: io.StringIO
) -> None:
    bot.api.user_message(f"/subscribe 08:00 {zone}")
    (reply,) = await bot.reply_to(ADA)
    assert reply.startswith("I don't know the time zone")
    assert "Something went wrong" not in reply
    logged = logs_at_debug.getvalue()
    assert " WARNING " not in logged and " ERROR " not in logged and "Traceback" not in logged
    assert zone[:20] not in logged


async def test_daily_challenge_with_a_folder_time_zone_gets_its_usage_line(
    bot: Running, caplog: pytest.LogCaptureFixture
) -> None:
    bot.api.set_admins(GROUP, [ADMIN])
    bot.api.user_message(
        "/challenge daily 18:00 America/Kentucky", user_id=ADMIN, chat_id=GROUP, chat_type="supergroup"
    )
    (reply,) = await bot.reply_to(GROUP)
    assert reply.startswith("Use the 24-hour clock")
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]


async def test_debug_logging_never_carries_what_people_wrote(
    bot: Running, logs_at_debug: io.StringIO
) -> None:
    secret = "my-secret-question-about-sextortion"
    bot.api.user_message(f"what do I do {secret}", first_name="Zebedee-Private-Name")
    await bot.reply_to(ADA)
    bot.api.user_message(f"/subscribe 08:00 Europe/{secret}")
    await bot.reply_to(ADA, 2)
    await asyncio.sleep(0.2)
    logged = logs_at_debug.getvalue()
    assert secret not in logged
    assert "Zebedee-Private-Name" not in logged
    assert "123456:TEST-TOKEN" not in logged


async def test_an_update_the_library_cannot_parse_is_skipped_with_one_line_and_the_bot_goes_on(
    bot: Running, logs_at_debug: io.StringIO
) -> None:
    api = bot.api
    bad = api.user_message("placeholder")
    bad["message"].pop("text")
    bad["message"]["poll"] = {"id": "p1", "question": "a private poll question"}  # an older server's shape
    api.user_message("how do I spot a phishing email")
    (answer,) = await bot.reply_to(ADA)
    assert "phishing" in answer.lower()
    await asyncio.sleep(0.3)
    logged = logs_at_debug.getvalue()
    assert f"skipped update {bad['update_id']}: it could not be read (TypeError)" in logged
    assert "a private poll question" not in logged
    assert "how do I spot" not in logged
    assert len(logged) < 20_000, "the bad update must not be fetched again and again"
    assert len(api.sent_to(ADA)) == 1


async def test_a_lone_surrogate_from_someone_without_a_language_still_gets_an_answer(bot: Running) -> None:
    bot.api.user_message("is public wifi safe \ud800", language_code=None)  # type: ignore[arg-type]
    (reply,) = await bot.reply_to(ADA)
    assert reply


async def test_button_data_with_a_lone_surrogate_is_an_expired_button(bot: Running) -> None:
    bot.api.user_message("/tip")
    await bot.reply_to(ADA)
    bot.api.press_button("t:strong\ud800~~forged00")
    await bot.api.wait_for(lambda: len(bot.api.calls_to("answerCallbackQuery")) == 1)
    answer = bot.api.calls_to("answerCallbackQuery")[0].params
    assert answer["text"] == "Sorry, that button has expired. Type /topics or /help to start again."


async def test_an_anonymous_admin_can_change_the_groups_settings(bot: Running) -> None:
    bot.api.user_message("/language es", chat_id=GROUP, chat_type="supergroup", anonymous_admin=True)
    (done,) = await bot.reply_to(GROUP)
    assert done.startswith("Hecho")
    chat = ChatRef("telegram", str(GROUP), ChatKind.GROUP)
    stored = await bot.core.services.people.chat_settings(chat)
    assert stored is not None and stored.language == "es"
    assert not bot.api.calls_to("getChatMember"), "an anonymous admin is an admin without asking"


async def test_replies_in_a_forum_topic_stay_in_that_topic(bot: Running) -> None:
    api = bot.api
    api.user_message("/tip", chat_id=GROUP, chat_type="supergroup", thread_id=42)
    await bot.reply_to(GROUP)
    assert api.sent_to(GROUP)[0]["message_thread_id"] == 42
    api.user_message("/help", chat_id=GROUP, chat_type="supergroup")
    await bot.reply_to(GROUP, 2)
    assert "message_thread_id" not in api.sent_to(GROUP)[1]


async def test_discord_shows_a_typed_link_in_a_zone_and_a_crafted_name_as_literal_text(
    tmp_path: Path, content: ContentLibrary, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.test_discord_adapter import ADMIN as MANAGE
    from tests.test_discord_adapter import running_bot

    async with running_bot(tmp_path, content, monkeypatch) as discord_bot:
        api = discord_bot.api
        typed = api.slash(
            "subscribe", {"time": "08:00", "zone": f"[Verify]({EVIL}/g)"}, user_id=ADMIN, permissions=MANAGE
        )
        (refused,) = await discord_bot.replies(typed)
        assert refused.content.startswith("I don't know the time zone \"\\[Verify]")
        assert not MASKED_LINK.search(refused.content)
        named = api.slash("start", user_name=f"**[Claim prize]({EVIL}/p)**")
        (welcome,) = await discord_bot.replies(named)
        first_line = welcome.content.split("\n")[0]
        assert not MASKED_LINK.search(first_line)
        assert "**[" not in first_line, "the name's own asterisks are escaped"


def test_the_console_shows_a_crafted_name_as_typed(content: ContentLibrary) -> None:
    from bot.content.texts import Texts
    from bot.core.markup import plain_text

    said = Texts(content).say("en", "start.welcome", name=f"[Claim prize]({EVIL}/p) **now**")
    assert plain_text(said).startswith(f"Hi [Claim prize]({EVIL}/p) **now**!")
