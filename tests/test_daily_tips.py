"""Daily tips: time zones and DST, /subscribe, the dispatcher, tip rotation, the outbox and the sender."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import bindparam, func, select, text, update

from bot.app.wiring import Core
from bot.content.library import ContentLibrary
from bot.core.events import ChatKind, ChatRef, UserRef
from bot.core.timezones import BadTime, BadZone, next_occurrence, parse_local_time, zone
from bot.jobs.daily_tips import Dispatcher
from bot.services.tip_rotation import cycle_order, next_tip, tips_for
from bot.storage.db import Database
from bot.storage.deliveries import DeliveryStatus
from bot.storage.delivery_claims import DeliveryClaims
from bot.storage.people import PeopleStore
from bot.storage.subscriptions import Subscription, SubscriptionStore
from bot.storage.tables import UtcDateTime, deliveries, subscriptions
from tests.auxil.core import FakeClock, group_member, make_core, private_person, text_of
from tests.auxil.messengers import DeliveryFailed, RecipientGone, RecordingMessenger, RetryLater
from tests.auxil.migrations import database_urls, migrate

MADRID = zone("Europe/Madrid")


# Time zones and DST --------------------------------------------------------------------------------


def test_local_time_stays_local_across_dst() -> None:
    before = next_occurrence(time(9, 30), MADRID, datetime(2026, 3, 28, 12, tzinfo=UTC))
    after = next_occurrence(time(9, 30), MADRID, before)
    assert before == datetime(2026, 3, 29, 7, 30, tzinfo=UTC)  # CEST, UTC+2
    assert next_occurrence(time(9, 30), MADRID, datetime(2026, 3, 27, 12, tzinfo=UTC)).hour == 8  # CET
    assert after.astimezone(MADRID).strftime("%H:%M") == "09:30"


def test_missing_local_time_goes_at_the_next_valid_minute() -> None:
    gap = next_occurrence(time(2, 30), MADRID, datetime(2026, 3, 28, 12, tzinfo=UTC))
    assert gap.astimezone(MADRID).strftime("%Y-%m-%d %H:%M") == "2026-03-29 03:00"


def test_repeated_local_time_is_sent_once() -> None:
    first = next_occurrence(time(2, 30), MADRID, datetime(2026, 10, 24, 12, tzinfo=UTC))
    assert first == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    following = next_occurrence(time(2, 30), MADRID, first)
    assert following.astimezone(MADRID).date().isoformat() == "2026-10-26"


def test_weekdays_only_skips_the_weekend() -> None:
    friday_evening = datetime(2026, 11, 27, 20, tzinfo=UTC)
    assert next_occurrence(time(8, 0), zone("UTC"), friday_evening, weekdays_only=True).weekday() == 0


@pytest.mark.parametrize("text", ["9", "25:00", "9:60", "nine", "12:5"])
def test_bad_times(text: str) -> None:
    with pytest.raises(BadTime):
        parse_local_time(text)


@pytest.mark.parametrize("name", ["Mars/Olympus", "Europe/Nowhere", "../etc/passwd"])
def test_bad_zones(name: str) -> None:
    with pytest.raises(BadZone):
        zone(name)


# /subscribe, /subscription, /unsubscribe ----------------------------------------------------------


async def test_subscribe_with_defaults_then_show_and_stop(core: Core, clock: FakeClock) -> None:
    person = private_person(core, clock)
    done = text_of(await person.command("subscribe"))
    assert done == "Done! at 09:00 (UTC). Next one: 2026-11-26 09:00."  # it is 09:00 now: tomorrow
    shown = text_of(await person.command("subscription"))
    assert shown == "This chat gets a daily tip at 09:00 (UTC). Next one: 2026-11-26 09:00."
    assert text_of(await person.command("unsubscribe")).startswith("Done: no more daily tips here.")
    assert "paused" in text_of(await person.command("subscription"))
    assert text_of(await person.command("unsubscribe")) == "This chat has no daily tip to stop."


async def test_subscribe_with_time_zone_categories_and_weekdays(core: Core, clock: FakeClock) -> None:
    person = private_person(core, clock)
    reply = text_of(
        await person.command("subscribe", "08:15", "europe/berlin", "privacy", "misinformation", "weekdays")
    )
    assert reply == (
        "Done! at 08:15 (Europe/Berlin) on weekdays, about Privacy, Misinformation. "
        "Next one: 2026-11-26 08:15."
    )
    # The chat's zone is remembered: a later /subscribe without one keeps it.
    again = text_of(await person.command("subscribe", "19:00"))
    assert "at 19:00 (Europe/Berlin)" in again


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ("25:99",),
            '"25:99" isn\'t a time I understand. Use the 24-hour clock, for example: /subscribe 08:30',
        ),
        (("08:00", "Mars/Olympus"), 'I don\'t know the time zone "Mars/Olympus".'),
        (("08:00", "America/Argentina"), 'I don\'t know the time zone "America/Argentina".'),
        (("08:00", "America/Kentucky"), 'I don\'t know the time zone "America/Kentucky".'),
        (("08:00", "Europe/__pycache__"), 'I don\'t know the time zone "Europe/__pycache__".'),
        (("08:00", "Europe/" + "x" * 300), "I don't know the time zone"),
        (("08:00", "tomorrow"), 'I didn\'t understand "tomorrow". Try, for example: /subscribe 08:30'),
    ],
)
async def test_subscribe_explains_bad_input(
    args: tuple[str, ...], expected: str, core: Core, clock: FakeClock
) -> None:
    reply = text_of(await private_person(core, clock).command("subscribe", *args))
    assert reply.startswith(expected)


async def test_group_subscription_needs_an_admin(core: Core, clock: FakeClock) -> None:
    member = group_member(core, clock, "1", group_id="-77", admin=False)
    admin = group_member(core, clock, "2", group_id="-77", admin=True)
    assert (
        text_of(await member.command("subscribe", "10:00"))
        == "Only this group's admins can change its settings."
    )
    assert text_of(await member.command("subscription")).startswith("This chat has no daily tip.")
    assert text_of(await admin.command("subscribe", "10:00")).startswith("Done!")
    assert text_of(await member.command("unsubscribe")) == "Only this group's admins can change its settings."
    assert text_of(await member.command("subscription")).startswith("This chat gets a daily tip at 10:00")


# Rotation ---------------------------------------------------------------------------------------------


def test_rotation_shows_every_tip_before_repeating(content: ContentLibrary) -> None:
    tips = tips_for(content.lang("en").tips, None)
    cycle, position, seen = 0, 0, []
    for _ in range(len(tips) * 2):
        step = next_tip(tips, 42, cycle, position)
        assert step is not None
        seen.append(step.tip.id)
        cycle, position = step.cycle, step.position
    assert sorted(seen[: len(tips)]) == sorted(tip.id for tip in tips)
    assert sorted(seen[len(tips) :]) == sorted(tip.id for tip in tips)
    assert seen[: len(tips)] != seen[len(tips) :], "each cycle is shuffled anew"
    assert cycle_order(tips, 42, 0) == cycle_order(tips, 42, 0), "the same order in every process"


# Dispatcher, outbox and sender ---------------------------------------------------------------------


async def subscribe_people(core: Core, clock: FakeClock, count: int, *args: str) -> list[str]:
    ids = []
    for number in range(count):
        person = private_person(core, clock, user_id=str(5000 + number))
        assert text_of(await person.command("subscribe", *args)).startswith("Done!")
        ids.append(person.chat.chat_id)
    return ids


async def drain(core: Core, messenger: RecordingMessenger) -> int:
    core.messengers[messenger.platform] = messenger
    sender = core.make_sender()
    total = 0
    while handled := await sender.run_once():
        total += handled
    return total


async def delivery_rows(core: Core) -> int:
    async with core.db.begin() as connection:
        return (await connection.execute(select(func.count()).select_from(deliveries))).scalar_one()


async def test_tip_is_enqueued_once_when_due_and_delivered(core: Core, clock: FakeClock) -> None:
    chats = await subscribe_people(core, clock, 3, "09:30")
    messenger = RecordingMessenger()
    assert (await core.dispatcher.tick()).enqueued == 0
    clock.advance(minutes=31)
    assert (await core.dispatcher.tick()).enqueued == 3
    assert (await core.dispatcher.tick()).enqueued == 0
    assert await drain(core, messenger) == 3
    for chat_id in chats:
        (text,) = messenger.texts_to(chat_id)
        assert text.startswith("Tip:")
    assert await drain(core, messenger) == 0
    clock.advance(days=1)
    assert (await core.dispatcher.tick()).enqueued == 3
    await drain(core, messenger)
    assert all(len(messenger.texts_to(chat_id)) == 2 for chat_id in chats)
    assert len(set(messenger.texts_to(chats[0]))) == 2, "no repeat on the second day"


async def test_two_dispatchers_at_once_enqueue_each_tip_once(
    core: Core, clock: FakeClock, tmp_path, content: ContentLibrary
) -> None:
    await subscribe_people(core, clock, 20, "08:00")
    clock.advance(days=1)
    other = await make_core(tmp_path, content, clock)
    try:
        reports = await asyncio.gather(core.dispatcher.tick(), other.dispatcher.tick())
        assert sum(report.enqueued for report in reports) == 20
        assert await delivery_rows(core) == 20
    finally:
        await other.close()


async def test_missed_runs_within_grace_are_sent_once_older_ones_skipped(
    core: Core, clock: FakeClock
) -> None:
    chats = await subscribe_people(core, clock, 1, "09:05")
    messenger = RecordingMessenger()
    clock.advance(hours=3)  # the bot was down from 09:05 to 12:00
    assert (await core.dispatcher.tick()).enqueued == 1
    await drain(core, messenger)
    assert len(messenger.texts_to(chats[0])) == 1
    clock.advance(days=1, hours=7)  # down again, now from 09:05 to 19:00 the next day
    report = await core.dispatcher.tick()
    assert (report.enqueued, report.skipped_late) == (0, 1)
    shown = text_of(await private_person(core, clock, user_id=chats[0]).command("subscription"))
    assert "Next one: 2026-11-27 09:05" in shown


async def test_outcomes_retry_blocked_failed(core: Core, clock: FakeClock) -> None:
    chats = await subscribe_people(core, clock, 4, "09:05")
    clock.advance(minutes=6)
    await core.dispatcher.tick()
    messenger = RecordingMessenger(
        fail={
            chats[0]: [RetryLater("rate limited", 30)],
            chats[1]: [RecipientGone("blocked")],
            chats[2]: [DeliveryFailed("bad request")],
            chats[3]: [RetryLater("server error")] * 10,
        }
    )
    assert await drain(core, messenger) == 4
    counts = await core.outbox.counts("tip:")
    assert (counts["sent"], counts["blocked"], counts["failed"], counts["retrying"]) == (0, 1, 1, 2)
    clock.advance(seconds=31)
    await drain(core, messenger)
    assert len(messenger.texts_to(chats[0])) == 1, "the 429 is waited out, then delivered once"
    for _ in range(10):
        clock.advance(minutes=20)
        await drain(core, messenger)
    counts = await core.outbox.counts("tip:")
    assert (counts["sent"], counts["blocked"], counts["failed"], counts["retrying"]) == (1, 1, 2, 0)
    blocked = await core.services.people.chat_settings(ChatRef("test", chats[1], ChatKind.PRIVATE))
    assert blocked is not None and not blocked.active
    shown = text_of(await private_person(core, clock, user_id=chats[1]).command("subscription"))
    assert "paused" in shown


async def test_a_dead_senders_lease_is_reclaimed(core: Core, clock: FakeClock) -> None:
    await subscribe_people(core, clock, 5, "09:05")
    clock.advance(minutes=6)
    await core.dispatcher.tick()
    core.messengers["test"] = RecordingMessenger()
    crashed = await DeliveryClaims(core.db).claim(
        "dead-worker", ["test"], now=clock.now(), limit=5, lease=timedelta(minutes=2)
    )
    assert len(crashed) == 5
    messenger = RecordingMessenger()
    assert await drain(core, messenger) == 0, "leased rows are not claimed twice"
    clock.advance(minutes=3)
    assert await drain(core, messenger) == 5
    assert (await core.outbox.counts("tip:"))["sent"] == 5


async def test_enqueue_is_idempotent(core: Core, clock: FakeClock) -> None:
    user = UserRef("test", "1")
    async with core.db.begin() as connection:
        chat_row = await core.services.people.ensure_chat(
            connection, ChatRef("test", "1", ChatKind.PRIVATE), user, clock.now()
        )
        assert await core.outbox.enqueue(
            connection, "drop-1", chat_row, "en", not_before=clock.now(), tip_id="x"
        )
        assert not await core.outbox.enqueue(
            connection, "drop-1", chat_row, "en", not_before=clock.now(), tip_id="x"
        )
    assert await delivery_rows(core) == 1


async def test_forget_removes_subscription_and_deliveries(core: Core, clock: FakeClock) -> None:
    (chat_id,) = await subscribe_people(core, clock, 1, "09:05")
    clock.advance(minutes=6)
    await core.dispatcher.tick()
    person = private_person(core, clock, user_id=chat_id)
    await core.services.people.forget(person.user)
    assert await delivery_rows(core) == 0
    assert text_of(await person.command("subscription")).startswith("This chat has no daily tip.")


async def test_graceful_stop_releases_claimed_rows(core: Core, clock: FakeClock) -> None:
    await subscribe_people(core, clock, 2, "09:05")
    clock.advance(minutes=6)
    await core.dispatcher.tick()
    sender = core.make_sender()
    await sender.claims.claim(sender.worker, ["test"], now=clock.now(), limit=2, lease=timedelta(minutes=5))
    assert await sender.claims.release(sender.worker) == 2
    assert (await core.outbox.counts("tip:"))[DeliveryStatus.PENDING.value] == 0
    assert (await core.outbox.counts("tip:"))["retrying"] == 2


async def test_pacer_keeps_a_gap_per_chat_and_an_overall_rate() -> None:
    from bot.services.delivery.ratelimit import SendPacer

    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(round(seconds, 3))

    still = SendPacer(None, private_gap=1.0, group_gap=3.0, monotonic=lambda: 100.0, sleep=record)
    alice, group = ChatRef("t", "1", ChatKind.PRIVATE), ChatRef("t", "-1", ChatKind.GROUP)
    await still.wait(alice)
    await still.wait(group)
    assert waits == [], "different chats do not wait for each other"
    await still.wait(alice)
    await still.wait(group)
    assert waits == [1.0, 3.0]
    waits.clear()
    overall = SendPacer(20.0, monotonic=lambda: 100.0, sleep=record)
    for number in range(4):
        await overall.wait(ChatRef("t", str(number), ChatKind.PRIVATE))
    assert waits == [0.05, 0.1, 0.15]


async def test_sender_processes_share_one_rate(each_core: Core) -> None:
    """Two processes' pacers (the same clocks, one database) never hand out the same slot: together they
    keep to the platform's rate. Slots are computed, not timed."""
    from bot.services.delivery.ratelimit import SendPacer
    from bot.storage.send_budget import SharedSendBudget

    budget = SharedSendBudget(each_core.db)
    slots: dict[str, list[float]] = {"a": [], "b": []}

    def pacer(name: str) -> SendPacer:
        async def reserve(count: int, interval: float, now: float) -> float:
            return await budget.reserve("telegram", count, interval, now)

        async def record(seconds: float) -> None:
            slots[name].append(round(1_000.0 + seconds, 6))

        return SendPacer(10.0, monotonic=lambda: 1_000.0, wall=lambda: 1_000.0, sleep=record, reserve=reserve)

    first, second = pacer("a"), pacer("b")
    for number in range(25):  # interleaved, as two processes would
        await first.wait(ChatRef("t", f"a{number}", ChatKind.PRIVATE))
        await second.wait(ChatRef("t", f"b{number}", ChatKind.PRIVATE))
    waited = sorted(slots["a"] + slots["b"])
    assert len(waited) == 49, "only the very first send goes at once"
    taken = [1_000.0, *waited]
    assert all(later - earlier >= 0.1 - 1e-6 for earlier, later in itertools.pairwise(taken))
    assert taken[-1] >= 1_000.0 + 4.9, "50 sends at 10 a second take five seconds, whichever process sends"


