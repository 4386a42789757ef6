"""Opt-out and consent through the core: the "Stop these" button on daily tips, campaign drops and daily
challenge posts, STOP words in every language, opt-out enforced when a delivery is sent (a drop in flight),
consent recorded and forgotten, and the opt-outs each campaign caused."""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass, field, replace
from datetime import timedelta

import pytest
import yaml
from rich.console import Console
from sqlalchemy import func, select, update

from bot.app.wiring import Core
from bot.cli.campaign import _campaign_stats
from bot.core.events import ChatRef
from bot.core.replies import Outgoing, Reply
from bot.services.campaigns.models import CampaignFile
from bot.storage.consent import ConsentStore, How, MessageKind
from bot.storage.consent_figures import ConsentFigures
from bot.storage.consent_tables import chat_consent, consent_events
from bot.storage.tables import deliveries, subscriptions
from tests.auxil.core import FakeClock, Person, group_member, labels_of, private_person, text_of
from tests.auxil.messengers import RecordingMessenger

TIPS_STOPPED = "Done: no more daily tips here. /subscribe brings them back."
CAMPAIGNS_STOPPED = 'Done: no more campaign messages here. Changed your mind? Press "Send them again".'
ALL_STOPPED = (
    "Done: no more daily tips or campaign messages from me. /subscribe brings the tips back, "
    "and the button below brings campaign messages back."
)


def campaign(text: str) -> CampaignFile:
    return CampaignFile.model_validate(yaml.safe_load(text))


async def drain(core: Core, messenger: RecordingMessenger) -> None:
    core.messengers[messenger.platform] = messenger
    sender = core.make_sender()
    while await sender.run_once():
        pass


async def subscribed(core: Core, clock: FakeClock, *user_ids: str, lang: str = "en") -> list[Person]:
    people = [private_person(core, clock, user_id=user_id, lang=lang) for user_id in user_ids]
    for person in people:
        await person.command("subscribe", "07:00", "UTC")
        assert await active_subscription(core, person), "subscribed"
    return people


async def active_subscription(core: Core, person: Person) -> bool:
    chat_row_id = await core.services.people.chat_row_id(person.chat)
    found = await core.services.subscriptions.of_chat(chat_row_id) if chat_row_id is not None else None
    return found is not None and found.active


def shown(reply: Reply) -> list[Outgoing]:
    """A delivered message as the replies a person reads."""
    return [Outgoing(ChatRef("test", "-"), reply)]


async def make_due(core: Core) -> None:
    async with core.db.begin() as connection:
        await connection.execute(
            update(subscriptions).values(next_due_at=core.clock.now() - timedelta(minutes=1))
        )


async def delivered_reply(messenger: RecordingMessenger, chat_id: str) -> Reply:
    (reply,) = [reply for target, reply in messenger.replies if target == chat_id][-1:]
    return reply


async def press_stop(person: Person, reply: Reply) -> str:
    (stop,) = [choice for choice in reply.flat_choices if choice.label == "Stop these"]
    return text_of(await person.press(stop.payload))


async def statuses(core: Core, prefix: str) -> list[tuple[str, str | None]]:
    async with core.db.begin() as connection:
        rows = await connection.execute(
            select(deliveries.c.status, deliveries.c.error)
            .where(deliveries.c.drop_id.like(f"{prefix}%"))
            .order_by(deliveries.c.chat_id)
        )
        return [(status, error) for status, error in rows]


async def schedule_now(core: Core, clock: FakeClock, name: str, text: str = "Campaign hello") -> str:
    at = clock.now().strftime("%Y-%m-%dT%H:%M")
    spec = campaign(
        f'name: {name}\nschedule: {{at: {at}, timezone: UTC}}\nmessages: [{{text: {{en: "{text}"}}}}]\n'
    )
    scheduled = await core.services.campaigns.schedule(spec, created_by="test")
    return scheduled.campaign_id


# The Stop button on each kind of proactive message -----------------------------------------------------


