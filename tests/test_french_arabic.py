"""French and Arabic end to end: the console, Telegram (menus, a daily tip, a challenge round, crisis help by
country), right-to-left text exactly as sent, Arabic folding and digits, Arabizi, asking which language,
campaign drops per language, and completeness."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from bot.content.library import ContentLibrary
from bot.content.reading import DEFAULT_CONTENT_DIR
from bot.core.bidi import LRI, PDI, RLM, is_rtl, isolate_runs
from bot.core.events import ChatKind, ChatRef, TextMessage, UserRef
from bot.core.folding import fold
from bot.core.markup import plain_text
from bot.storage.tables import subscriptions
from bot.understanding.transliteration import Transliterator
from tests.auxil.core import FakeClock, Person, labels_of, private_person, text_of
from tests.auxil.processes import console_env
from tests.auxil.telegram_server import FakeBotApi
from tests.test_telegram_adapter import ADA, start, stop

CLI = [sys.executable, "-m", "bot.cli"]


def person(core, clock: FakeClock, lang: str, user_id: str = "3003") -> Person:
    return private_person(core, clock, user_id, name="Sam", lang=lang)


# --- Arabic text: folding, digits, direction ------------------------------------------------------


def test_arabic_letters_and_digits_fold_as_people_type_them() -> None:
    assert fold("أنا مُتْعَبٌ جداً") == fold("انا متعب جدا") == "انا متعب جدا"
    assert fold("إنتحار") == fold("انتحار") and fold("على") == fold("علي") and fold("مكتبة") == fold("مكتبه")
    assert fold("مسـؤول") == "مسوول" and fold("٠٨:٣٠") == "08:30" and fold("Contraseña") == "contrasena"


def test_right_to_left_replies_get_marks_and_isolates_and_others_do_not() -> None:
    assert is_rtl("اتصل بـ 988 الآن") and not is_rtl("Call 988 now") and not is_rtl("Call Ahmed (أحمد) now")
    assert isolate_runs("اتصل بـ 988 (US) أو 1-800-668-6868.") == (
        f"اتصل بـ {LRI}988{PDI} ({LRI}US{PDI}) أو {LRI}1-800-668-6868{PDI}."
    )
    rendered = plain_text("**مرحبًا**\n\n- [Find A Helpline](https://findahelpline.com/): مجانًا")
    assert rendered == (
        f"{RLM}مرحبًا\n\n{RLM}• {LRI}Find A Helpline{PDI} ({LRI}https://findahelpline.com/{PDI}): مجانًا"
    )
    assert plain_text("- [Find A Helpline](https://findahelpline.com/): free") == (
        "• Find A Helpline (https://findahelpline.com/): free"
    )


def test_arabizi_is_written_back_in_arabic_script(content: ContentLibrary) -> None:
    written = Transliterator(content.lang("ar").ui.transliteration)
    assert written("ana mesh 3aref a3mel eh") == "انا مش عرف اعمل اه"
    assert written("call 988").endswith("988")


# --- language detection ----------------------------------------------------------------------------


async def test_arabizi_is_answered_in_arabic(core, clock: FakeClock) -> None:
    anonymous = UserRef("test", "7007", display_name="Sam", language_hint=None)
    chat = ChatRef("test", "7007", ChatKind.PRIVATE)
    event = TextMessage(anonymous, chat, clock.now(), "7ad 3amal hack 3la el insta beta3i, a3mel eh?")
    text = text_of(await core.conversation.handle(event))
    assert is_rtl(text), text[:120]


async def test_an_unclear_language_is_asked_and_the_question_answered_in_the_choice(
    core, clock: FakeClock, content: ContentLibrary
) -> None:
    anonymous = UserRef("test", "7008", display_name="Sam", language_hint=None)
    person_ = Person(core, clock, anonymous, ChatRef("test", "7008", ChatKind.PRIVATE))
    asked = await person_.say("hack insta compte help")
    names = [content.lang(code).ui.strings["language.name"] for code in content.shipped]
    assert labels_of(asked) == names
    for code in content.shipped:
        assert content.lang(code).ui.strings["language.which"] in text_of(asked)
    answered = await person_.press_label(asked, content.lang("fr").ui.strings["language.name"])
    text = text_of(answered)
    assert "Sources" in text or "Fuentes" in text or "Sources :" in text or "Source" in text
    assert text.splitlines()[0] == content.lang("fr").ui.strings["language.set"].format(language="Français")
    again = await person_.press_label(asked, content.lang("fr").ui.strings["language.name"])
    assert content.lang("fr").ui.strings["language.ask_again"] in text_of(again)  # held once, then gone


async def test_an_unclear_message_in_crisis_gets_help_not_a_language_question(core, clock: FakeClock) -> None:
    anonymous = UserRef("test", "7009", display_name="Sam", language_hint=None)
    person_ = Person(core, clock, anonymous, ChatRef("test", "7009", ChatKind.PRIVATE))
    text = text_of(await person_.say("wallah i want to kill myself tonight"))
    assert "findahelpline" in text.lower()


# --- French and Arabic on the platforms ------------------------------------------------------------


@pytest.mark.parametrize(("lang", "greeting"), [("fr_FR.UTF-8", "Salut"), ("ar_EG.UTF-8", "أهلًا")])
def test_console_speaks_the_terminal_language(lang: str, greeting: str, tmp_path: Path) -> None:
    result = subprocess.run(
        [*CLI, "chat"],
        input="/start\n",
        capture_output=True,
        text=True,
        timeout=180,
        env=console_env(tmp_path, LANG=lang),
    )
    assert result.returncode == 0, result.stderr
    assert greeting in result.stdout
    if lang.startswith("ar"):
        welcome = next(line for line in result.stdout.splitlines() if greeting in line)
        assert welcome.lstrip("> ").startswith(RLM)


async def test_telegram_in_french_and_arabic(tmp_path: Path, content: ContentLibrary) -> None:
    async with FakeBotApi() as api:
        bot = await start(tmp_path, content, api)
        try:
            menus = {
                call.params.get("language_code"): call.params["commands"]
                for call in api.calls_to("setMyCommands")
            }
            assert [c["command"] for c in menus["fr"]][:3] == ["demarrer", "aide", "sujets"]
            arabic = {c["command"]: c["description"] for c in menus["ar"]}
            assert "subscribe" in arabic and is_rtl(arabic["subscribe"])  # Latin names, Arabic descriptions
            api.user_message("/demarrer", language_code="fr", first_name="Léa")
            (welcome,) = await bot.reply_to(ADA)
            assert welcome.startswith("Salut Léa")
            api.user_message("/abonner 08:00 Europe/Paris", language_code="fr")
            texts = await bot.reply_to(ADA, 2)
            assert texts[1].startswith("C'est fait")
            async with bot.core.db.begin() as connection:
                now = bot.core.services.clock.now()
                await connection.execute(update(subscriptions).values(next_due_at=now - timedelta(minutes=1)))
            assert (await bot.core.dispatcher.tick()).enqueued == 1
            assert await bot.core.make_sender().run_once() == 1
            tip = bot.texts(ADA)[2]
            assert tip.startswith(content.lang("fr").ui.strings["tip.heading"])
            assert any(t.text[:30] in tip for t in content.lang("fr").tips)
        finally:
            await stop(bot)


async def test_telegram_arabic_text_is_sent_right_to_left_exactly(
    tmp_path: Path, content: ContentLibrary
) -> None:
    async with FakeBotApi() as api:
        bot = await start(tmp_path, content, api)
        try:
            api.user_message("/subscribe ٠٨:٣٠ Africa/Cairo", user_id=2002, language_code="ar")
            await api.wait_for_sent(2002, 1)
            text = api.sent_to(2002)[0]["text"]
            assert text.startswith(RLM) and f"{LRI}08:30{PDI}" in text and f"{LRI}Africa/Cairo{PDI}" in text
            assert all(line.startswith(RLM) for line in text.split("\n") if line)
        finally:
            await stop(bot)


async def test_an_arabic_crisis_reply_puts_the_persons_country_first(core, clock: FakeClock) -> None:
    egypt = person(core, clock, "ar-EG")
    text = text_of(await egypt.say("مش قادر أكمل، عايز أموت وأخلص"))
    assert "16000" in text and "1564" not in text  # Egypt's lines, not Lebanon's
    lebanon = person(core, clock, "ar-LB", user_id="3004")
    text = text_of(await lebanon.say("مش قادر أكمل، عايز أموت وأخلص"))
    assert "1564" in text


def bare(text: str) -> str:
    """Text without directional marks and isolates, spaces collapsed (to find an item in a reply)."""
    return " ".join(re.sub("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]", "", text).split())


async def test_an_arabic_challenge_round(core, clock: FakeClock, content: ContentLibrary) -> None:
    sam = person(core, clock, "ar")
    round_start = await sam.command("challenge")
    assert labels_of(round_start) == [
        content.lang("ar").ui.strings["button.reliable"],
        content.lang("ar").ui.strings["button.manipulative"],
    ]
    shown = bare(text_of(round_start))
    assert any(bare(plain_text(item.item))[:30] in shown for item in content.lang("ar").challenges)
    verdict = text_of(await sam.press_label(round_start, content.lang("ar").ui.strings["button.reliable"]))
    assert is_rtl(verdict) and "expired" not in verdict


async def test_french_answers_and_crisis_help(core, clock: FakeClock) -> None:
    lea = person(core, clock, "fr-FR")
    answer = text_of(await lea.say("on m'a piraté mon compte insta, je fais quoi ?"))
    assert "Sources" in answer
    crisis = text_of(await lea.say("je veux en finir, j'en peux plus"))
    assert "3114" in crisis and "findahelpline" in crisis.lower()


async def test_campaign_drops_in_french_and_arabic_with_the_fallback(core, clock: FakeClock) -> None:
    from tests.auxil.messengers import RecordingMessenger
    from tests.test_campaigns import campaign, drain

    lea, sam = person(core, clock, "fr", "4001"), person(core, clock, "ar", "4002")
    assert text_of(await lea.command("abonner", "07:00", "UTC")).startswith("C'est fait")
    assert text_of(await sam.command("subscribe", "07:00", "UTC"))
    spec = campaign(
        "name: Both\nschedule: {at: 2026-11-25T10:00, timezone: UTC}\nfallback_language: en\n"
        'messages: [{text: {en: "Hello", fr: "Bonjour"}}]\n'
    )
    await core.services.campaigns.schedule(spec, created_by="test")
    messenger = RecordingMessenger()
    clock.current = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    assert await core.campaign_runs.tick() == 2
    await drain(core, messenger)
    assert messenger.texts_to("4001") == ["Bonjour"] and messenger.texts_to("4002") == ["Hello"]


def test_completeness_fails_on_a_missing_arabic_string(tmp_path: Path) -> None:
    root = tmp_path / "content"
    shutil.copytree(DEFAULT_CONTENT_DIR, root)
    ui = root / "ar" / "ui.yaml"
    lines = [line for line in ui.read_text().splitlines() if not line.startswith("  checkin.glad:")]
    ui.write_text("\n".join(lines) + "\n")
    result = subprocess.run(
        [*CLI, "content", "check", str(root)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 1
    assert "missing string 'checkin.glad' (en has it)" in result.stdout
    assert "fr: complete" in result.stdout and "ar: complete" not in result.stdout
