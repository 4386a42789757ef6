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
from datetime import timedelta

from bot.clock import Clock
from bot.content.library import ContentLibrary
from bot.delivery.outbox import DeliveryOutbox
from bot.scheduling.rotation import next_tip, tips_for
from bot.scheduling.timezones import BadTime, BadZone, local_date, next_occurrence, parse_local_time, zone
from bot.storage.db import Database
from bot.storage.subscriptions import SubscriptionStore

_log = logging.getLogger(__name__)
MAX_BATCHES_PER_TICK = 10_000


@dataclass(frozen=True, slots=True)
class TickReport:
    """What one tick did."""

    enqueued: int = 0
    skipped_late: int = 0
    already_done: int = 0


class Dispatcher:
    """Turns due subscriptions into deliveries."""

    def __init__(
        self,
        db: Database,
        subscriptions: SubscriptionStore,
        outbox: DeliveryOutbox,
        content: ContentLibrary,
        clock: Clock,
        *,
        grace: timedelta = timedelta(hours=6),
        batch_size: int = 500,
    ) -> None:
        self.db = db
        self.subscriptions = subscriptions
        self.outbox = outbox
        self.content = content
        self.clock = clock
        self.grace = grace
        self.batch_size = batch_size

    async def tick(self) -> TickReport:
        """Handle every subscription due now, a batch per transaction."""
        now = self.clock.now()
        enqueued = skipped = already = 0
        for _ in range(MAX_BATCHES_PER_TICK):
            async with self.db.begin() as connection:
                due = await self.subscriptions.due(connection, now, self.batch_size)
                for item in due:
                    subscription = item.subscription
                    try:
                        tz = zone(subscription.timezone)
                        wall = parse_local_time(subscription.local_time)
                    except (BadZone, BadTime):
                        _log.error("subscription %s has an invalid time or zone; paused", subscription.id)
                        await self.subscriptions.pause(connection, subscription.id)
                        continue
                    following = next_occurrence(wall, tz, now, weekdays_only=subscription.weekdays_only)
                    late = now - subscription.next_due_at > self.grace
                    lang = self.content.resolve_language(item.language)
                    step = (
                        None
                        if late
                        else next_tip(
                            tips_for(self.content.lang(lang).tips, subscription.categories),
                            subscription.chat_row_id,
                            subscription.rotation_cycle,
                            subscription.rotation_position,
                        )
                    )
                    cycle = step.cycle if step else subscription.rotation_cycle
                    position = step.position if step else subscription.rotation_position
                    moved = await self.subscriptions.advance(
                        connection, subscription, next_due_at=following, cycle=cycle, position=position
                    )
                    if not moved:
                        already += 1
                        continue
                    if step is None:
                        skipped += 1
                        continue
                    drop_id = f"tip:{subscription.id}:{local_date(subscription.next_due_at, tz).isoformat()}"
                    added = await self.outbox.enqueue(
                        connection,
                        drop_id,
                        subscription.chat_row_id,
                        lang,
                        not_before=now,
                        tip_id=step.tip.id,
                    )
                    enqueued += int(added)
            if len(due) < self.batch_size:
                break
        if enqueued or skipped:
            _log.info("dispatcher: %d tips enqueued, %d late runs skipped", enqueued, skipped)
        return TickReport(enqueued, skipped, already)
