"""The dispatcher: each tick finds the subscriptions that are due and enqueues that day's tip for each.

The schedule lives in the project's own tables (next_due_at per subscription), so it survives
restarts and may run in several processes at once: each subscription is moved forward with a
conditional UPDATE (only if nobody moved it first), and the delivery key (drop, recipient) is unique,
so a tip is enqueued once whatever runs. A subscription missed by less than the grace period (the bot
was down) gets that day's tip once; older misses are skipped, never sent in a burst.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, update

from bot.clock import Clock
from bot.content.library import ContentLibrary
from bot.content.models import Tip
from bot.delivery.outbox import DeliveryStatus
from bot.scheduling.rotation import next_tip, tips_for
from bot.scheduling.timezones import BadTime, BadZone, local_date, next_occurrence, parse_local_time, zone
from bot.storage.db import Database
from bot.storage.dialect import insert_ignore_many
from bot.storage.subscriptions import SubscriptionStore
from bot.storage.tables import deliveries, subscriptions

_log = logging.getLogger(__name__)
MAX_BATCHES_PER_TICK = 10_000


@dataclass(frozen=True, slots=True)
class TickReport:
    """What one tick did."""

    enqueued: int = 0
    skipped_late: int = 0


class Dispatcher:
    """Turns due subscriptions into deliveries."""

    def __init__(
        self,
        db: Database,
        subscriptions: SubscriptionStore,
        content: ContentLibrary,
        clock: Clock,
        *,
        grace: timedelta = timedelta(hours=6),
        batch_size: int = 1000,
    ) -> None:
        self.db = db
        self.subscriptions = subscriptions
        self.content = content
        self.clock = clock
        self.grace = grace
        self.batch_size = batch_size

    async def tick(self) -> TickReport:
        """Handle every subscription due now, a batch per transaction, with set-based writes.

        Concurrent ticks (several processes) stay correct without locks: each subscription moves only
        if its due time is still the one read, and the drop id is fixed per subscription and local
        date, so a racing tick's writes change nothing.
        """
        now = self.clock.now()
        enqueued = skipped = 0
        zones: dict[str, ZoneInfo | None] = {}
        following_times: dict[tuple[str, str, bool], datetime] = {}
        pools: dict[tuple[str, tuple[str, ...]], list[Tip]] = {}
        advance = (
            update(subscriptions)
            .where(subscriptions.c.id == bindparam("b_id"), subscriptions.c.next_due_at == bindparam("b_old"))
            .values(
                next_due_at=bindparam("b_new"),
                rotation_cycle=bindparam("b_cycle"),
                rotation_position=bindparam("b_position"),
            )
        )
        enqueue = insert_ignore_many(self.db.dialect, deliveries).returning(deliveries.c.id)
        for _ in range(MAX_BATCHES_PER_TICK):
            async with self.db.begin() as connection:
                due = await self.subscriptions.due(connection, now, self.batch_size)
                moves: list[dict[str, object]] = []
                rows: list[dict[str, object]] = []
                for item in due:
                    subscription = item.subscription
                    tz = self._zone(zones, subscription.timezone)
                    try:
                        wall = parse_local_time(subscription.local_time)
                    except BadTime:
                        tz = None
                    if tz is None:
                        _log.error("subscription %s has an invalid time or zone; paused", subscription.id)
                        await self.subscriptions.pause(connection, subscription.id)
                        continue
                    key_time = (subscription.local_time, subscription.timezone, subscription.weekdays_only)
                    if key_time not in following_times:
                        following_times[key_time] = next_occurrence(
                            wall, tz, now, weekdays_only=subscription.weekdays_only
                        )
                    following = following_times[key_time]
                    late = now - subscription.next_due_at > self.grace
                    lang = self.content.resolve_language(item.language)
                    step = None
                    if not late:
                        key = (lang, tuple(subscription.categories))
                        if key not in pools:
                            pools[key] = tips_for(self.content.lang(lang).tips, subscription.categories)
                        step = next_tip(
                            pools[key],
                            subscription.chat_row_id,
                            subscription.rotation_cycle,
                            subscription.rotation_position,
                        )
                    moves.append(
                        {
                            "b_id": subscription.id,
                            "b_old": subscription.next_due_at,
                            "b_new": following,
                            "b_cycle": step.cycle if step else subscription.rotation_cycle,
                            "b_position": step.position if step else subscription.rotation_position,
                        }
                    )
                    if step is None:
                        skipped += 1
                        continue
                    day = local_date(subscription.next_due_at, tz).isoformat()
                    rows.append(
                        {
                            "drop_id": f"tip:{subscription.id}:{day}",
                            "chat_id": subscription.chat_row_id,
                            "platform": item.platform,
                            "language": lang,
                            "tip_id": step.tip.id,
                            "status": DeliveryStatus.PENDING.value,
                            "attempts": 0,
                            "next_attempt_at": now,
                            "created_at": now,
                        }
                    )
                if moves:
                    await connection.execute(advance, moves)
                if rows:
                    enqueued += len((await connection.execute(enqueue, rows)).all())
            if len(due) < self.batch_size:
                break
        if enqueued or skipped:
            _log.info("dispatcher: %d tips enqueued, %d late runs skipped", enqueued, skipped)
        return TickReport(enqueued, skipped)

    @staticmethod
    def _zone(cache: dict[str, ZoneInfo | None], name: str) -> ZoneInfo | None:
        if name not in cache:
            try:
                cache[name] = zone(name)
            except BadZone:
                cache[name] = None
        return cache[name]