# The dispatcher on each database: bulk writes, batches, skipped chats, the due-time migration -------


async def subscription_of(core: Core, chat_id: str) -> Subscription:
    chat = await core.services.people.chat_settings(ChatRef("test", chat_id, ChatKind.PRIVATE))
    assert chat is not None
    found = await core.services.subscriptions.of_chat(chat.id)
    assert found is not None
    return found


async def test_concurrent_ticks_on_each_database_enqueue_once_and_move_each_subscription_once(
    each_core: Core, clock: FakeClock, tmp_path: Path, content: ContentLibrary
) -> None:
    core = each_core
    plain = await subscribe_people(core, clock, 3, "09:30")
    person = private_person(core, clock, user_id="7001")
    assert text_of(await person.command("subscribe", "09:30", "privacy")).startswith("Done!")
    clock.advance(minutes=31)
    other = await make_core(tmp_path, content, clock, database_url=core.settings.database_url_text)
    try:
        ticks = [core.dispatcher.tick(), other.dispatcher.tick(), core.dispatcher.tick()]
        reports = await asyncio.gather(*ticks)
    finally:
        await other.close()
    assert sum(report.enqueued for report in reports) == 4
    assert await delivery_rows(core) == 4
    for chat_id in [*plain, "7001"]:
        subscription = await subscription_of(core, chat_id)
        assert subscription.next_due_at == datetime(2026, 11, 26, 9, 30, tzinfo=UTC)
        assert (subscription.rotation_cycle, subscription.rotation_position) == (0, 1), "moved once"
    assert (await core.dispatcher.tick()).enqueued == 0
    privacy_chat = (await subscription_of(core, "7001")).chat_row_id
    async with core.db.begin() as connection:
        rows = (await connection.execute(select(deliveries))).all()
    assert {row.drop_id.rsplit(":", 1)[1] for row in rows} == {"2026-11-25"}
    assert {(row.status, row.platform, row.language) for row in rows} == {("pending", "test", "en")}
    categories = {tip.id: tip.category for tip in content.lang("en").tips}
    assert [categories[row.tip_id] for row in rows if row.chat_id == privacy_chat] == ["privacy"]
    messenger = RecordingMessenger()
    assert await drain(core, messenger) == 4
    assert messenger.texts_to("7001")[0].startswith("Tip:")