async def test_daily_tip_stop_button_stops_tips_at_once_and_subscribe_brings_them_back(
    core: Core, clock: FakeClock
) -> None:
    (ada,) = await subscribed(core, clock, "1")
    await make_due(core)
    assert (await core.dispatcher.tick()).enqueued == 1
    messenger = RecordingMessenger()
    await drain(core, messenger)
    tip = await delivered_reply(messenger, "1")
    assert text_of(shown(tip)).startswith("Tip:")
    assert await press_stop(ada, tip) == TIPS_STOPPED
    assert "paused" in text_of(await ada.command("subscription"))
    await make_due(core)
    assert (await core.dispatcher.tick()).enqueued == 0, "no tip is queued for a chat that stopped them"

    consent = core.services.consent
    (record,) = await consent.records(ada.chat)
    assert (record.kind, record.opted_out, record.opted_in_how, record.opted_out_how) == (
        "tips",
        True,
        "subscribe",
        "stop_button",
    )
    assert record.opted_out_at == clock.now()
    assert text_of(await ada.command("subscribe", "08:00")).startswith("Done! at 08:00")
    (record,) = await consent.records(ada.chat)
    assert not record.opted_out
    history = [(event.kind, event.change, event.how) for event in await consent.history(ada.chat)]
    assert history == [
        ("tips", "in", "subscribe"),
        ("tips", "out", "stop_button"),
        ("tips", "in", "subscribe"),
    ]


async def test_unsubscribe_and_daily_off_are_recorded_as_opt_outs(core: Core, clock: FakeClock) -> None:
    (ada,) = await subscribed(core, clock, "1")
    await ada.command("unsubscribe")
    admin = group_member(core, clock, "2", group_id="-900", admin=True)
    await admin.command("challenge", "daily", "18:00", "UTC")
    await admin.command("challenge", "daily", "off")
    consent = core.services.consent
    assert [(e.kind, e.change, e.how) for e in await consent.history(ada.chat)] == [
        ("tips", "in", "subscribe"),
        ("tips", "out", "command"),
    ]
    assert [(e.kind, e.change, e.how) for e in await consent.history(admin.chat)] == [
        ("challenges", "in", "group_admin"),
        ("challenges", "out", "command"),
    ]


async def test_group_challenge_post_stop_is_for_admins_others_get_a_private_notice(
    core: Core, clock: FakeClock
) -> None:
    admin = group_member(core, clock, "2", group_id="-900", admin=True)
    member = group_member(core, clock, "3", group_id="-900", admin=False)
    assert text_of(await admin.command("challenge", "daily", "09:30", "UTC")).startswith("Done:")
    clock.advance(minutes=31)
    assert await core.challenge_posts.tick() == 1
    messenger = RecordingMessenger()
    await drain(core, messenger)
    post = await delivered_reply(messenger, "-900")
    assert labels_of(shown(post)) == ["Reliable", "Manipulative", "Stop these"]

    refused = await member.press(post.flat_choices[-1].payload)
    assert text_of(refused) == "Only this group's admins can stop these messages here."
    assert refused[0].reply.private
    assert text_of(await member.command("challenge", "daily")).startswith(
        "A challenge is posted here every day"
    )

    done = text_of(await admin.press(post.flat_choices[-1].payload))
    assert (
        done
        == "Done: no more daily challenges here. An admin can bring them back, e.g. /challenge daily 18:00"
    )
    assert text_of(await member.command("challenge", "daily")).startswith(
        "This group has no daily challenge."
    )
    (record,) = await core.services.consent.records(admin.chat)
    assert (record.kind, record.opted_out, record.opted_in_how) == ("challenges", True, "group_admin")
    assert text_of(await admin.command("challenge", "daily", "18:00")).startswith("Done:")
    (record,) = await core.services.consent.records(admin.chat)
    assert not record.opted_out


