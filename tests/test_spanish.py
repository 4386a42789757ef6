"""Spanish end to end: language choice on every platform's stand-in, Spanish commands and words, a
Spanish challenge round, a Spanish daily tip, and content completeness (the held-out thresholds for
every language are in test_answers.py)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from sqlalchemy import update

from bot.app.wiring import Core, build_engine
from bot.content.library import ContentLibrary
from bot.content.reading import DEFAULT_CONTENT_DIR
from bot.core.events import ChatKind, ChatRef, TextMessage, UserRef
from bot.storage.tables import subscriptions
from bot.understanding.engine import AnswerEngine, AnswerKind
from tests.auxil.core import FakeClock, Person, private_person, text_of
from tests.auxil.processes import console_env
from tests.auxil.telegram_server import FakeBotApi
from tests.auxil.understanding import shared_understanding
from tests.test_discord_adapter import running_bot
from tests.test_telegram_adapter import ADA, start, stop

CLI = [sys.executable, "-m", "bot.cli"]


@pytest.fixture(scope="module")
def engine(content: ContentLibrary) -> AnswerEngine:
    return build_engine(content, shared_understanding(content))


def spanish_person(core: Core, clock: FakeClock, user_id: str = "2002") -> Person:
    return private_person(core, clock, user_id, name="Lucía", lang="es-419")


# --- answering ------------------------------------------------------------------------------------


def test_no_spanish_faq_phrasing_is_mistaken_for_a_crisis(
    engine: AnswerEngine, content: ContentLibrary
) -> None:
    ordinary = [text for entry in content.lang("es").faq for text in (entry.question, *entry.phrasings)]
    alarms = [text for text in ordinary if engine.crisis.detect(text, "es")]
    assert not alarms, alarms[:5]


def test_accents_do_not_matter(engine: AnswerEngine) -> None:
    with_accents = engine.answer("¿Cómo creo una contraseña segura?", "es")
    without = engine.answer("como creo una contrasena segura", "es")
    assert with_accents.kind is AnswerKind.ANSWER and with_accents.topic == "strong-passwords"
    assert (without.kind, without.topic) == (with_accents.kind, with_accents.topic)


def test_ask_lang_es_keeps_the_json_contract() -> None:
    result = subprocess.run(
        [*CLI, "ask", "--json", "--lang", "es", "me hackearon el insta y cambiaron la contraseña"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert set(record) == {"kind", "topic", "confidence", "alternatives", "text"}
    assert record["kind"] == "answer" and record["topic"] == "account-hacked"
    assert "cuenta" in record["text"].lower()


# --- choosing the language ------------------------------------------------------------------------


async def test_platform_locale_and_language_command(core: Core, clock: FakeClock) -> None:
    lucia = spanish_person(core, clock)
    assert text_of(await lucia.command("start")).startswith("¡Hola, Lucía!")
    assert "English" in text_of(await lucia.command("language", "en"))
    assert text_of(await lucia.command("help")).startswith("Here's what I can do")
    await lucia.command("idioma", "español")  # a Spanish command name and a typed language name work too
    assert text_of(await lucia.command("ayuda")).startswith("Esto es lo que puedo hacer")


async def test_free_text_language_is_detected_when_nothing_else_says(core: Core, clock: FakeClock) -> None:
    anonymous = UserRef("test", "3003", display_name="Sam", language_hint=None)
    chat = ChatRef("test", "3003", ChatKind.PRIVATE)

    async def say(text: str) -> str:
        return text_of(await core.conversation.handle(TextMessage(anonymous, chat, clock.now(), text)))

    spanish = await say("me llegó un mensaje del banco pidiendo mi clave, es una estafa?")
    # Spotting phishing or a bank impersonation, in Spanish.
    assert "Fuentes:" in spanish and ("phishing" in spanish.lower() or "banco" in spanish.lower())
    english = await say("i got a text from my bank asking for my password, is it a scam?")
    # Spotting phishing or a bank impersonation: an English answer, or an English question back.
    assert "Sources:" in english or "Is it about one of these?" in english
    unclear = await say("ok")  # too short to tell: the default language
    assert "sorry" in unclear.lower() or "Open /topics" in unclear


async def test_spanish_commands_and_argument_words(core: Core, clock: FakeClock) -> None:
    lucia = spanish_person(core, clock)
    done = text_of(await lucia.command("suscribir", "08:30", "Europe/Madrid", "Privacidad", "laborables"))
    assert done.startswith("¡Hecho!") and "08:30" in done and "Privacidad" in done
    shown = text_of(await lucia.command("suscripcion"))
    assert "Europe/Madrid" in shown and "lunes a viernes" in shown.lower()
    tip = text_of(await lucia.command("consejo", "privacidad"))
    assert tip.startswith("Consejo:")
    unknown = text_of(await lucia.command("consejo", "astrologia"))
    assert "privacidad" in unknown and "privacy" not in unknown


async def test_a_spanish_challenge_round(core: Core, clock: FakeClock, content: ContentLibrary) -> None:
    lucia = spanish_person(core, clock)
    round_start = await lucia.command("reto")
    first = text_of(round_start)
    spanish_items = {item.item.strip()[:40] for item in content.lang("es").challenges}
    assert any(start in first for start in spanish_items), first[:200]
    labels = [choice.label for item in round_start for choice in item.reply.flat_choices]
    assert labels == ["Confiable", "Manipulador"]
    verdict = text_of(await lucia.press_label(round_start, "Confiable"))
    assert verdict and "expired" not in verdict.lower()
    english_items = {item.item.strip()[:40] for item in content.lang("en").challenges}
    assert not any(start in verdict for start in english_items)


async def test_crisis_in_spanish_gets_spanish_resources_first(core: Core, clock: FakeClock) -> None:
    lucia = spanish_person(core, clock)
    (reply, *_) = await lucia.say("ya no quiero vivir, me quiero morir")
    assert "024" in reply.reply.text and "findahelpline.com" in reply.reply.text


# --- platforms --------------------------------------------------------------------------------------


async def test_telegram_speaks_spanish_and_delivers_a_spanish_daily_tip(
    tmp_path: Path, content: ContentLibrary
) -> None:
    async with FakeBotApi() as api:
        bot = await start(tmp_path, content, api)
        try:
            calls = api.calls_to("setMyCommands")
            spanish = next(
                call.params["commands"] for call in calls if call.params.get("language_code") == "es"
            )
            assert [command["command"] for command in spanish][:3] == ["inicio", "ayuda", "temas"]
            api.user_message("/inicio", language_code="es-419", first_name="Lucía")
            (welcome,) = await bot.reply_to(ADA)
            assert welcome.startswith("¡Hola, Lucía!")
            api.user_message("/suscribir 08:00 America/Mexico_City", language_code="es")
            texts = await bot.reply_to(ADA, 2)
            assert texts[1].startswith("¡Hecho!")
            async with bot.core.db.begin() as connection:
                await connection.execute(
                    update(subscriptions).values(
                        next_due_at=bot.core.services.clock.now() - timedelta(minutes=1)
                    )
                )
            assert (await bot.core.dispatcher.tick()).enqueued == 1
            assert await bot.core.make_sender().run_once() == 1
            tip = bot.texts(ADA)[2]
            assert tip.startswith("Consejo:")
            spanish_tips = {t.text[:30] for t in content.lang("es").tips}
            assert any(start in tip for start in spanish_tips)
        finally:
            await stop(bot)


async def test_discord_answers_in_the_interaction_locale(
    tmp_path: Path, content: ContentLibrary, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running_bot(tmp_path, content, monkeypatch) as bot:
        _, commands = bot.api.command_syncs[-1]
        subscribe = next(command for command in commands if command["name"] == "subscribe")
        assert subscribe["name_localizations"]["es-ES"] == "suscribir"
        assert subscribe["description_localizations"]["es-419"].startswith("Un consejo diario")
        asked = bot.api.slash("ask", {"question": "me están haciendo ciberacoso en el grupo"}, locale="es-ES")
        (answer,) = await bot.texts(asked)
        assert "acoso" in answer.lower() and "Fuentes:" in answer
        english = bot.api.slash("ask", {"question": "someone is bullying me in a group chat"}, locale="en-GB")
        (reply,) = await bot.texts(english)
        assert "Sources:" in reply


def test_console_follows_the_terminal_language(tmp_path: Path) -> None:
    env = console_env(tmp_path, LANG="es_MX.UTF-8")
    result = subprocess.run(
        [*CLI, "chat"], input="/inicio\n", capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert "¡Hola" in result.stdout


# --- completeness ---------------------------------------------------------------------------------


def test_check_reports_every_language_complete() -> None:
    result = subprocess.run(
        [*CLI, "content", "check", str(DEFAULT_CONTENT_DIR)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "en: complete" in result.stdout and "es: complete" in result.stdout


def test_check_fails_on_a_missing_spanish_topic_tip_and_command_name(tmp_path: Path) -> None:
    root = tmp_path / "content"
    shutil.copytree(DEFAULT_CONTENT_DIR, root)
    faq = root / "es" / "faq-accounts-scams-privacy.yaml"
    data = yaml.safe_load(faq.read_text())
    data["faq"] = [entry for entry in data["faq"] if entry["id"] != "strong-passwords"]
    faq.write_text(yaml.safe_dump(data, allow_unicode=True))
    tips = root / "es" / "tips.yaml"
    tip_data = yaml.safe_load(tips.read_text())
    tip_data["tips"] = [tip for tip in tip_data["tips"] if tip["id"] != "three-random-words"]
    tips.write_text(yaml.safe_dump(tip_data, allow_unicode=True))
    ui = root / "es" / "ui.yaml"
    ui.write_text(ui.read_text().replace("  reveal: revelar\n", ""))
    result = subprocess.run(
        [*CLI, "content", "check", str(root)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 1
    assert "es has no FAQ entry for catalog topic 'strong-passwords'" in result.stdout
    assert "missing tip 'three-random-words' (en has it" in result.stdout
    assert "missing command name for 'reveal'" in result.stdout
    found = re.search(
        r"^es: \d+% complete \(FAQ topics 46/47, .*tip ids 63/64, command names (\d+)/(\d+)",
        result.stdout,
        re.M,
    )
    assert found is not None and int(found.group(1)) == int(found.group(2)) - 1, "one command name missing"


async def test_campaign_drops_go_out_in_each_recipients_language_with_the_fallback(
    core: Core, clock: FakeClock, content: ContentLibrary
) -> None:
    from datetime import UTC, datetime

    from tests.auxil.messengers import RecordingMessenger
    from tests.test_campaigns import campaign, drain

    lucia, ada = spanish_person(core, clock, "2002"), private_person(core, clock, "1001")
    assert text_of(await lucia.command("suscribir", "07:00", "UTC")).startswith("¡Hecho!")
    assert text_of(await ada.command("subscribe", "07:00", "UTC")).startswith("Done!")
    spec = campaign(
        "name: Both\nschedule: {at: 2026-11-25T10:00, timezone: UTC}\nfallback_language: en\n"
        'messages: [{text: {en: "Hello", es: "Hola"}}]\n'
    )
    await core.services.campaigns.schedule(spec, created_by="test")
    spec = campaign(
        "name: English only\nschedule: {at: 2026-11-25T11:00, timezone: UTC}\nfallback_language: en\n"
        'messages: [{text: {en: "Only in English"}}]\n'
    )
    await core.services.campaigns.schedule(spec, created_by="test")
    spec = campaign(
        "name: A tip\nschedule: {at: 2026-11-25T12:00, timezone: UTC}\nfallback_language: en\n"
        "messages: [{tip: sid-report-misconduct}]\n"
    )
    await core.services.campaigns.schedule(spec, created_by="test")
    messenger = RecordingMessenger()
    for hour in (10, 11, 12):
        clock.current = datetime(2026, 11, 25, hour, 0, tzinfo=UTC)
        assert await core.campaign_runs.tick() == 2
        await drain(core, messenger)
    spanish, english = messenger.texts_to("2002"), messenger.texts_to("1001")
    assert spanish[:2] == ["Hola", "Only in English"] and english[:2] == ["Hello", "Only in English"]
    spanish_tip = next(t.text for t in content.lang("es").tips if t.id == "sid-report-misconduct")
    english_tip = next(t.text for t in content.lang("en").tips if t.id == "sid-report-misconduct")
    assert spanish_tip[:40] in spanish[2] and english_tip[:40] in english[2]


async def test_a_spanish_groups_daily_challenge_post_is_in_spanish(core: Core, clock: FakeClock) -> None:
    from tests.auxil.messengers import RecordingMessenger

    group = ChatRef("test", "-900", ChatKind.GROUP, sender_is_admin=True)
    admin = Person(core, clock, UserRef("test", "91", display_name="Ana", language_hint="es-ES"), group)
    done = text_of(await admin.command("reto", "diario", "09:30", "Europe/Madrid"))
    assert done.startswith("Hecho: publicaré aquí un reto cada día a las 09:30")
    clock.advance(days=1)
    assert await core.challenge_posts.tick() == 1
    messenger = RecordingMessenger()
    core.messengers[messenger.platform] = messenger
    assert await core.make_sender().run_once() == 1
    ((chat_id, reply),) = messenger.replies
    assert chat_id == "-900"
    assert [choice.label for choice in reply.flat_choices] == ["Confiable", "Manipulador", "Dejar de recibir"]
    assert "apagar" in text_of(await admin.command("reto", "diario", "mal")), "a clear usage message"
    assert (
        text_of(await admin.command("reto", "diario", "apagar"))
        == "Hecho: aquí ya no habrá más retos diarios."
    )


def test_console_without_a_language_follows_what_the_person_writes(tmp_path: Path) -> None:
    env = console_env(tmp_path, LANG="C.UTF-8")
    result = subprocess.run(
        [*CLI, "chat"],
        input="me hackearon la cuenta de instagram y cambiaron el correo\n1\n",
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    answer = result.stdout.split("¿Qué hago si me hackearon la cuenta?", 1)[1]
    _, then, _ = answer.split("Fuentes:")  # two answers, both in Spanish
    assert "[1] Verificación en dos pasos" in then
    assert "verificación en dos pasos" in then.split("[3]", 1)[1].lower()
    assert "Sources:" not in result.stdout
