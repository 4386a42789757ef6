"""The conversation core, driven as a person would: every command, private vs group, bad and forged input."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.app.wiring import Core
from bot.content.library import ContentLibrary
from bot.core.events import Command
from bot.features.privacy import CONFIRM_WINDOW
from tests.auxil.core import FakeClock, group_member, labels_of, make_core, private_person, text_of


async def test_start_welcomes_by_name_and_explains_privacy(core: Core, clock: FakeClock) -> None:
    replies = await private_person(core, clock, name="Ada").command("start")
    text = text_of(replies)
    assert "Hi Ada!" in text
    assert "I don't store what you write" in text
    assert "/forget" in text
    assert labels_of(replies) == ["Topics", "A tip", "Help"]


async def test_help_lists_every_command_once(core: Core, clock: FakeClock, content: ContentLibrary) -> None:
    text = text_of(await private_person(core, clock).command("help"))
    for name in content.lang("en").ui.commands:
        assert text.count(f"/{name}:") == 1, name


async def test_topics_category_question_answer(core: Core, clock: FakeClock) -> None:
    person = private_person(core, clock)
    categories = await person.command("topics")
    assert "Phishing & scams" in labels_of(categories)
    questions = await person.press_label(categories, "Phishing & scams")
    assert "Report a scam" in labels_of(questions) or len(labels_of(questions)) == 10
    answer = await person.press(questions[0].reply.flat_choices[0].payload)
    text = text_of(answer)
    assert "Sources:" in text
    assert "All topics" in labels_of(answer)


async def test_tip_gives_a_tip_and_another_on_request(
    core: Core, clock: FakeClock, content: ContentLibrary
) -> None:
    person = private_person(core, clock)
    replies = await person.command("tip")
    all_tips = {tip.text for tip in content.lang("en").tips}
    first = text_of(replies)
    assert any(tip in first for tip in all_tips)
    again = text_of(await person.press_label(replies, "Another tip"))
    assert any(tip in again for tip in all_tips)


async def test_tip_by_category_and_unknown_category(
    core: Core, clock: FakeClock, content: ContentLibrary
) -> None:
    person = private_person(core, clock)
    privacy_tips = {tip.text for tip in content.lang("en").tips if tip.category == "privacy"}
    shown = text_of(await person.command("tip", "privacy"))
    assert any(tip in shown for tip in privacy_tips)
    unknown = text_of(await person.command("tip", "astrology"))
    assert 'called "astrology"' in unknown
    assert "phishing-and-scams" in unknown


async def test_ask_answers_and_ask_without_question_explains(core: Core, clock: FakeClock) -> None:
    person = private_person(core, clock)
    assert "for example: /ask" in text_of(await person.command("ask"))
    answer = text_of(await person.command("ask", "my", "instagram", "account", "got", "hacked"))
    assert "What do I do if my account was hacked?" in answer


async def test_private_free_text_is_a_question(core: Core, clock: FakeClock) -> None:
    text = text_of(
        await private_person(core, clock).say("someone got into my insta and changed the email what now")
    )
    assert "account was hacked" in text


async def test_group_ignores_chatter_but_answers_mentions_and_commands(core: Core, clock: FakeClock) -> None:
    member = group_member(core, clock, "2001")
    assert await member.say("lol did you see the match yesterday") == []
    assert await member.say("my account got hacked") == []
    mentioned = text_of(await member.say("@safetybot my account got hacked what do i do", addressed=True))
    assert "account was hacked" in mentioned
    assert "Here's what I can do" in text_of(await member.command("help"))


async def test_language_shows_choices_sets_and_rejects_unknown(core: Core, clock: FakeClock) -> None:
    person = private_person(core, clock)
    current = await person.command("language")
    assert "English" in text_of(current)
    assert "English" in labels_of(current)
    assert 'I can\'t speak "klingon" yet' in text_of(await person.command("language", "klingon"))
    assert "Done: I'll speak English" in text_of(await person.press_label(current, "English"))
    assert await core.services.people.language_of(person.user) == "en"
    assert "Done" in text_of(await person.command("language", "en-GB"))


async def test_unknown_command_is_explained(core: Core, clock: FakeClock) -> None:
    text = text_of(await private_person(core, clock).command("dance"))
    assert "I don't know the command /dance" in text


async def test_forged_and_malformed_payloads_get_expired_notice(core: Core, clock: FakeClock) -> None:
    person = private_person(core, clock)
    for forged in [
        "t:strong-passwords~~AAAAAAAA",
        "garbage",
        "",
        "x" * 300,
        "t:../../etc~~",
        "c:privacy~zz~abc",
    ]:
        replies = await person.press(forged)
        assert text_of(replies) == "Sorry, that button has expired. Type /topics or /help to start again."


async def test_valid_signature_with_unknown_action_or_topic_is_expired(core: Core, clock: FakeClock) -> None:
    person = private_person(core, clock)
    signer = core.services.signer
    for payload in [
        signer.make("nope"),
        signer.make("t", "no-such-topic"),
        signer.make("c", "no-such-category"),
    ]:
        assert "that button has expired" in text_of(await person.press(payload))


async def test_forget_deletes_everything_after_confirmation(core: Core, clock: FakeClock) -> None:
    person = private_person(core, clock)
    await person.command("language", "en")
    assert await core.services.people.rows_about(person.user) > 0
    confirm = await person.command("forget")
    assert confirm[0].reply.private
    assert labels_of(confirm) == ["Yes, delete", "No, keep"]
    cancelled = await person.press_label(confirm, "No, keep")
    assert "nothing was deleted" in text_of(cancelled)
    assert await core.services.people.rows_about(person.user) > 0
    done = await person.press_label(confirm, "Yes, delete")
    assert "I've deleted everything" in text_of(done)
    assert await core.services.people.rows_about(person.user) == 0


async def test_forget_button_is_personal_and_expires(core: Core, clock: FakeClock) -> None:
    owner = group_member(core, clock, "3001")
    other = group_member(core, clock, "3002")
    await owner.command("language", "en")
    confirm = await owner.command("forget")
    stolen = await other.press_label(confirm, "Yes, delete")
    assert "that button has expired" in text_of(stolen)
    assert await core.services.people.rows_about(owner.user) > 0
    clock.advance(seconds=CONFIRM_WINDOW.total_seconds() + 60)
    late = await owner.press_label(confirm, "Yes, delete")
    assert "that button has expired" in text_of(late)
    assert await core.services.people.rows_about(owner.user) > 0


async def test_flood_gets_one_notice_then_silence_then_recovers(
    tmp_path: Path, content: ContentLibrary, clock: FakeClock
) -> None:
    core = await make_core(tmp_path, content, clock, safetybot_flood_limit_per_minute=3)
    try:
        person = private_person(core, clock)
        for _ in range(3):
            assert "Tip:" in text_of(await person.command("tip"))
        assert "very fast" in text_of(await person.command("tip"))
        assert await person.command("tip") == []
        assert await person.say("i dont want to be here anymore") == []
        clock.advance(minutes=1)
        assert "Tip:" in text_of(await person.command("tip"))
        other = private_person(core, clock, user_id="9999")
        assert "Tip:" in text_of(await other.command("tip"))
    finally:
        await core.close()


async def test_crisis_comes_first_even_inside_commands(core: Core, clock: FakeClock) -> None:
    person = private_person(core, clock)
    for replies in (
        await person.say("i want to end it all"),
        await person.command("ask", "i", "dont", "want", "to", "be", "here", "anymore"),
    ):
        text = text_of(replies)
        assert text.startswith("I'm really glad you told me.")
        assert "call your local emergency number now" in text
        assert "988" in text and "116 123" in text
        assert "Sources:" not in text


async def test_a_failing_feature_is_answered_with_an_apology(core: Core, clock: FakeClock) -> None:
    async def broken(turn, command):
        raise RuntimeError("boom")

    core.conversation.commands["tip"] = broken
    text = text_of(await private_person(core, clock).command("tip"))
    assert text == "Sorry, something went wrong on my side. Please try again in a moment."


async def test_language_hint_from_platform_is_used_when_shipped(core: Core, clock: FakeClock) -> None:
    person = private_person(core, clock, lang="xx-YY")
    assert "Hi Ada!" in text_of(await person.command("start"))


async def test_stale_payload_from_another_deployment_secret_is_rejected(
    tmp_path: Path, content: ContentLibrary, clock: FakeClock
) -> None:
    first = await make_core(tmp_path / "a", content, clock)
    second = await make_core(tmp_path / "b", content, clock)
    try:
        payload = first.services.signer.make("t", "strong-passwords")
        assert "strong password" in text_of(await private_person(first, clock).press(payload)).lower()
        assert "expired" in text_of(await private_person(second, clock).press(payload))
    finally:
        await first.close()
        await second.close()


def test_confirm_window_is_reasonable() -> None:
    assert timedelta(minutes=1) <= CONFIRM_WINDOW <= timedelta(hours=1)


async def test_group_language_is_a_group_setting_for_admins_only(core: Core, clock: FakeClock) -> None:
    asked: list[str] = []

    async def platform_says(event) -> bool:
        asked.append(event.user.user_id)
        return event.user.user_id == "4001"

    admin = group_member(core, clock, "4001", group_id="-900")
    member = group_member(core, clock, "4002", group_id="-900")
    member_event_reply = await core.conversation.handle(
        Command(member.user, member.chat, clock.now(), "language", ("en",)),
        admin_check=platform_says,
    )
    assert text_of(member_event_reply) == "Only this group's admins can change its settings."
    assert await core.services.people.chat_settings(member.chat) is None
    admin_reply = await core.conversation.handle(
        Command(admin.user, admin.chat, clock.now(), "language", ("en",)),
        admin_check=platform_says,
    )
    assert "in this group" in text_of(admin_reply)
    settings = await core.services.people.chat_settings(admin.chat)
    assert settings is not None and settings.language == "en"
    assert asked == ["4002", "4001"]
    # Showing the current language needs no admin rights and asks nobody.
    assert "English" in text_of(await member.command("language"))
    assert asked == ["4002", "4001"]


async def test_two_features_claiming_one_command_or_action_stop_start_up(core: Core) -> None:
    """A feature added later must not silently replace another's command or button."""
    from bot.features import tips
    from bot.features.base import Feature
    from bot.features.conversation import CORE_FEATURES, Conversation, DuplicateHandler

    async def another_tip(turn, command):
        return []

    clash = Feature(commands={"tip": another_tip}, actions={})
    with pytest.raises(DuplicateHandler, match=r"command /tip is registered twice"):
        Conversation(core.services, core.conversation.flood, [*CORE_FEATURES, clash])
    button_clash = Feature(commands={}, actions={tips.actions.TIP: tips.tip_button})
    with pytest.raises(DuplicateHandler, match=r"button action tip is registered twice"):
        Conversation(core.services, core.conversation.flood, [*CORE_FEATURES, button_clash])
    assert set(Conversation(core.services, core.conversation.flood).commands) >= {"tip", "topics", "ask"}