async def test_campaign_stop_leaves_the_chat_out_and_send_again_brings_it_back(
    core: Core, clock: FakeClock
) -> None:
    ada, _bea = await subscribed(core, clock, "1", "2")
    first = await schedule_now(core, clock, "First")
    assert await core.campaign_runs.tick() == 2
    messenger = RecordingMessenger()
    await drain(core, messenger)
    drop = await delivered_reply(messenger, "1")
    assert labels_of(shown(drop)) == ["Stop these"]
    stopped = await ada.press(drop.flat_choices[0].payload)
    assert text_of(stopped) == CAMPAIGNS_STOPPED
    assert labels_of(stopped) == ["Send them again"]
    assert "a daily tip" in text_of(await ada.command("subscription")), "tips go on"

    clock.advance(minutes=1)
    second = await schedule_now(core, clock, "Second")
    assert await core.campaign_runs.tick() == 1, "only Bea is in the next audience"
    assert text_of(await ada.press_label(stopped, "Send them again")) == (
        'Done: campaign messages are back on here. The "Stop these" button under each one stops them again.'
    )
    clock.advance(minutes=1)
    await schedule_now(core, clock, "Third")
    assert await core.campaign_runs.tick() == 2

    history = [
        (e.kind, e.change, e.how, e.campaign_id) for e in await core.services.consent.history(ada.chat)
    ]
    assert history == [
        ("tips", "in", "subscribe", None),
        ("campaigns", "in", "campaign_audience", first),
        ("campaigns", "out", "stop_button", first),
        ("campaigns", "in", "resume_button", None),
    ]
    assert second not in {e.campaign_id for e in await core.services.consent.history(ada.chat)}


async def test_spanish_drop_has_a_spanish_stop_button(core: Core, clock: FakeClock) -> None:
    (pepa,) = await subscribed(core, clock, "7", lang="es")
    await schedule_now(core, clock, "Hola")
    await core.campaign_runs.tick()
    messenger = RecordingMessenger()
    await drain(core, messenger)
    drop = await delivered_reply(messenger, "7")
    assert [choice.label for choice in drop.flat_choices] == ["Dejar de recibir"]
    reply = text_of(await pepa.press(drop.flat_choices[0].payload))
    assert reply.startswith("Hecho: aquí ya no habrá más mensajes de campañas.")


# STOP words -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "lang", "expected"),
    [
        ("STOP", "en", ALL_STOPPED),
        ("Stop!", "en", ALL_STOPPED),
        ("BAJA", "es", "Hecho: ya no te enviaré consejos diarios ni mensajes de campañas."),
        ("darme de baja", "es", "Hecho: ya no te enviaré"),
        ("Stop", "fr", "C'est fait : je ne t'enverrai plus d'astuces quotidiennes"),
        ("désabonner", "fr", "C'est fait : je ne t'enverrai plus"),
        ("إيقاف", "ar", "\u200fتم: لن أرسل إليك نصائح يومية ولا رسائل حملات بعد الآن."),
    ],
)
async def test_stop_words_in_a_private_chat_stop_tips_and_campaigns(
    typed: str, lang: str, expected: str, core: Core, clock: FakeClock
) -> None:
    (person,) = await subscribed(core, clock, "1", lang=lang)
    replies = await person.say(typed)
    assert text_of(replies).startswith(expected)
    assert len(labels_of(replies)) == 1
    records = {record.kind: record for record in await core.services.consent.records(person.chat)}
    assert records["tips"].opted_out and records["tips"].opted_out_how == "stop_word"
    assert records["campaigns"].opted_out
    assert not await active_subscription(core, person)


async def test_stop_word_from_someone_never_stored_stores_nothing(core: Core, clock: FakeClock) -> None:
    stranger = private_person(core, clock, user_id="42")
    assert text_of(await stranger.say("stop")) == ALL_STOPPED
    async with core.db.begin() as connection:
        assert (await connection.execute(select(func.count()).select_from(chat_consent))).scalar() == 0


async def test_stop_in_a_group_or_inside_a_sentence_is_not_an_opt_out(core: Core, clock: FakeClock) -> None:
    admin = group_member(core, clock, "2", group_id="-900", admin=True)
    await admin.command("subscribe", "10:00")
    assert text_of(await admin.say("STOP", addressed=True)) != ALL_STOPPED
    (ada,) = await subscribed(core, clock, "1")
    assert text_of(await ada.say("how do I stop a scammer calling me")) != ALL_STOPPED
    for chat in (admin.chat, ada.chat):
        assert not any(record.opted_out for record in await core.services.consent.records(chat))


