"""Campaigns: an organizer's scheduled tip drops, with their snapshotted messages.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.storage.tables import UtcDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "campaigns",
        sa.Column("id", sa.String(16), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("spec", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("next_run_index", sa.Integer, nullable=False),
        sa.Column("next_run_at", UtcDateTime(), nullable=True),
        sa.Column("created_by", sa.String(100), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_campaigns_due", "campaigns", ["status", "next_run_at"])


def downgrade() -> None:
    op.drop_index("ix_campaigns_due", table_name="campaigns")
    op.drop_table("campaigns")
