"""The schema. Every timestamp is stored as UTC and read back timezone-aware.

Portable SQL only: no SQLite-only or PostgreSQL-only types here (dialect differences live in
``bot.storage.dialect``).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UtcDateTime(TypeDecorator[datetime]):
    """An aware datetime stored in UTC; SQLite's naive values come back marked as UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to storage; use an aware datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("platform", String(32), nullable=False),
    Column("platform_user_id", String(64), nullable=False),
    Column("language", String(16), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    UniqueConstraint("platform", "platform_user_id", name="uq_users_platform_user"),
)

chats = Table(
    "chats",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("platform", String(32), nullable=False),
    Column("platform_chat_id", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("language", String(16), nullable=True),
    Column("timezone", String(64), nullable=True),
    Column("active", Boolean, nullable=False, default=True),
    Column("owner_user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=True, index=True),
    Column("created_at", UtcDateTime(), nullable=False),
    UniqueConstraint("platform", "platform_chat_id", name="uq_chats_platform_chat"),
)

flood_windows = Table(
    "flood_windows",
    metadata,
    Column("user_key", String(100), primary_key=True),
    Column("window_start", BigInteger, primary_key=True, autoincrement=False),
    Column("count", Integer, nullable=False),
)

app_state = Table(
    "app_state",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)


subscriptions = Table(
    "subscriptions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("chat_id", Integer, ForeignKey("chats.id", ondelete="CASCADE"), nullable=False, unique=True),
    Column("local_time", String(5), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("categories", String(512), nullable=True),
    Column("weekdays_only", Boolean, nullable=False, default=False),
    Column("next_due_at", UtcDateTime(), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("rotation_cycle", Integer, nullable=False, default=0),
    Column("rotation_position", Integer, nullable=False, default=0),
    Column("set_by_user_id", String(64), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Index("ix_subscriptions_due", "active", "next_due_at"),
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("drop_id", String(100), nullable=False),
    Column("chat_id", Integer, ForeignKey("chats.id", ondelete="CASCADE"), nullable=False),
    Column("platform", String(32), nullable=True),
    Column("language", String(16), nullable=False),
    Column("tip_id", String(64), nullable=True),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UtcDateTime(), nullable=False),
    Column("lease_until", UtcDateTime(), nullable=True),
    Column("claimed_by", String(64), nullable=True),
    Column("platform_message_id", String(64), nullable=True),
    Column("error", String(200), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("finished_at", UtcDateTime(), nullable=True),
    UniqueConstraint("drop_id", "chat_id", name="uq_deliveries_drop_recipient"),
    Index("ix_deliveries_claim", "status", "next_attempt_at"),
    Index("ix_deliveries_chat", "chat_id"),
)

drop_messages = Table(
    "drop_messages",
    metadata,
    Column("drop_id", String(100), primary_key=True),
    Column("language", String(16), primary_key=True),
    Column("text", Text, nullable=False),
)

campaigns = Table(
    "campaigns",
    metadata,
    Column("id", String(16), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("spec", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("next_run_index", Integer, nullable=False, default=0),
    Column("next_run_at", UtcDateTime(), nullable=True),
    Column("created_by", String(100), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Index("ix_campaigns_due", "status", "next_run_at"),
)
