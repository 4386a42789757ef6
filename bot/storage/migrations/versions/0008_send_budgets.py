"""Send slots shared by every sender process: one row per platform with the first free slot.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "send_budgets",
        sa.Column("platform", sa.String(32), primary_key=True),
        sa.Column("next_free", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("send_budgets")
