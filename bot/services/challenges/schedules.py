"""Daily challenge posts: a group admin picks a local time; each day at that time the group gets an item."""

from __future__ import annotations

from datetime import time, timedelta

from bot.core.clock import Clock
from bot.core.events import ChatRef, UserRef
from bot.core.timezones import BadTime, BadZone, next_occurrence, parse_local_time, zone
from bot.storage.challenge_schedules import ChallengeSchedules, DailyPost, DueSchedule


class DailyChallenges:
    """Schedules of groups' daily challenges; a run missed by more than ``grace`` is skipped."""

    def __init__(self, schedules: ChallengeSchedules, clock: Clock, *, grace: timedelta) -> None:
        self._schedules = schedules
        self._clock = clock
        self.grace = grace

    async def set(self, chat: ChatRef, user: UserRef, wall: time, zone_name: str, language: str) -> DailyPost:
        """Start or move a group's daily challenge (in ``language`` when the group chose none)."""
        now = self._clock.now()
        due = next_occurrence(wall, zone(zone_name), now)
        local = wall.strftime("%H:%M")
        await self._schedules.set(chat, user, local, zone_name, due, language, now)
        return DailyPost(local, zone_name, due, True)

    async def stop(self, chat: ChatRef) -> bool:
        return await self._schedules.stop(chat)

    async def of(self, chat: ChatRef) -> DailyPost | None:
        return await self._schedules.of(chat)

    async def take_due(self) -> list[DueSchedule]:
        """The schedules to post now: each moved to its next time by this process (so posted once), and
        not missed by more than the grace period."""
        now = self._clock.now()
        taken = []
        for schedule in await self._schedules.due(now):
            try:
                tz, wall = zone(schedule.timezone), parse_local_time(schedule.local_time)
            except (BadZone, BadTime):
                continue
            moved = await self._schedules.advance(schedule, next_occurrence(wall, tz, now))
            if moved and now - schedule.next_due_at <= self.grace:
                taken.append(schedule)
        return taken
