"""The dashboard's tables (migration 0012): the audit log, the sign-in links already used, and the rollups
its overview reads, on the schema's metadata. Counts and anonymous labels only: no person, no message."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, String, Table

from bot.storage.tables import UtcDateTime, challenge_results, deliveries, metadata

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("role", String(16), nullable=False),
    Column("action", String(32), nullable=False),
    Column("subject", String(200), nullable=True),
    Index("ix_audit_log_at", "at"),
)
"""Who did what on the dashboard or the command line: ``actor`` is an anonymous label (or ``cli``)."""

dashboard_sign_ins = Table(
    "dashboard_sign_ins",
    metadata,
    Column("nonce", String(64), primary_key=True),
    Column("used_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Index("ix_dashboard_sign_ins_expires", "expires_at"),
)
"""Sign-in links already used: the insert that finds the nonce here is the second use."""

stats_deliveries_daily = Table(
    "stats_deliveries_daily",
    metadata,
    Column("day", String(10), primary_key=True),
    Column("status", String(16), primary_key=True),
    Column("count", BigInteger, nullable=False),
)
"""Deliveries created per UTC day (YYYY-MM-DD) by their status, rolled up for the dashboard."""

stats_subscribers_daily = Table(
    "stats_subscribers_daily",
    metadata,
    Column("day", String(10), primary_key=True),
    Column("platform", String(32), primary_key=True),
    Column("language", String(16), primary_key=True),
    Column("count", BigInteger, nullable=False),
)
"""Active subscriptions per platform and language, as counted on each day."""

stats_opt_outs_daily = Table(
    "stats_opt_outs_daily",
    metadata,
    Column("day", String(10), primary_key=True),
    Column("platform", String(32), primary_key=True),
    Column("count", BigInteger, nullable=False),
)
"""Chats that stopped proactive messages (or blocked the bot) per day and platform."""

stats_challenges = Table(
    "stats_challenges",
    metadata,
    Column("language", String(16), primary_key=True),
    Column("rounds", BigInteger, nullable=False),
    Column("players", BigInteger, nullable=False),
    Column("reliable_shown", BigInteger, nullable=False),
    Column("reliable_trusted", BigInteger, nullable=False),
    Column("manipulative_shown", BigInteger, nullable=False),
    Column("manipulative_caught", BigInteger, nullable=False),
)
"""Private challenge rounds of the dashboard's period per language, summed (no person)."""

Index("ix_deliveries_created", deliveries.c.created_at)
Index("ix_challenge_results_answered", challenge_results.c.answered_at)
"""The dashboard's rollups read recent deliveries and answers by time (migration 0012)."""
