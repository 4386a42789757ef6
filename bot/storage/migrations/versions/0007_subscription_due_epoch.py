"""A subscription's next due time as whole seconds since 1970 (BIGINT), so a dispatcher tick reads,
compares and writes integers rather than timestamps. Existing values are converted in place.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.storage.dialect.connection import epoch_seconds_sql, timestamp_sql

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _retype_next_due(new_type: sa.types.TypeEngine[object], convert: str) -> None:
    """Replace next_due_at by a column of ``new_type`` holding ``convert`` of each old value."""
    op.drop_index("ix_subscriptions_due", table_name="subscriptions")
    op.add_column("subscriptions", sa.Column("next_due_converted", new_type, nullable=True))
    op.execute(f"UPDATE subscriptions SET next_due_converted = {convert}")
    with op.batch_alter_table("subscriptions") as batch:
        batch.drop_column("next_due_at")
        batch.alter_column(
            "next_due_converted", new_column_name="next_due_at", existing_type=new_type, nullable=False
        )
    op.create_index("ix_subscriptions_due", "subscriptions", ["active", "next_due_at"])


def upgrade() -> None:
    _retype_next_due(sa.BigInteger(), epoch_seconds_sql(op.get_bind().dialect.name, "next_due_at"))


def downgrade() -> None:
    _retype_next_due(sa.DateTime(timezone=True), timestamp_sql(op.get_bind().dialect.name, "next_due_at"))
