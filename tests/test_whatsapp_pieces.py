"""The WhatsApp pieces around the adapter: migration 0010 and the reply windows, the message templates as
content (checked by ``content check``, written out for Meta), the settings, and commands typed as words."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import bindparam, inspect, text

from adapters.whatsapp.inbound import command_names, to_event
from adapters.whatsapp.platform import WhatsAppPlatform
from adapters.whatsapp.settings import load as load_whatsapp_settings
from adapters.whatsapp.templates import TemplateBook, for_meta, parameter
from adapters.whatsapp.webhook import InboundPress, InboundText
from bot.app.settings import SettingsError
from bot.content.library import ContentLibrary
from bot.content.message_templates import MAX_BODY, fill
from bot.content.reading import DEFAULT_CONTENT_DIR
from bot.core.events import ButtonPress, ChatRef, Command, TextMessage
from bot.storage.db import Database
from bot.storage.inbound_seen import InboundSeen
from bot.storage.reply_windows import ReplyWindows
from bot.storage.tables import UtcDateTime
from tests.auxil.migrations import database_urls, migrate

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
CLI = [sys.executable, "-m", "bot.cli"]


# --- migration 0010 and the repository -------------------------------------------------------------


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_0010_adds_reply_windows_and_takes_them_away(backend: str, tmp_path: Path) -> None:
    urls = database_urls(tmp_path)
    if backend == "postgresql":
        await anext(urls)
    db = Database(await anext(urls))
    try:
        async with db.engine.begin() as connection:
            await connection.run_sync(migrate, "0009")
            await connection.execute(
                text(
                    "INSERT INTO chats (id, platform, platform_chat_id, kind, active, created_at) "
                    "VALUES (1, 'whatsapp', '15551234567', 'private', true, :stamp)"
                ).bindparams(bindparam("stamp", type_=UtcDateTime())),
                {"stamp": NOW},
            )
            await connection.run_sync(migrate, "0010")
            tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
            assert "reply_windows" in tables
            indexes = await connection.run_sync(lambda sync: inspect(sync).get_indexes("deliveries"))
            assert "ix_deliveries_platform_message_id" in {index["name"] for index in indexes}
            assert "inbound_seen" in tables
        windows = ReplyWindows(db)
        ada, nobody = ChatRef("whatsapp", "15551234567"), ChatRef("whatsapp", "000")
        assert await windows.heard_from(ada, NOW)
        assert not await windows.heard_from(nobody, NOW), "a chat that is not stored gets no row"
        assert await windows.heard_from(ada, NOW - timedelta(hours=1))  # an older time does not win
        assert await windows.last_heard(ada) == NOW
        assert await windows.heard_from(ada, NOW + timedelta(hours=2))
        assert await windows.last_heard(ada) == NOW + timedelta(hours=2)
        assert await windows.last_heard(nobody) is None
        await windows.close(ada)
        assert await windows.last_heard(ada) is None
        assert await windows.heard_from(ada, NOW)
        async with db.engine.begin() as connection:
            await connection.execute(text("DELETE FROM chats WHERE id = 1"))
        assert await windows.last_heard(ada) is None, "the window goes with its chat (/forget)"
        seen = InboundSeen(db)
        assert await seen.first_time("whatsapp", "wamid.A", NOW)
        assert not await seen.first_time("whatsapp", "wamid.A", NOW + timedelta(hours=1))
        assert await seen.first_time("telegram", "wamid.A", NOW), "ids are per platform"
        async with db.engine.begin() as connection:
            await connection.run_sync(migrate, "0009", down=True)
            tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
            assert "reply_windows" not in tables
            indexes = await connection.run_sync(lambda sync: inspect(sync).get_indexes("deliveries"))
            assert "ix_deliveries_platform_message_id" not in {index["name"] for index in indexes}
            assert "inbound_seen" not in tables
            await connection.run_sync(migrate, "0010")
    finally:
        await db.close()
        await urls.aclose()


# --- templates -------------------------------------------------------------------------------------


def test_every_language_has_both_templates_under_the_same_names(content: ContentLibrary) -> None:
    book = TemplateBook(content)
    for lang in ("en", "es", "fr", "ar"):
        for kind, name in (("daily_tip", "safetybot_daily_tip"), ("campaign", "safetybot_campaign")):
            template = book.get(lang, kind)
            assert template is not None and (template.name, template.language) == (name, lang)
    assert book.get("xx", "daily_tip") == book.get("en", "daily_tip"), "unknown languages get the default's"


def test_a_parameter_is_one_line_and_the_filled_body_fits(content: ContentLibrary) -> None:
    template = TemplateBook(content).get("en", "daily_tip")
    assert template is not None
    value = parameter(template, "**Tip:** line one\n\nline two")
    assert value == "*Tip:* line one line two"
    assert fill(template, [value]).startswith("Your daily online safety tip:\n\n*Tip:* line one")
    long = parameter(template, "word " * 400)
    assert long.endswith("…") and len(fill(template, [long])) <= MAX_BODY


def test_templates_are_written_out_as_metas_api_takes_them(content: ContentLibrary) -> None:
    template = TemplateBook(content).get("fr", "campaign")
    assert template is not None
    submitted = for_meta(template)
    assert submitted["name"] == "safetybot_campaign" and submitted["language"] == "fr"
    assert submitted["category"] == "MARKETING"
    body, footer = submitted["components"]
    assert body["type"] == "BODY" and "{{1}}" in body["text"]
    assert len(body["example"]["body_text"][0]) == 1
    assert footer == {"type": "FOOTER", "text": template.footer}
    printed = subprocess.run(
        [sys.executable, "-m", "adapters.whatsapp.templates"], capture_output=True, text=True, timeout=120
    )
    assert printed.returncode == 0, printed.stderr
    lines = [json.loads(line) for line in printed.stdout.splitlines()]
    assert {(t["name"], t["language"]) for t in lines} == {
        (name, lang)
        for name in ("safetybot_daily_tip", "safetybot_campaign")
        for lang in ("en", "es", "fr", "ar")
    }


def test_content_check_refuses_templates_meta_would_refuse(tmp_path: Path) -> None:
    root = tmp_path / "content"
    shutil.copytree(DEFAULT_CONTENT_DIR, root)
    es = root / "es" / "whatsapp-templates.yaml"
    es.write_text(
        es.read_text()
        .replace("name: safetybot_campaign", "name: safetybot_campana")
        .replace("Tu consejo diario de seguridad en internet:\\n\\n{{1}}", "{{2}} y {{1}}")
    )
    fr = root / "fr" / "whatsapp-templates.yaml"
    text_fr = fr.read_text()
    fr.write_text(text_fr[: text_fr.index("  - kind: campaign")])
    ar = root / "ar" / "whatsapp-templates.yaml"
    ar.write_text(
        ar.read_text()
        .replace("language: ar", "language: en")
        .replace("category: MARKETING", "category: PROMO", 1)
    )
    result = subprocess.run(
        [*CLI, "content", "check", str(root)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 1
    out = result.stdout
    assert f"{es}:" in out and "placeholders must be {{1}}, {{2}}... each once, in order" in out
    assert "the body may not start or end with a placeholder" in out
    assert "give one example per placeholder (2), not 1" in out
    assert "the campaign template is 'safetybot_campana' here but 'safetybot_campaign' in en" in out
    assert f"{fr}:1: missing the campaign template (en has 'safetybot_campaign')" in out
    assert "templates[0].category: Input should be 'MARKETING' or 'UTILITY'" in out
    assert "template 'safetybot_campaign': language 'en' is not ar" in out


# --- settings and the registry ---------------------------------------------------------------------


def test_settings() -> None:
    settings = load_whatsapp_settings(
        _env_file=None,
        whatsapp_token="EAAx",
        whatsapp_phone_number_id="106540352242922",
        whatsapp_app_secret="s",
        whatsapp_verify_token="v",
    )
    assert settings.messages_url == "https://graph.facebook.com/v21.0/106540352242922/messages"
    platform = WhatsAppPlatform(settings)
    assert platform.configured() and sorted(platform.secrets()) == ["EAAx", "s", "v"]
    rules = platform.send_rules()
    assert (rules.per_second, rules.private_gap) == (80, 6.0)
    assert not WhatsAppPlatform(load_whatsapp_settings(_env_file=None)).configured()
    with pytest.raises(SettingsError, match="WHATSAPP_PHONE_NUMBER_ID is needed"):
        load_whatsapp_settings(_env_file=None, whatsapp_token="EAAx")
    with pytest.raises(SettingsError, match="setting WHATSAPP_PHONE_NUMBER_ID: must be the phone number ID"):
        load_whatsapp_settings(_env_file=None, whatsapp_phone_number_id="+1 555 0100")
    with pytest.raises(SettingsError, match="setting WHATSAPP_MESSAGES_PER_SECOND"):
        load_whatsapp_settings(_env_file=None, whatsapp_messages_per_second=0)


def test_the_registry_lists_whatsapp() -> None:
    from bot.app.platforms import installed_platforms

    assert isinstance(installed_platforms()["whatsapp"], WhatsAppPlatform)


# --- commands as words -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("topics", Command),
        ("Topics!", Command),
        ("TIP", Command),
        ("/subscribe 08:00 Europe/Madrid", Command),
        ("temas", Command),
        ("STOP", TextMessage),
        ("tip me about passwords", TextMessage),
        ("how do i stop a scam", TextMessage),
        ("/", TextMessage),
    ],
)
def test_commands_as_words(content: ContentLibrary, typed: str, expected: type) -> None:
    item = InboundText("15551234567", "wamid.1", NOW, typed, "Ada")
    event = to_event(item, content, command_names(content), NOW)
    assert isinstance(event, expected)
    assert event.chat.is_private and event.chat.chat_id == "15551234567"
    if isinstance(event, Command) and typed.startswith("/"):
        assert (event.name, event.args) == ("subscribe", ("08:00", "Europe/Madrid"))


def test_a_press_is_a_button_press(content: ContentLibrary) -> None:
    event = to_event(InboundPress("1555", "wamid.2", NOW, "payload"), content, command_names(content), NOW)
    assert isinstance(event, ButtonPress) and event.payload == "payload"
