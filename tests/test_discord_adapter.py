"""The Discord adapter end to end: the real discord.py client, logged in to a loopback REST API and
gateway (tests/auxil/discord_server.py), as server members would use it through slash commands and
buttons."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from adapters.discord.platform import DiscordPlatform
from adapters.discord.settings import load as load_discord_settings
from bot.app.wiring import Core
from bot.content.library import ContentLibrary
from bot.core.clock import SystemClock
from tests.auxil.core import make_core
from tests.auxil.discord_server import (
    CHANNEL_ID,
    DM_CHANNEL_ID,
    MANAGE_GUILD,
    MEMBER_PERMISSIONS,
    FakeDiscord,
    Posted,
    message_payload,
)

TOKEN = "MTAw.TEST.discord-token"
ADMIN = MEMBER_PERMISSIONS | MANAGE_GUILD


def plain(markdown: str) -> str:
    """What the person reads: markdown markers and escapes removed."""
    text = re.sub(r"\[([^\]]*)\]\(<[^>]*>\)", r"\1", markdown)
    text = text.replace("**", "")
    return re.sub(r"\\([\\*_~|`>#\-\[\]()])", r"\1", text)


@dataclass
class Running:
    api: FakeDiscord
    core: Core
    task: asyncio.Task[None]

    async def replies(self, interaction_id: int, count: int = 1) -> list[Posted]:
        await self.api.wait_for(
            lambda: len(self.api.replies_to(interaction_id)) >= count or self.task.done(),
            what=f"{count} replies to interaction {interaction_id}",
        )
        assert not self.task.done(), self.task.exception()
        return self.api.replies_to(interaction_id)

    async def texts(self, interaction_id: int, count: int = 1) -> list[str]:
        return [plain(item.content) for item in await self.replies(interaction_id, count)]

    def alive(self) -> bool:
        return not self.task.done()


async def launch(
    tmp_path: Path, content: ContentLibrary, ready: asyncio.Event | None, **values: object
) -> tuple[Core, DiscordPlatform]:
    """A core that knows Discord: the ``discord_*`` values are Discord's settings, the rest the core's."""
    ours: dict[str, object] = {"discord_bot_token": TOKEN}
    ours.update({name: value for name, value in values.items() if name.startswith("discord_")})
    rest = {name: value for name, value in values.items() if not name.startswith("discord_")}
    discord_platform = DiscordPlatform(
        load_discord_settings(_env_file=None, **ours), ready=ready, guild_ready_timeout=0.05
    )
    core = await make_core(tmp_path, content, SystemClock(), platforms={"discord": discord_platform}, **rest)
    return core, discord_platform


@contextlib.asynccontextmanager
async def running_bot(
    tmp_path: Path, content: ContentLibrary, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Running]:
    """The Discord adapter logged in to the loopback server, ready, and stopped afterwards."""
    async with FakeDiscord() as api:
        api.patch(monkeypatch)
        ready = asyncio.Event()
        core, discord_platform = await launch(tmp_path, content, ready)
        task = asyncio.create_task(discord_platform.serve(core))
        running = Running(api, core, task)
        try:
            waiter = asyncio.ensure_future(ready.wait())
            await asyncio.wait({task, waiter}, timeout=10, return_when=asyncio.FIRST_COMPLETED)
            waiter.cancel()
            assert not task.done(), task.exception()
            assert ready.is_set(), "the client never became ready"
            yield running
        finally:
            assert running.alive(), "the bot died during the test"
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await core.close()


@pytest.fixture
async def bot(
    tmp_path: Path, content: ContentLibrary, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Running]:
    async with running_bot(tmp_path, content, monkeypatch) as running:
        yield running


async def test_connects_and_syncs_its_commands(bot: Running) -> None:
    names = bot.api.command_names
    assert {"ask", "tip", "help", "subscribe", "topics", "language", "forget", "challenge"} <= set(names)
    guild, commands = bot.api.command_syncs[-1]
    assert guild is None
    ask = next(command for command in commands if command["name"] == "ask")
    assert ask["description"].startswith("Ask a safety question")
    assert [option["name"] for option in ask["options"]] == ["question"]
    assert all(1 <= len(command["description"]) <= 100 for command in commands)
    # Descriptions are localised from content for every Discord locale of a shipped language.
    assert ask["description_localizations"]["en-US"] == ask["description"]
    assert ask["description_localizations"]["en-GB"] == ask["description"]
    assert ask["options"][0]["description_localizations"]["en-US"] == "Your question, in your own words"
    assert ask["name_localizations"]["es-ES"] == "preguntar"
    assert ask["options"][0]["name_localizations"]["es-419"] == "pregunta"
    assert "en-US" not in ask["name_localizations"], "English names are the commands' own"
    (identify,) = bot.api.identified
    assert identify["intents"] == 1 | 4096, "guilds and direct messages only: no privileged intents"
    assert "discord" in bot.core.messengers


async def test_ask_answers_with_the_right_faq(bot: Running) -> None:
    interaction = bot.api.slash("ask", {"question": "my instagram got hacked"})
    (answer,) = await bot.texts(interaction)
    assert answer.startswith("What do I do if my account was hacked?")
    assert "Sources:" in answer
    posted = bot.api.replies_to(interaction)[0]
    assert "](<https://" in posted.content
    assert not posted.ephemeral
    assert all(len(item.content) <= 2000 for item in bot.api.posted)
    assert bot.api.callback_of(interaction)["type"] == 4


async def test_tip_and_another_tip_button(bot: Running) -> None:
    interaction = bot.api.slash("tip")
    (tip,) = await bot.texts(interaction)
    assert tip.startswith("Tip:")
    buttons = dict(bot.api.replies_to(interaction)[0].custom_ids)
    assert len(buttons["Another tip"].encode()) <= 100
    press = bot.api.press(buttons["Another tip"])
    (another,) = await bot.texts(press)
    assert another.startswith("Tip:")


async def test_stale_or_forged_button_is_answered_ephemerally(bot: Running) -> None:
    press = bot.api.press("t:strong-passwords~~forged00")
    (reply,) = await bot.replies(press)
    assert "that button has expired" in plain(reply.content)
    assert reply.ephemeral
    await asyncio.sleep(0.2)
    assert len(bot.api.replies_to(press)) == 1


async def test_subscribe_in_a_channel_needs_manage_server(bot: Running) -> None:
    refused = bot.api.slash("subscribe", {"time": "08:00"}, user_id=2001, permissions=MEMBER_PERMISSIONS)
    assert (await bot.texts(refused)) == ["Only this group's admins can change its settings."]
    allowed = bot.api.slash(
        "subscribe", {"time": "08:00", "zone": "Europe/Madrid"}, user_id=2002, permissions=ADMIN
    )
    (done,) = await bot.texts(allowed)
    assert done.startswith("Done!")


async def _subscribe_and_make_due(bot: Running) -> None:
    from sqlalchemy import update

    from bot.storage.tables import subscriptions

    interaction = bot.api.slash("subscribe", {"time": "08:00"}, user_id=2002, permissions=ADMIN)
    (done,) = await bot.texts(interaction)
    assert done.startswith("Done!")
    async with bot.core.db.begin() as connection:
        await connection.execute(
            update(subscriptions).values(next_due_at=bot.core.services.clock.now() - timedelta(minutes=1))
        )
    assert (await bot.core.dispatcher.tick()).enqueued == 1


async def test_daily_tip_goes_out_to_the_channel_through_the_outbox(bot: Running) -> None:
    await _subscribe_and_make_due(bot)
    assert await bot.core.make_sender().run_once() == 1
    (posted,) = bot.api.in_channel(CHANNEL_ID)
    assert plain(posted.content).startswith("Tip:")
    assert (await bot.core.outbox.counts("tip:"))["sent"] == 1


async def test_forbidden_channel_pauses_its_subscription(bot: Running) -> None:
    await _subscribe_and_make_due(bot)
    bot.api.fail_channel(CHANNEL_ID, 403)
    assert await bot.core.make_sender().run_once() == 1
    assert (await bot.core.outbox.counts("tip:"))["blocked"] == 1
    assert not bot.api.in_channel(CHANNEL_ID)
    # The admin who set the subscription (user 2002) is told in a DM.
    (notice,) = bot.api.in_channel(DM_CHANNEL_ID + 2002)
    assert plain(notice.content) == (
        f"I can no longer post the daily tips in <#{CHANNEL_ID}>, so they're paused. "
        "Give me permission to send messages there, then run /subscribe in it again."
    )
    interaction = bot.api.slash("subscription")
    (status,) = await bot.texts(interaction)
    assert "paused" in status


async def test_topics_buttons_lead_to_an_answer(bot: Running) -> None:
    interaction = bot.api.slash("topics")
    (intro,) = await bot.replies(interaction)
    rows = intro.components
    assert 1 <= len(rows) <= 5 and all(len(row["components"]) <= 5 for row in rows)
    category = dict(intro.custom_ids)["Image abuse"]
    press = bot.api.press(category)
    (listing,) = await bot.replies(press)
    _, topic = listing.custom_ids[0]
    answer = bot.api.press(topic)
    (text,) = await bot.texts(answer)
    assert "Sources:" in text


async def test_direct_message_is_a_private_chat(bot: Running) -> None:
    from bot.core.events import ChatKind, ChatRef, UserRef
    from tests.auxil.discord_server import DM_CHANNEL_ID

    interaction = bot.api.slash("language", {"code": "en"}, channel_id=None, user_id=3003)
    (done,) = await bot.texts(interaction)
    assert done == "Done: I'll speak English with you from now on."
    people = bot.core.services.people
    assert await people.language_of(UserRef("discord", "3003")) == "en"
    assert await people.chat_settings(ChatRef("discord", str(DM_CHANNEL_ID), ChatKind.GROUP)) is None


async def test_slow_core_is_deferred_then_followed_up(bot: Running, monkeypatch: pytest.MonkeyPatch) -> None:
    from adapters.discord import client

    monkeypatch.setattr(client, "ANSWER_WITHIN", 0)
    interaction = bot.api.slash("tip")
    (tip,) = await bot.replies(interaction)
    assert bot.api.callback_of(interaction)["type"] == 5
    assert tip.where == "followup" and plain(tip.content).startswith("Tip:")
    press = bot.api.press("t:strong-passwords~~forged00")
    (expired,) = await bot.replies(press)
    assert bot.api.callback_of(press)["type"] == 6
    assert expired.where == "followup" and expired.ephemeral


async def test_a_failing_interaction_is_logged_without_text_and_the_bot_goes_on(
    bot: Running, caplog: pytest.LogCaptureFixture
) -> None:
    bot.api.fail_callbacks.append(400)
    failed = bot.api.slash("ask", {"question": "my-private-words about scams"})
    await bot.api.wait_for(lambda: any(call.status == 400 for call in bot.api.calls), what="the failure")
    interaction = bot.api.slash("help")
    (help_text,) = await bot.texts(interaction)
    assert help_text.startswith("Here's what I can do")
    assert f"interaction {failed} failed" in caplog.text
    assert "my-private-words" not in caplog.text
    assert TOKEN not in caplog.text


async def test_messenger_maps_discord_errors(bot: Running) -> None:
    from bot.core.events import ChatKind, ChatRef
    from bot.core.messenger import DeliveryFailed, RecipientGone, RetryLater
    from bot.core.replies import Reply

    messenger = bot.core.messengers["discord"]
    chat = ChatRef("discord", str(CHANNEL_ID), ChatKind.GROUP)
    for status, error in (
        (404, RecipientGone),
        (403, RecipientGone),
        (503, RetryLater),
        (400, DeliveryFailed),
    ):
        bot.api.fail_channel(CHANNEL_ID, status)
        with pytest.raises(error):
            await messenger.deliver(chat, Reply("**Hello** _there_"))
    message_id = await messenger.deliver(chat, Reply("**Hello** _there_ 2*3"))
    (posted,) = bot.api.in_channel(CHANNEL_ID)
    assert message_id and posted.content == "**Hello** *there* 2\\*3"
    assert posted.raw["allowed_mentions"] == {"parse": []}


def test_language_hint_prefers_a_shipped_locale(content: ContentLibrary) -> None:
    from types import SimpleNamespace

    import discord

    from adapters.discord.inbound import language_hint

    def hint(locale: str, guild_locale: str | None) -> str | None:
        interaction = SimpleNamespace(
            locale=discord.Locale(locale), guild_locale=guild_locale and discord.Locale(guild_locale)
        )
        return language_hint(interaction, content)  # type: ignore[arg-type]

    assert hint("en-GB", "es-ES") == "en-GB"
    assert hint("es-ES", "en-US") == ("es-ES" if "es" in content.languages else "en-US")
    assert hint("ja", None) == ("ja" if "ja" in content.languages else None)


@pytest.mark.parametrize(
    ("shard_count", "shard_ids", "expected"),
    [(2, "0,1", [[0, 2], [1, 2]]), (4, "3", [[3, 4]])],
)
async def test_sharding_and_dev_guild_sync(
    tmp_path: Path,
    content: ContentLibrary,
    monkeypatch: pytest.MonkeyPatch,
    shard_count: int,
    shard_ids: str,
    expected: list[list[int]],
) -> None:
    from tests.auxil.discord_server import GUILD_ID

    async with FakeDiscord() as api:
        api.patch(monkeypatch)
        ready = asyncio.Event()
        core, discord_platform = await launch(
            tmp_path,
            content,
            ready,
            discord_shard_count=shard_count,
            discord_shard_ids=shard_ids,
            discord_dev_guild_id=GUILD_ID,
        )
        task = asyncio.create_task(discord_platform.serve(core))
        try:
            await api.wait_for(lambda: ready.is_set() or task.done(), what="ready")
            assert not task.done(), task.exception()
            assert sorted(item["shard"] for item in api.identified) == expected
            assert [guild for guild, _ in api.command_syncs] == [GUILD_ID]
            interaction = api.slash("tip")
            await api.wait_for(lambda: bool(api.replies_to(interaction)), what="a tip")
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await core.close()


async def test_flooding_member_gets_a_notice_then_a_silent_acknowledgement(
    tmp_path: Path, content: ContentLibrary, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with FakeDiscord() as api:
        api.patch(monkeypatch)
        ready = asyncio.Event()
        core, discord_platform = await launch(tmp_path, content, ready, safetybot_flood_limit_per_minute=1)
        task = asyncio.create_task(discord_platform.serve(core))
        try:
            await api.wait_for(lambda: ready.is_set() or task.done(), what="ready")
            first = api.slash("tip")
            await api.wait_for(lambda: bool(api.replies_to(first)), what="the tip")
            second = api.slash("tip")
            await api.wait_for(lambda: bool(api.replies_to(second)), what="the notice")
            assert plain(api.replies_to(second)[0].content).startswith("You're sending messages very fast")
            third = api.slash("tip")
            await api.wait_for(
                lambda: any(c.method == "DELETE" and f"token-{third}" in c.path for c in api.calls),
                what="the silent acknowledgement",
            )
            assert api.callback_of(third)["type"] == 5
            assert not api.replies_to(third)
            assert not task.done()
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await core.close()


async def test_challenge_in_a_channel_answered_ephemerally_once_per_member(bot: Running) -> None:
    posted = bot.api.slash("challenge")
    (item,) = await bot.replies(posted)
    assert not item.ephemeral, "the channel's item is for everyone"
    buttons = dict(bot.api.replies_to(posted)[0].custom_ids)
    assert set(buttons) == {"Reliable", "Manipulative"}
    first = bot.api.press(buttons["Reliable"], user_id=2001)
    (vote,) = await bot.replies(first)
    assert vote.ephemeral and plain(vote.content).startswith("Got it: you said Reliable.")
    again = bot.api.press(buttons["Manipulative"], user_id=2001)
    (repeat,) = await bot.replies(again)
    assert repeat.ephemeral and plain(repeat.content) == "You already answered this one."
    other = bot.api.press(buttons["Manipulative"], user_id=2002, user_name="Grace")
    (second_vote,) = await bot.replies(other)
    assert second_vote.ephemeral
    refused = bot.api.slash("reveal", user_id=2002, permissions=MEMBER_PERMISSIONS)
    assert (await bot.texts(refused)) == ["Only this group's admins can reveal the answer early."]
    revealed = bot.api.slash("reveal", user_id=2003, permissions=ADMIN)
    (reveal,) = await bot.texts(revealed)
    assert reveal.startswith("The answer: ")
    assert "How the group voted: Reliable 1, Manipulative 1. 1 of 2 got it right." in reveal


async def test_private_challenge_round_in_a_dm(bot: Running) -> None:
    started = bot.api.slash("challenge", channel_id=None, user_id=3004)
    (item,) = await bot.texts(started)
    assert item
    buttons = dict(bot.api.replies_to(started)[0].custom_ids)
    press = bot.api.press(buttons["Reliable"], channel_id=None, user_id=3004)
    feedback = (await bot.texts(press))[0]
    assert feedback.startswith(("✅ Right: this one is reliable.", "❌ Not quite: this one is manipulative"))


async def test_sender_process_posts_without_a_gateway_connection(
    tmp_path: Path, content: ContentLibrary, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`run --role sender`: Discord's HTTP API only, no gateway, no command sync."""
    from bot.core.events import ChatKind, ChatRef
    from bot.core.replies import Reply

    async with FakeDiscord() as api:
        api.patch(monkeypatch)
        core, discord_platform = await launch(tmp_path, content, None)
        try:
            async with discord_platform.outbox_messenger() as messenger:
                chat = ChatRef("discord", str(CHANNEL_ID), ChatKind.GROUP)
                assert await messenger.deliver(chat, Reply("A **tip** from the sender"))
        finally:
            await core.close()
        (posted,) = api.in_channel(CHANNEL_ID)
        assert posted.content == "A **tip** from the sender"
        assert not api.identified, "a sender process must not open the gateway"
        assert not api.command_syncs