# Enforced when sent -----------------------------------------------------------------------------------


async def test_a_drop_queued_before_an_opt_out_is_skipped_not_sent_nor_retried(
    each_core: Core, clock: FakeClock
) -> None:
    core = each_core
    _ada, bea, _cai = await subscribed(core, clock, "1", "2", "3")
    await schedule_now(core, clock, "Queued")
    assert await core.campaign_runs.tick() == 3
    assert text_of(await bea.say("STOP")) == ALL_STOPPED
    messenger = RecordingMessenger()
    await drain(core, messenger)
    assert sorted(target for target, _ in messenger.sent) == ["1", "3"]
    assert await statuses(core, "campaign:") == [("sent", None), ("skipped", "opted out"), ("sent", None)]
    clock.advance(hours=1)
    await drain(core, messenger)
    assert len(messenger.sent) == 2, "a skipped delivery is finished, never retried"
    counts = await core.outbox.counts("campaign:")
    assert (counts["skipped"], counts["pending"], counts["retrying"]) == (1, 0, 0)


@dataclass
class GatedMessenger(RecordingMessenger):
    """Holds the first delivery until ``gate`` opens (``holding`` is set meanwhile)."""

    gate: asyncio.Event = field(default_factory=asyncio.Event)
    holding: asyncio.Event = field(default_factory=asyncio.Event)
    held: str = ""

    async def deliver(self, chat: ChatRef, reply: Reply) -> str:
        if not self.gate.is_set():
            self.held = chat.chat_id
            self.holding.set()
            await self.gate.wait()
        return await super().deliver(chat, reply)


async def test_a_drop_in_flight_is_not_sent_after_an_opt_out(each_core: Core, clock: FakeClock) -> None:
    core = each_core
    people = {person.chat.chat_id: person for person in await subscribed(core, clock, "1", "2", "3")}
    await schedule_now(core, clock, "In flight")
    assert await core.campaign_runs.tick() == 3
    messenger = GatedMessenger()
    core.messengers[messenger.platform] = messenger
    sender = core.make_sender()
    sender.settings = replace(sender.settings, concurrency=1, opt_out_refresh_seconds=0)
    batch = asyncio.create_task(sender.run_once())
    await asyncio.wait_for(messenger.holding.wait(), 5)
    # Every row of the drop is now claimed by the sender, one being sent: someone stops campaigns.
    assert [status for status, _ in await statuses(core, "campaign:")] == ["sending"] * 3
    async with core.db.begin() as connection:
        held = await connection.execute(select(deliveries.c.chat_id).where(deliveries.c.status == "sending"))
        assert len(held.all()) == 3
    stopper = next(person for chat_id, person in people.items() if chat_id != messenger.held)
    assert text_of(await stopper.say("STOP")) == ALL_STOPPED
    messenger.gate.set()
    assert await batch == 3
    assert stopper.chat.chat_id not in {target for target, _ in messenger.sent}
    assert len(messenger.sent) == 2
    outcomes = sorted(await statuses(core, "campaign:"), key=lambda row: row[0])
    assert outcomes == [("sent", None), ("sent", None), ("skipped", "opted out")]


async def test_tips_and_challenge_posts_are_checked_at_send_time_too(core: Core, clock: FakeClock) -> None:
    (ada,) = await subscribed(core, clock, "1")
    await make_due(core)
    await core.dispatcher.tick()
    admin = group_member(core, clock, "2", group_id="-900", admin=True)
    await admin.command("challenge", "daily", "09:30", "UTC")
    clock.advance(minutes=31)
    await core.challenge_posts.tick()
    await core.services.consent.opt_out(ada.chat, [MessageKind.TIPS], How.STOP_BUTTON, clock.now())
    await core.services.consent.opt_out(admin.chat, [MessageKind.CHALLENGES], How.STOP_BUTTON, clock.now())
    messenger = RecordingMessenger()
    await drain(core, messenger)
    assert messenger.sent == []
    assert [status for status, _ in await statuses(core, "tip:")] == ["skipped"]
    assert [status for status, _ in await statuses(core, "challenge:")] == ["skipped"]


