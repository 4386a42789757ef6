"""Daily challenge posts and on-time reveals: a group admin picks a local time, and each day at that
time the group gets one challenge item, exactly as if the admin had typed /challenge; and every group
item is revealed when its reveal time comes, even if nobody writes in the group.

It reuses the scheduling engine: the time-zone rules of bot.core.timezones, a due time per group
in its own table (indexed), a guarded advance so only one process posts when several tick at once,
APScheduler's tick (bot.app.runner), and the delivery outbox: the post (text and buttons) is snapshotted
into drop_messages and sent like any other proactive message.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import func, select, update

from bot.core.events import ChatKind, ChatRef, Command, UserRef
from bot.core.replies import Outgoing
from bot.core.timezones import BadTime, BadZone, local_date, next_occurrence, parse_local_time, zone
from bot.features.base import CommandHandler, Services, Turn
from bot.storage.dialect import insert_ignore
from bot.storage.tables import challenge_posts, challenge_schedules, chats

RevealHandler = Callable[[Turn], Awaitable[list[Outgoing]]]

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DailyPost:
    """A group's daily challenge time."""

    local_time: str
    timezone: str
    next_due_at: datetime
    active: bool


class DailyChallengePosts:
    """Stores each group's daily challenge time and posts the challenge when it comes."""

    def __init__(self, services: Services, *, grace: timedelta = timedelta(hours=6)) -> None:
        self.services = services
        self.db = services.db
        self.grace = grace
        self.post_challenge: CommandHandler | None = None
        """Set by the composition root to the /challenge handler (the feature that builds a group post)."""
        self.reveal_due: RevealHandler | None = None
        """Set by the composition root to the feature's reveal of a group's due posts (guarded: once)."""

    async def set(self, chat: ChatRef, user: UserRef, wall: time, zone_name: str, language: str) -> DailyPost:
        """Start or move a group's daily challenge (posted in the group's language: ``language`` when the
        group has not chosen one)."""
        now = self.services.clock.now()
        due = next_occurrence(wall, zone(zone_name), now)
        async with self.db.begin() as connection:
            chat_row_id = await self.services.people.ensure_chat(connection, chat, user, now)
            await self.services.people.keep_delivery_language(connection, chat, user, chat_row_id, language)
            values = {
                "local_time": wall.strftime("%H:%M"),
                "timezone": zone_name,
                "next_due_at": due,
                "active": True,
                "set_by_user_id": user.user_id,
            }
            await connection.execute(
                insert_ignore(
                    self.db.dialect,
                    challenge_schedules,
                    {"chat_id": chat_row_id, "created_at": now, **values},
                )
            )
            await connection.execute(
                update(challenge_schedules)
                .where(challenge_schedules.c.chat_id == chat_row_id)
                .values(**values)
            )
        return DailyPost(values["local_time"], zone_name, due, True)

    async def stop(self, chat: ChatRef) -> bool:
        """Stop a group's daily challenge; False when it had none running."""
        chat_row_id = await self.services.people.chat_row_id(chat)
        if chat_row_id is None:
            return False
        async with self.db.begin() as connection:
            result = await connection.execute(
                update(challenge_schedules)
                .where(challenge_schedules.c.chat_id == chat_row_id, challenge_schedules.c.active.is_(True))
                .values(active=False)
            )
        return bool(result.rowcount)

    async def of(self, chat: ChatRef) -> DailyPost | None:
        chat_row_id = await self.services.people.chat_row_id(chat)
        if chat_row_id is None:
            return None
        async with self.db.begin() as connection:
            row = (
                await connection.execute(
                    select(challenge_schedules).where(challenge_schedules.c.chat_id == chat_row_id)
                )
            ).first()
        return DailyPost(row.local_time, row.timezone, row.next_due_at, row.active) if row else None

    async def _send(self, drop_id: str, chat_row_id: int, lang: str, replies: list[Outgoing]) -> None:
        """Snapshot replies (text and buttons) into the outbox for one chat."""
        services = self.services
        now = services.clock.now()
        async with self.db.begin() as connection:
            for number, outgoing in enumerate(replies):
                drop = f"{drop_id}:{number}"
                await services.outbox.save_drop_messages(
                    connection, drop, {lang: outgoing.reply.text}, choices=outgoing.reply.choices
                )
                await services.outbox.enqueue(connection, drop, chat_row_id, lang, not_before=now)

    async def reveal_tick(self) -> int:
        """Reveal every group item whose reveal time has passed; the number of groups told."""
        assert self.reveal_due is not None, "the composition root wires the reveal"
        services = self.services
        now = services.clock.now()
        async with self.db.begin() as connection:
            groups = (
                await connection.execute(
                    select(
                        chats.c.id,
                        chats.c.platform,
                        chats.c.platform_chat_id,
                        chats.c.language,
                        func.min(challenge_posts.c.id).label("first_post"),
                    )
                    .join(challenge_posts, challenge_posts.c.chat_id == chats.c.id)
                    .where(challenge_posts.c.revealed_at.is_(None), challenge_posts.c.reveal_due_at <= now)
                    .group_by(chats.c.id, chats.c.platform, chats.c.platform_chat_id, chats.c.language)
                )
            ).all()
        told = 0
        for group in groups:
            chat = ChatRef(group.platform, group.platform_chat_id, ChatKind.GROUP)
            lang = services.content.resolve_language(group.language)
            command = Command(UserRef(group.platform, "-"), chat, now, "reveal", ())
            replies = await self.reveal_due(Turn(command, lang, services))
            if replies:
                await self._send(f"reveal:{group.id}:{group.first_post}", group.id, lang, replies)
                told += 1
        return told

    async def tick(self) -> int:
        """Post every daily challenge that is due; the number of posts enqueued."""
        assert self.post_challenge is not None, "the composition root wires the /challenge handler"
        services = self.services
        now = services.clock.now()
        async with self.db.begin() as connection:
            due = (
                await connection.execute(
                    select(challenge_schedules, chats.c.platform, chats.c.platform_chat_id, chats.c.language)
                    .join(chats, chats.c.id == challenge_schedules.c.chat_id)
                    .where(
                        challenge_schedules.c.active.is_(True),
                        challenge_schedules.c.next_due_at <= now,
                        chats.c.active.is_(True),
                    )
                )
            ).all()
        posted = 0
        for row in due:
            try:
                tz, wall = zone(row.timezone), parse_local_time(row.local_time)
            except (BadZone, BadTime):
                _log.error("daily challenge %s has an invalid time or zone; skipped", row.id)
                continue
            async with self.db.begin() as connection:
                moved = await connection.execute(
                    update(challenge_schedules)
                    .where(
                        challenge_schedules.c.id == row.id,
                        challenge_schedules.c.next_due_at == row.next_due_at,
                    )
                    .values(next_due_at=next_occurrence(wall, tz, now))
                )
            if not moved.rowcount or now - row.next_due_at > self.grace:
                continue
            chat = ChatRef(row.platform, row.platform_chat_id, ChatKind.GROUP, sender_is_admin=True)
            command = Command(UserRef(row.platform, row.set_by_user_id), chat, now, "challenge", ())
            lang = services.content.resolve_language(row.language)
            replies = await self.post_challenge(Turn(command, lang, services), command)
            day = local_date(row.next_due_at, tz).isoformat()
            await self._send(f"challenge:{row.id}:{day}", row.chat_id, lang, replies)
            posted += 1
        return posted
