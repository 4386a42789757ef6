"""Consent to proactive messages: when and how each chat opted in to and out of each kind of message the
bot sends unprompted (daily tips, campaign drops, daily challenge posts), and the figures organizers see.

``chat_consent`` is where a chat stands per kind (read by the sender before every send, and by campaign
audiences); ``consent_events`` is every change. No row names a person: what is kept is the chat, the
kind, what happened, how, and when. ``/forget`` deletes a person's private chats' rows (``forget``).

Opt-outs put down to a campaign (``campaign_id``): a Stop button pressed on one of its drops, or a STOP
word written in a private chat within ``ATTRIBUTION_WINDOW`` after one of its drops was delivered there.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Select, String, case, delete, exists, literal, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.core.events import ChatRef, UserRef
from bot.storage.consent_tables import chat_consent, consent_events
from bot.storage.db import Database
from bot.storage.deliveries import DeliveryStatus
from bot.storage.dialect.upserts import insert_ignore, insert_select_ignore
from bot.storage.tables import challenge_schedules, chats, deliveries, subscriptions, users

OPTED_OUT = "opted out"
"""The ``error`` of a delivery skipped because its chat stopped that kind of message."""
ATTRIBUTION_WINDOW = timedelta(hours=24)
"""A STOP word this soon after a campaign's drop reached the chat counts as an opt-out caused by it."""


class MessageKind(StrEnum):
    """The kinds of proactive message a chat can stop separately."""

    TIPS = "tips"
    CAMPAIGNS = "campaigns"
    CHALLENGES = "challenges"


class How(StrEnum):
    """How a chat opted in or out."""

    SUBSCRIBE = "subscribe"
    """/subscribe in a private chat."""
    GROUP_ADMIN = "group_admin"
    """A group admin's /subscribe or /challenge daily."""
    CAMPAIGN_AUDIENCE = "campaign_audience"
    """A campaign's audience rule (or list of chats) reached the chat for the first time."""
    STOP_BUTTON = "stop_button"
    STOP_WORD = "stop_word"
    """STOP, BAJA... written in a private chat: every kind at once."""
    COMMAND = "command"
    """/unsubscribe or /challenge daily off."""
    RESUME_BUTTON = "resume_button"
    """The "send them again" button under a campaign opt-out's confirmation."""


DROP_KINDS: tuple[tuple[str, MessageKind], ...] = (
    ("tip:", MessageKind.TIPS),
    ("campaign:", MessageKind.CAMPAIGNS),
    ("challenge:", MessageKind.CHALLENGES),
    ("reveal:", MessageKind.CHALLENGES),
)
"""Drop id prefixes (``bot.storage.deliveries``) and the kind of message each is."""


def kind_of_drop(drop_id: str) -> MessageKind | None:
    """The kind of message a drop is, or None for a drop no one can opt out of."""
    return next((kind for prefix, kind in DROP_KINDS if drop_id.startswith(prefix)), None)


def drop_kind(drop_id: ColumnElement[Any]) -> ColumnElement[Any]:
    """``kind_of_drop`` in SQL."""
    return case(
        *((drop_id.like(f"{prefix}%"), literal(kind.value)) for prefix, kind in DROP_KINDS),
        else_=literal(None, String()),
    )


def opted_out(chat_id: ColumnElement[Any], kind: ColumnElement[Any] | str) -> ColumnElement[bool]:
    """Whether the chat (a column or value) has opted out of ``kind`` (a value or an expression)."""
    return exists(
        select(literal(1)).where(
            chat_consent.c.chat_id == chat_id,
            chat_consent.c.kind == kind,
            chat_consent.c.opted_out.is_(True),
        )
    )