async def test_a_direct_message_is_answered_and_a_crisis_gets_help_first(bot: Running) -> None:
    bot.api.direct_message("my instagram got hacked and they changed the email")
    await bot.api.wait_for(lambda: bool(bot.api.in_channel(DM_CHANNEL_ID)), what="an answer in the DM")
    (answer,) = bot.api.in_channel(DM_CHANNEL_ID)
    assert plain(answer.content).startswith("What do I do if my account was hacked?")
    bot.api.direct_message("ya no quiero vivir")

    def crisis_text() -> str:
        return "\n".join(plain(item.content) for item in bot.api.in_channel(DM_CHANNEL_ID)[1:])

    await bot.api.wait_for(lambda: "findahelpline.com" in crisis_text(), what="crisis help")
    assert crisis_text().startswith("Me alegra mucho que me lo hayas contado"), "in Spanish, care first"
    assert "024" in crisis_text()
    sent = len(bot.api.posted)
    while True:  # the crisis reply may still be arriving in pieces
        await asyncio.sleep(0.2)
        if len(bot.api.posted) == sent:
            break
        sent = len(bot.api.posted)
    bot.api.dispatch("MESSAGE_CREATE", message_payload(1, DM_CHANNEL_ID, bot.api.bot_user, "echo"))
    await asyncio.sleep(0.2)
    assert len(bot.api.posted) == sent, "the bot never answers its own messages"
