"""Deliveries carry their recipient's platform, so a sender claims without scanning chats.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("deliveries", sa.Column("platform", sa.String(32), nullable=True))
    op.execute(
        "UPDATE deliveries SET platform = "
        "(SELECT chats.platform FROM chats WHERE chats.id = deliveries.chat_id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("platform")