async def record_audience(
    connection: AsyncConnection, backend: str, recipients: Select[Any], campaign_id: str, at: datetime
) -> None:
    """Record that a campaign's audience rule reached these chats (columns: chat row id first), for the
    chats with no record for campaigns yet: two set-based statements, whatever the audience's size."""
    source = recipients.subquery()
    chat = source.c[0]
    new = ~exists(
        select(literal(1)).where(chat_consent.c.chat_id == chat, chat_consent.c.kind == MessageKind.CAMPAIGNS)
    )
    kind = literal(MessageKind.CAMPAIGNS.value)
    how = literal(How.CAMPAIGN_AUDIENCE.value)
    when = literal(at, type_=consent_events.c.at.type)
    await connection.execute(
        consent_events.insert().from_select(
            ["chat_id", "kind", "change", "how", "campaign_id", "at"],
            select(chat, kind, literal("in"), how, literal(campaign_id), when).where(new),
        )
    )
    await connection.execute(
        insert_select_ignore(
            backend,
            chat_consent,
            ["chat_id", "kind", "opted_out", "opted_in_at", "opted_in_how"],
            select(chat, kind, literal(False), when, how).where(new),
        )
    )


@dataclass(frozen=True, slots=True)
class ConsentRecord:
    """Where a chat stands for one kind of message."""

    kind: str
    opted_out: bool
    opted_in_at: datetime | None
    opted_in_how: str | None
    opted_out_at: datetime | None
    opted_out_how: str | None


@dataclass(frozen=True, slots=True)
class ConsentEvent:
    """One opt-in ("in") or opt-out ("out")."""

    kind: str
    change: str
    how: str
    campaign_id: str | None
    at: datetime


