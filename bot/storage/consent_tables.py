"""The consent tables (migration 0011): where each chat stands for each kind of proactive message, and
every opt-in and opt-out. Never a person's id; both go with their chat (/forget)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, ForeignKey, Index, Integer, String, Table

from bot.storage.tables import UtcDateTime, metadata

chat_consent = Table(
    "chat_consent",
    metadata,
    Column("chat_id", Integer, ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True),
    Column("kind", String(16), primary_key=True),
    Column("opted_out", Boolean, nullable=False, default=False),
    Column("opted_in_at", UtcDateTime(), nullable=True),
    Column("opted_in_how", String(32), nullable=True),
    Column("opted_out_at", UtcDateTime(), nullable=True),
    Column("opted_out_how", String(32), nullable=True),
    Index("ix_chat_consent_opted_out_at", "opted_out_at"),
)
"""Where each chat stands for each kind of proactive message (tips, campaigns, challenges): the last
opt-in and opt-out, when and how (migration 0011). The sender reads it before every send."""

consent_events = Table(
    "consent_events",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("chat_id", Integer, ForeignKey("chats.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("kind", String(16), nullable=False),
    Column("change", String(8), nullable=False),
    Column("how", String(32), nullable=False),
    Column("campaign_id", String(16), nullable=True),
    Column("at", UtcDateTime(), nullable=False),
    Index("ix_consent_events_at", "at"),
    Index("ix_consent_events_campaign", "campaign_id", "change"),
)
"""Every opt-in and opt-out ("in" / "out"), never a person's id; ``campaign_id`` names the campaign an
opt-out is put down to (its Stop button, or a STOP word within a day of its drop)."""
