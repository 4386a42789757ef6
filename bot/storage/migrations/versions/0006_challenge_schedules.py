"""Daily challenge posts for groups, and buttons in snapshotted drop messages.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.storage.tables import UtcDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "challenge_schedules",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "chat_id",
            sa.Integer,
            sa.ForeignKey("chats.id", ondelete="CASCADE", name="fk_challenge_schedules_chat_id_chats"),
            nullable=False,
        ),
        sa.Column("local_time", sa.String(5), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("next_due_at", UtcDateTime(), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("set_by_user_id", sa.String(64), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.UniqueConstraint("chat_id", name="uq_challenge_schedules_chat_id"),
    )
    op.create_index("ix_challenge_schedules_due", "challenge_schedules", ["active", "next_due_at"])
    op.add_column("drop_messages", sa.Column("choices", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("drop_messages") as batch:
        batch.drop_column("choices")
    op.drop_index("ix_challenge_schedules_due", table_name="challenge_schedules")
    op.drop_table("challenge_schedules")