class ConsentStore:
    """Repository of chat_consent and consent_events. Each method is one transaction."""

    def __init__(self, db: Database) -> None:
        self.db = db

    @staticmethod
    async def _chat_row(connection: AsyncConnection, chat: ChatRef) -> int | None:
        found = await connection.execute(
            select(chats.c.id).where(
                chats.c.platform == chat.platform, chats.c.platform_chat_id == chat.chat_id
            )
        )
        return found.scalar_one_or_none()

    async def _set(
        self,
        connection: AsyncConnection,
        chat_row_id: int,
        kind: MessageKind,
        out: bool,
        how: How,
        at: datetime,
        campaign_id: str | None = None,
    ) -> None:
        prefix = "opted_out" if out else "opted_in"
        values = {"opted_out": out, f"{prefix}_at": at, f"{prefix}_how": how.value}
        await connection.execute(
            insert_ignore(
                self.db.backend, chat_consent, {"chat_id": chat_row_id, "kind": kind.value, **values}
            )
        )
        await connection.execute(
            update(chat_consent)
            .where(chat_consent.c.chat_id == chat_row_id, chat_consent.c.kind == kind.value)
            .values(**values)
        )
        await connection.execute(
            consent_events.insert().values(
                chat_id=chat_row_id,
                kind=kind.value,
                change="out" if out else "in",
                how=how.value,
                campaign_id=campaign_id,
                at=at,
            )
        )

    async def opt_in(self, chat: ChatRef, kind: MessageKind, how: How, at: datetime) -> bool:
        """Record an opt-in (clearing an opt-out of that kind); False when the chat is not stored."""
        async with self.db.begin() as connection:
            chat_row_id = await self._chat_row(connection, chat)
            if chat_row_id is None:
                return False
            await self._set(connection, chat_row_id, kind, False, how, at)
            return True

    async def opt_out(
        self,
        chat: ChatRef,
        kinds: Iterable[MessageKind],
        how: How,
        at: datetime,
        *,
        campaign_id: str | None = None,
    ) -> bool:
        """Stop these kinds of message for the chat at once: record the opt-out, pause its daily tip and
        its daily challenge when those kinds are stopped. False when the chat is not stored (so nothing
        can be on its way to it).

        A campaign opt-out without ``campaign_id`` is put down to the campaign whose drop was delivered to
        the chat last, when that was within ATTRIBUTION_WINDOW and the opt-out is a STOP word.
        """
        kinds = list(kinds)
        async with self.db.begin() as connection:
            chat_row_id = await self._chat_row(connection, chat)
            if chat_row_id is None:
                return False
            if campaign_id is None and how is How.STOP_WORD and MessageKind.CAMPAIGNS in kinds:
                campaign_id = await self._recent_campaign(connection, chat_row_id, at)
            for kind in kinds:
                blamed = campaign_id if kind is MessageKind.CAMPAIGNS else None
                await self._set(connection, chat_row_id, kind, True, how, at, blamed)
            if MessageKind.TIPS in kinds:
                await connection.execute(
                    update(subscriptions).where(subscriptions.c.chat_id == chat_row_id).values(active=False)
                )
            if MessageKind.CHALLENGES in kinds:
                await connection.execute(
                    update(challenge_schedules)
                    .where(challenge_schedules.c.chat_id == chat_row_id)
                    .values(active=False)
                )
            return True

    @staticmethod
    async def _recent_campaign(connection: AsyncConnection, chat_row_id: int, at: datetime) -> str | None:
        latest = await connection.execute(
            select(deliveries.c.drop_id)
            .where(
                deliveries.c.chat_id == chat_row_id,
                deliveries.c.status == DeliveryStatus.SENT.value,
                deliveries.c.drop_id.like("campaign:%"),
                deliveries.c.finished_at >= at - ATTRIBUTION_WINDOW,
            )
            .order_by(deliveries.c.finished_at.desc())
            .limit(1)
        )
        drop_id = latest.scalar_one_or_none()
        return drop_id.split(":")[1] if drop_id else None

    async def is_opted_out(self, chat: ChatRef, kind: MessageKind) -> bool:
        async with self.db.begin() as connection:
            chat_row_id = await self._chat_row(connection, chat)
            if chat_row_id is None:
                return False
            found = await connection.execute(select(opted_out(literal(chat_row_id), kind.value)))
            return bool(found.scalar())

    async def opted_out_since(self, since: datetime) -> set[tuple[int, str]]:
        """(chat row id, kind) of every opt-out standing now that was made at or after ``since`` (the
        sender's check of deliveries it already holds)."""
        async with self.db.begin() as connection:
            rows = await connection.execute(
                select(chat_consent.c.chat_id, chat_consent.c.kind).where(
                    chat_consent.c.opted_out_at >= since, chat_consent.c.opted_out.is_(True)
                )
            )
            return {(int(chat_id), str(kind)) for chat_id, kind in rows}

    async def records(self, chat: ChatRef) -> list[ConsentRecord]:
        """Where the chat stands for each kind it has a record of."""
        async with self.db.begin() as connection:
            chat_row_id = await self._chat_row(connection, chat)
            if chat_row_id is None:
                return []
            rows = await connection.execute(
                select(chat_consent)
                .where(chat_consent.c.chat_id == chat_row_id)
                .order_by(chat_consent.c.kind)
            )
            return [
                ConsentRecord(
                    row.kind,
                    row.opted_out,
                    row.opted_in_at,
                    row.opted_in_how,
                    row.opted_out_at,
                    row.opted_out_how,
                )
                for row in rows
            ]

    async def history(self, chat: ChatRef) -> list[ConsentEvent]:
        """Every opt-in and opt-out of the chat, oldest first."""
        async with self.db.begin() as connection:
            chat_row_id = await self._chat_row(connection, chat)
            if chat_row_id is None:
                return []
            rows = await connection.execute(
                select(consent_events)
                .where(consent_events.c.chat_id == chat_row_id)
                .order_by(consent_events.c.at, consent_events.c.id)
            )
            return [ConsentEvent(row.kind, row.change, row.how, row.campaign_id, row.at) for row in rows]

    async def forget(self, user: UserRef) -> int:
        """Delete the consent records of the person's private chats (the chats go too, with PeopleStore's
        forget; this does not wait for the cascade). The number of rows deleted."""
        owned = (
            select(chats.c.id)
            .join(users, users.c.id == chats.c.owner_user_id)
            .where(users.c.platform == user.platform, users.c.platform_user_id == user.user_id)
        )
        async with self.db.begin() as connection:
            removed = 0
            for table in (consent_events, chat_consent):
                result = await connection.execute(delete(table).where(table.c.chat_id.in_(owned)))
                removed += int(result.rowcount or 0)
            return removed
