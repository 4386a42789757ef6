"""The dispatcher: each tick finds the subscriptions that are due and enqueues that day's tip for each.

The schedule lives in the project's own tables (next_due_at per subscription), so it survives
restarts and may run in several processes at once: each subscription is moved forward with a
conditional UPDATE (only if nobody moved it first), and the delivery key (drop, recipient) is unique,
so a tip is enqueued once whatever runs. A subscription missed by less than the grace period (the bot
was down) gets that day's tip once; older misses are skipped, never sent in a burst.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.content.library import ContentLibrary
from bot.content.models import Tip
from bot.core.clock import Clock
from bot.core.timezones import BadTime, BadZone, local_date, next_occurrence, parse_local_time, zone
from bot.services.tip_rotation import next_tip, tips_for
from bot.storage.deliveries import DeliveryOutbox
from bot.storage.subscriptions import (
    DueSubscription,
    PlannedBatch,
    SubscriptionMove,
    SubscriptionStore,
    categories_of,
)

_log = logging.getLogger(__name__)
MAX_BATCHES_PER_TICK = 10_000


@dataclass(frozen=True, slots=True)
class TickReport:
    """What one tick did."""

    enqueued: int = 0
    skipped_late: int = 0


@dataclass(frozen=True, slots=True)
class _Timing:
    """Where a (local time, zone, weekdays only) schedule stands in this tick: its zone and next due time
    (epoch seconds), or no zone when the time or zone is invalid."""

    tz: ZoneInfo | None
    following: int = 0


class _TickCache:
    """One tick's view of time and content. What it works out once is shared by the subscriptions that
    have it in common: a schedule's next due time, a language's tip pool for a category choice, a due
    time's local date."""

    def __init__(self, content: ContentLibrary, now: datetime, grace: timedelta) -> None:
        self.content = content
        self.now = now
        self.now_seconds = now.timestamp()
        self.due_by = math.floor(self.now_seconds)
        self.grace_seconds = grace.total_seconds()
        self.timings: dict[tuple[str, str, bool], _Timing] = {}
        self.languages: dict[str | None, str] = {}
        self.pools: dict[tuple[str, tuple[str, ...]], list[Tip]] = {}
        self.days: dict[tuple[str, int], str] = {}

    def plan(self, due: list[DueSubscription]) -> PlannedBatch:
        """Each due subscription's move to its next due time and, unless it is too late, its tip."""
        batch = PlannedBatch()
        moves, tips = batch.moves, batch.tips
        timing_of, language_of, pool_of, day_of = self.timing, self.language, self.pool, self.day
        oldest_served = self.now_seconds - self.grace_seconds  # older misses are skipped, not sent late
        for item in due:
            timing = timing_of(item.local_time, item.timezone, item.weekdays_only)
            if timing.tz is None:
                batch.invalid.append(item.id)
                continue
            lang = language_of(item.language)
            step = None
            if item.next_due >= oldest_served:
                step = next_tip(
                    pool_of(lang, item.categories),
                    item.chat_row_id,
                    item.rotation_cycle,
                    item.rotation_position,
                )
            if step is None:
                batch.skipped += 1
                moves.append(
                    SubscriptionMove(
                        item.id, item.next_due, timing.following, item.rotation_cycle, item.rotation_position
                    )
                )
                continue
            moves.append(
                SubscriptionMove(item.id, item.next_due, timing.following, step.cycle, step.position)
            )
            day = day_of(timing.tz, item.timezone, item.next_due)
            tips.append((f"tip:{item.id}:{day}", item.chat_row_id, item.platform, lang, step.tip.id))
        return batch

    def timing(self, local_time: str, timezone: str, weekdays_only: bool) -> _Timing:
        key = (local_time, timezone, weekdays_only)
        found = self.timings.get(key)
        if found is None:
            try:
                tz = zone(timezone)
                wall = parse_local_time(local_time)
            except (BadZone, BadTime):
                found = _Timing(None)
            else:
                following = next_occurrence(wall, tz, self.now, weekdays_only=weekdays_only)
                found = _Timing(tz, math.floor(following.timestamp()))
            self.timings[key] = found
        return found

    def language(self, code: str | None) -> str:
        found = self.languages.get(code)
        if found is None:
            found = self.languages[code] = self.content.resolve_language(code)
        return found

    def pool(self, lang: str, categories: list[str] | None) -> list[Tip]:
        key = (lang, tuple(categories or ()))
        found = self.pools.get(key)
        if found is None:
            found = self.pools[key] = tips_for(self.content.lang(lang).tips, categories_of(categories))
        return found

    def day(self, tz: ZoneInfo, timezone: str, due: int) -> str:
        key = (timezone, due)
        found = self.days.get(key)
        if found is None:
            found = self.days[key] = local_date(datetime.fromtimestamp(due, UTC), tz).isoformat()
        return found


class Dispatcher:
    """Turns due subscriptions into deliveries."""

    def __init__(
        self,
        subscriptions: SubscriptionStore,
        outbox: DeliveryOutbox,
        content: ContentLibrary,
        clock: Clock,
        *,
        grace: timedelta = timedelta(hours=6),
        batch_size: int = 1000,
    ) -> None:
        self.subscriptions = subscriptions
        self.content = content
        self.clock = clock
        self.grace = grace
        self.batch_size = batch_size
        self._tips = outbox.tips_writer()

    async def tick(self) -> TickReport:
        """Handle every subscription due now, a batch per transaction, with two bulk writes a batch.

        Each batch is one indexed read of the due subscriptions (plain values, due times as integers),
        the tips and next due times worked out in Python (once per schedule, language and category
        choice), then two bulk writes (``BulkWrite``: one statement on PostgreSQL, one compiled statement
        stepped per row on SQLite): the guarded UPDATE moving them all and the INSERT of their tips.

        Concurrent ticks (several processes) stay correct without locks: each subscription moves only
        if its due time is still the one read, and the drop id is fixed per subscription and local
        date, so a racing tick's writes change nothing.
        """
        now = self.clock.now()
        cache = _TickCache(self.content, now, self.grace)
        enqueued = skipped = 0
        for _ in range(MAX_BATCHES_PER_TICK):
            more, batch, added = await self.subscriptions.dispatch_batch(
                cache.due_by, self.batch_size, cache.plan, self._tips, now
            )
            for subscription_id in batch.invalid:
                _log.error("subscription %s has an invalid time or zone; paused", subscription_id)
            enqueued += added
            skipped += batch.skipped
            if not more:
                break
        if enqueued or skipped:
            _log.info("dispatcher: %d tips enqueued, %d late runs skipped", enqueued, skipped)
        return TickReport(enqueued, skipped)
