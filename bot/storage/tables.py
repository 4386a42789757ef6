"""The schema. Every timestamp is stored as UTC and read back timezone-aware (a subscription's next due
time as whole seconds since 1970, an integer the dispatcher reads and compares in bulk).

Portable SQL only: no SQLite-only or PostgreSQL-only types here (dialect differences live in
``bot.storage.dialect``).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
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


class UtcEpochSeconds(TypeDecorator[datetime]):
    """An aware datetime stored as whole seconds since 1970-01-01 UTC (a BIGINT; fractions are dropped).

    Cheap to index, compare and read in bulk, and the same on every database. Hot paths may bind and
    read the integer itself (``type_coerce(column, BigInteger)``).
    """

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> int | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to storage; use an aware datetime")
        return math.floor(value.timestamp())

    def process_result_value(self, value: int | None, dialect: Dialect) -> datetime | None:
        return None if value is None else datetime.fromtimestamp(value, UTC)


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
    Column(
        "categories",
        JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql"),
        nullable=True,
    ),
    Column("weekdays_only", Boolean, nullable=False, default=False),
    Column("next_due_at", UtcEpochSeconds(), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("rotation_cycle", Integer, nullable=False, default=0),
    Column("rotation_position", Integer, nullable=False, default=0),
    Column("set_by", String(64), nullable=True),
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
    Column("choices", Text, nullable=True),
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


challenge_rounds = Table(
    "challenge_rounds",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("chat_id", Integer, ForeignKey("chats.id", ondelete="CASCADE"), nullable=True),
    Column("language", String(16), nullable=False),
    Column("items", Text, nullable=False),
    Column("position", Integer, nullable=False, default=0),
    Column("status", String(16), nullable=False),
    Column("started_at", UtcDateTime(), nullable=False),
    Column("active_at", UtcDateTime(), nullable=False),
    Column("finished_at", UtcDateTime(), nullable=True),
    Index("ix_challenge_rounds_user", "user_id", "status"),
)
"""A private round: the item ids in order (JSON), the position being answered, and its status
(active, finished or ended). ``active_at`` is the last answer; a round idle for longer than the
round timeout has ended."""

challenge_results = Table(
    "challenge_results",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("round_id", Integer, ForeignKey("challenge_rounds.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("item_id", String(64), nullable=False),
    Column("answer", String(16), nullable=False),
    Column("correct", Boolean, nullable=False),
    Column("technique", String(64), nullable=True),
    Column("picked_technique", String(64), nullable=True),
    Column("technique_correct", Boolean, nullable=True),
    Column("answered_at", UtcDateTime(), nullable=False),
    UniqueConstraint("round_id", "item_id", name="uq_challenge_results_round_item"),
    UniqueConstraint("round_id", "position", name="uq_challenge_results_round_position"),
    Index("ix_challenge_results_user", "user_id"),
)
"""One answer per item per round; ``technique`` is the item's own technique (manipulative items), asked
for only when the player judged it manipulative."""

challenge_seen = Table(
    "challenge_seen",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("item_id", String(64), primary_key=True),
)
"""The items a player was dealt in the current cycle; emptied when every item has been dealt."""

challenge_players = Table(
    "challenge_players",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("display_name", String(64), nullable=True),
    Column("hidden", Boolean, nullable=False, default=False),
    Column("streak", Integer, nullable=False, default=0),
    Column("best_streak", Integer, nullable=False, default=0),
    Column("last_round_date", Date, nullable=True),
)
"""A player's streak (rounds finished on consecutive UTC days), leaderboard visibility, and display name
(stored only for people who answer a group challenge, for the group's leaderboard)."""

challenge_posts = Table(
    "challenge_posts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("chat_id", Integer, ForeignKey("chats.id", ondelete="CASCADE"), nullable=False),
    Column("item_id", String(64), nullable=False),
    Column("language", String(16), nullable=False),
    Column("posted_at", UtcDateTime(), nullable=False),
    Column("reveal_due_at", UtcDateTime(), nullable=False),
    Column("revealed_at", UtcDateTime(), nullable=True),
    Index("ix_challenge_posts_chat", "chat_id", "revealed_at"),
)
"""An item posted in a group for everyone to answer, revealed by an admin or once it is due."""

challenge_votes = Table(
    "challenge_votes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("post_id", Integer, ForeignKey("challenge_posts.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("answer", String(16), nullable=False),
    Column("correct", Boolean, nullable=False),
    Column("answered_at", UtcDateTime(), nullable=False),
    UniqueConstraint("post_id", "user_id", name="uq_challenge_votes_post_user"),
    Index("ix_challenge_votes_user", "user_id"),
)
"""One answer per person per group post."""

challenge_schedules = Table(
    "challenge_schedules",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("chat_id", Integer, ForeignKey("chats.id", ondelete="CASCADE"), nullable=False, unique=True),
    Column("local_time", String(5), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("next_due_at", UtcDateTime(), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("set_by", String(96), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Index("ix_challenge_schedules_due", "active", "next_due_at"),
)

send_budgets = Table(
    "send_budgets",
    metadata,
    Column("platform", String(32), primary_key=True),
    Column("next_free", Float, nullable=False),  # seconds since 1970: the first send slot not yet taken
)

reply_windows = Table(
    "reply_windows",
    metadata,
    # When a chat last wrote to the bot (WhatsApp's 24-hour window); goes with its chat (/forget).
    Column(
        "chat_id", Integer, ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    ),
    Column("last_inbound_at", UtcDateTime(), nullable=False),
)
# A failure a platform reports after accepting a message finds its delivery by the message id (0010).
Index("ix_deliveries_platform_message_id", deliveries.c.platform_message_id)

inbound_seen = Table(
    "inbound_seen",
    metadata,
    # Ids of messages received (only the id), kept a week: a message delivered twice is handled once.
    Column("platform", String(32), primary_key=True),
    Column("message_id", String(128), primary_key=True),
    Column("seen_at", BigInteger, nullable=False, index=True),  # seconds since 1970
)
