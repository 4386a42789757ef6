"""Daily-tip subscriptions, the delivery outbox and snapshotted drop messages.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.storage.tables import UtcDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "chat_id",
            sa.Integer,
            sa.ForeignKey("chats.id", ondelete="CASCADE", name="fk_subscriptions_chat_id_chats"),
            nullable=False,
        ),
        sa.Column("local_time", sa.String(5), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("categories", sa.String(512), nullable=True),
        sa.Column("weekdays_only", sa.Boolean, nullable=False),
        sa.Column("next_due_at", UtcDateTime(), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("rotation_cycle", sa.Integer, nullable=False),
        sa.Column("rotation_position", sa.Integer, nullable=False),
        sa.Column("set_by_user_id", sa.String(64), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.UniqueConstraint("chat_id", name="uq_subscriptions_chat_id"),
    )
    op.create_index("ix_subscriptions_due", "subscriptions", ["active", "next_due_at"])
    op.create_table(
        "deliveries",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True
        ),
        sa.Column("drop_id", sa.String(100), nullable=False),
        sa.Column(
            "chat_id",
            sa.Integer,
            sa.ForeignKey("chats.id", ondelete="CASCADE", name="fk_deliveries_chat_id_chats"),
            nullable=False,
        ),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("tip_id", sa.String(64), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", UtcDateTime(), nullable=False),
        sa.Column("lease_until", UtcDateTime(), nullable=True),
        sa.Column("claimed_by", sa.String(64), nullable=True),
        sa.Column("platform_message_id", sa.String(64), nullable=True),
        sa.Column("error", sa.String(200), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("finished_at", UtcDateTime(), nullable=True),
        sa.UniqueConstraint("drop_id", "chat_id", name="uq_deliveries_drop_recipient"),
    )
    op.create_index("ix_deliveries_claim", "deliveries", ["status", "next_attempt_at"])
    op.create_index("ix_deliveries_chat", "deliveries", ["chat_id"])
    op.create_table(
        "drop_messages",
        sa.Column("drop_id", sa.String(100), primary_key=True),
        sa.Column("language", sa.String(16), primary_key=True),
        sa.Column("text", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("drop_messages")
    op.drop_index("ix_deliveries_chat", table_name="deliveries")
    op.drop_index("ix_deliveries_claim", table_name="deliveries")
    op.drop_table("deliveries")
    op.drop_index("ix_subscriptions_due", table_name="subscriptions")
    op.drop_table("subscriptions")