async def test_tick_skips_paused_subscriptions_and_unreachable_chats_and_pauses_bad_schedules(
    each_core: Core, clock: FakeClock
) -> None:
    core = each_core
    kept, paused, blocked, broken = await subscribe_people(core, clock, 4, "09:05")
    await private_person(core, clock, user_id=paused).command("unsubscribe")
    await core.services.people.mark_chat_inactive(ChatRef("test", blocked, ChatKind.PRIVATE), clock.now())
    broken_row = (await subscription_of(core, broken)).id
    async with core.db.begin() as connection:
        await connection.execute(
            update(subscriptions).where(subscriptions.c.id == broken_row).values(timezone="Mars/Olympus")
        )
    clock.advance(minutes=6)
    report = await core.dispatcher.tick()
    assert (report.enqueued, report.skipped_late) == (1, 0)
    assert (await subscription_of(core, kept)).next_due_at == datetime(2026, 11, 26, 9, 5, tzinfo=UTC)
    assert not (await subscription_of(core, broken)).active
    assert (await subscription_of(core, blocked)).next_due_at == datetime(2026, 11, 25, 9, 5, tzinfo=UTC)
    assert (await subscription_of(core, paused)).next_due_at == datetime(2026, 11, 25, 9, 5, tzinfo=UTC)
    assert (await core.dispatcher.tick()).enqueued == 0


