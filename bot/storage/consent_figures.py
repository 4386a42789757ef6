"""Consent figures for organizers (the command line's campaign stats, the dashboard): counts only, never a
chat or a person. The records themselves are ``bot.storage.consent``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, case, func, select

from bot.storage.consent import How, MessageKind
from bot.storage.consent_tables import chat_consent, consent_events
from bot.storage.db import Database
from bot.storage.tables import chats


@dataclass(frozen=True, slots=True)
class CampaignOptOuts:
    """Chats that stopped campaign messages because of one campaign."""

    by_button: int
    """Pressed Stop on one of its drops."""
    in_window: int
    """Wrote a STOP word within ATTRIBUTION_WINDOW after one of its drops."""

    @property
    def total(self) -> int:
        return self.by_button + self.in_window


class ConsentFigures:
    """Aggregate queries over chat_consent and consent_events."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def opt_outs_per_day(self, since: datetime) -> list[tuple[str, str, str, int]]:
        """(day YYYY-MM-DD UTC, platform, kind, opt-outs) since ``since``, by day."""
        day = func.substr(func.cast(consent_events.c.at, String()), 1, 10)
        async with self.db.begin() as connection:
            rows = await connection.execute(
                select(day, chats.c.platform, consent_events.c.kind, func.count())
                .join(chats, chats.c.id == consent_events.c.chat_id)
                .where(consent_events.c.change == "out", consent_events.c.at >= since)
                .group_by(day, chats.c.platform, consent_events.c.kind)
                .order_by(day, chats.c.platform, consent_events.c.kind)
            )
            return [(str(when), platform, kind, int(count)) for when, platform, kind, count in rows]

    async def opt_outs_per_campaign(self) -> dict[str, CampaignOptOuts]:
        """Campaign id -> the campaign opt-outs put down to it (campaigns with none are left out)."""
        button = case((consent_events.c.how == How.STOP_BUTTON.value, 1), else_=0)
        async with self.db.begin() as connection:
            rows = await connection.execute(
                select(consent_events.c.campaign_id, func.sum(button), func.count())
                .where(
                    consent_events.c.campaign_id.is_not(None),
                    consent_events.c.change == "out",
                    consent_events.c.kind == MessageKind.CAMPAIGNS.value,
                )
                .group_by(consent_events.c.campaign_id)
            )
            return {
                campaign: CampaignOptOuts(int(by_button or 0), int(count) - int(by_button or 0))
                for campaign, by_button, count in rows
            }

    async def standing(self) -> list[tuple[str, str, str, int]]:
        """The consent records in aggregate: (kind, "in" | "out", how the chat got there, chats)."""
        out = chat_consent.c.opted_out.is_(True)
        state = case((out, "out"), else_="in")
        how = case((out, chat_consent.c.opted_out_how), else_=chat_consent.c.opted_in_how)
        async with self.db.begin() as connection:
            rows = await connection.execute(
                select(chat_consent.c.kind, state, how, func.count())
                .group_by(chat_consent.c.kind, state, how)
                .order_by(chat_consent.c.kind, state, how)
            )
            return [(kind, where, str(way), int(count)) for kind, where, way, count in rows]