# Consent kept, forgotten, and counted -------------------------------------------------------------------


async def test_forget_deletes_the_consent_records_of_the_person(each_core: Core, clock: FakeClock) -> None:
    core = each_core
    (ada,) = await subscribed(core, clock, "1")
    await ada.say("STOP")
    admin = group_member(core, clock, "1", group_id="-900", admin=True)
    await admin.command("subscribe", "10:00")
    confirm = await ada.command("forget")
    assert text_of(await ada.press_label(confirm, "Yes, delete")).startswith("Done. I've deleted everything")
    assert await core.services.consent.records(ada.chat) == []
    async with core.db.begin() as connection:
        left = (await connection.execute(select(consent_events.c.kind, consent_events.c.how))).all()
    assert [tuple(row) for row in left] == [("tips", "group_admin")], "the group's record names no one"


async def test_opt_outs_each_campaign_caused_by_button_and_within_a_day(
    each_core: Core, clock: FakeClock
) -> None:
    core = each_core
    ada, bea, cai, _dan = await subscribed(core, clock, "1", "2", "3", "4")
    campaign_id = await schedule_now(core, clock, "Counted")
    await core.campaign_runs.tick()
    messenger = RecordingMessenger()
    await drain(core, messenger)
    await press_stop(ada, await delivered_reply(messenger, "1"))  # its button
    clock.advance(hours=3)
    await bea.say("STOP")  # within a day of the drop
    clock.advance(days=2)
    await cai.say("STOP")  # too late to be put down to it
    figures = await ConsentFigures(core.db).opt_outs_per_campaign()
    assert set(figures) == {campaign_id}
    assert (figures[campaign_id].by_button, figures[campaign_id].in_window) == (1, 1)
    per_day = await ConsentFigures(core.db).opt_outs_per_day(clock.now() - timedelta(days=7))
    assert per_day == [
        ("2026-11-25", "test", "campaigns", 2),
        ("2026-11-25", "test", "tips", 1),
        ("2026-11-27", "test", "campaigns", 1),
        ("2026-11-27", "test", "tips", 1),
    ]
    standing = {(kind, state, how): n for kind, state, how, n in await ConsentFigures(core.db).standing()}
    assert standing[("campaigns", "out", "stop_word")] == 2
    assert standing[("campaigns", "in", "campaign_audience")] == 1  # Dan
    assert standing[("tips", "in", "subscribe")] == 2

    out = Console(file=io.StringIO(), width=160)
    await _campaign_stats(core, out)
    table = out.file.getvalue()  # type: ignore[attr-defined]
    line = next(row for row in table.splitlines() if campaign_id in row)
    assert [cell.strip() for cell in line.split("│")[1:-1]] == [
        campaign_id,
        "Counted",
        "4",
        "0",
        "1",
        "1",
        "2",
    ]


async def test_consent_store_is_one_transaction_and_ignores_unknown_chats(
    core: Core, clock: FakeClock
) -> None:
    consent = ConsentStore(core.db)
    unknown = ChatRef("test", "nobody")
    assert not await consent.opt_in(unknown, MessageKind.TIPS, How.SUBSCRIBE, clock.now())
    assert not await consent.opt_out(unknown, [MessageKind.TIPS], How.STOP_WORD, clock.now())
    assert not await consent.is_opted_out(unknown, MessageKind.TIPS)
    (ada,) = await subscribed(core, clock, "1")
    assert await consent.opt_out(ada.chat, [MessageKind.CAMPAIGNS], How.STOP_BUTTON, clock.now())
    assert await consent.is_opted_out(ada.chat, MessageKind.CAMPAIGNS)
    assert not await consent.is_opted_out(ada.chat, MessageKind.TIPS)
    assert await consent.opted_out_since(clock.now()) != set()
    assert await consent.opted_out_since(clock.now() + timedelta(seconds=1)) == set()