@pytest.mark.parametrize("due", [4, 5])
async def test_a_tick_works_through_every_batch(
    due: int, core: Core, clock: FakeClock, content: ContentLibrary
) -> None:
    chats_due = await subscribe_people(core, clock, due, "09:05")
    small = Dispatcher(core.services.subscriptions, core.outbox, content, clock, batch_size=2)
    clock.advance(minutes=6)
    assert (await small.tick()).enqueued == due
    assert (await small.tick()).enqueued == 0
    for chat_id in chats_due:
        assert (await subscription_of(core, chat_id)).next_due_at == datetime(2026, 11, 26, 9, 5, tzinfo=UTC)


async def test_tick_keeps_local_time_across_dst_and_skips_weekends(each_core: Core, clock: FakeClock) -> None:
    core = each_core
    (madrid,) = await subscribe_people(core, clock, 1, "09:30", "Europe/Madrid")
    person = private_person(core, clock, user_id="7002")
    assert text_of(await person.command("subscribe", "08:00", "UTC", "weekdays")).startswith("Done!")
    async with core.db.begin() as connection:
        await connection.execute(
            update(subscriptions)
            .where(subscriptions.c.timezone == "Europe/Madrid")
            .values(next_due_at=datetime(2027, 3, 27, 8, 30, tzinfo=UTC))  # Saturday 09:30 CET
        )
        await connection.execute(
            update(subscriptions)
            .where(subscriptions.c.timezone == "UTC")
            .values(next_due_at=datetime(2027, 3, 26, 8, 0, tzinfo=UTC))  # Friday 08:00
        )
    clock.current = datetime(2027, 3, 27, 8, 31, tzinfo=UTC)
    report = await core.dispatcher.tick()
    assert (report.enqueued, report.skipped_late) == (1, 1)  # Friday's is a day late
    after_dst = (await subscription_of(core, madrid)).next_due_at
    assert after_dst == datetime(2027, 3, 28, 7, 30, tzinfo=UTC)  # Sunday 09:30 CEST
    assert (await subscription_of(core, "7002")).next_due_at == datetime(2027, 3, 29, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_due_times_are_converted_to_epoch_seconds_and_back(backend: str, tmp_path: Path) -> None:
    urls = database_urls(tmp_path)
    if backend == "postgresql":
        await anext(urls)
    url = await anext(urls)
    db = Database(url)
    due = datetime(2026, 11, 26, 8, 30, tzinfo=UTC)
    stamp = bindparam("stamp", type_=UtcDateTime())
    try:
        async with db.engine.begin() as connection:
            await connection.run_sync(migrate, "0006")
            await connection.execute(
                text(
                    "INSERT INTO chats (id, platform, platform_chat_id, kind, active, created_at) "
                    "VALUES (1, 'test', '1', 'private', true, :stamp)"
                ).bindparams(stamp),
                {"stamp": due},
            )
            await connection.execute(
                text(
                    "INSERT INTO subscriptions (id, chat_id, local_time, timezone, weekdays_only, "
                    "next_due_at, active, rotation_cycle, rotation_position, created_at) "
                    "VALUES (1, 1, '09:30', 'Europe/Madrid', false, :stamp, true, 2, 3, :stamp)"
                ).bindparams(stamp),
                {"stamp": due},
            )
        await db.migrate()
        subscription = await SubscriptionStore(db, PeopleStore(db)).of_chat(1)
        assert subscription is not None
        assert (subscription.next_due_at, subscription.rotation_position) == (due, 3)
        async with db.begin() as connection:
            stored = (await connection.execute(text("SELECT next_due_at FROM subscriptions"))).scalar_one()
            assert stored == int(due.timestamp())
            due_now = await SubscriptionStore(db, PeopleStore(db)).due(connection, int(due.timestamp()), 10)
            assert [item.id for item in due_now] == [1]
        async with db.engine.begin() as connection:
            await connection.run_sync(migrate, "0006", down=True)
            back = await connection.execute(
                text("SELECT next_due_at FROM subscriptions").columns(next_due_at=UtcDateTime())
            )
            assert back.scalar_one() == due
    finally:
        await db.close()
        await urls.aclose()
