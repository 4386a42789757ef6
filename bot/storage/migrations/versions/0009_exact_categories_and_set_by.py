"""Subscription categories as a JSON array (an audience filter matches a category exactly, not as a
substring of "privacy,misinformation"), and one meaning for "who set this": ``set_by`` holds
"platform:user id" in subscriptions and in challenge schedules (it was a bare user id in the latter),
and is empty once that person used /forget.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

CATEGORIES = sa.JSON().with_variant(JSONB(), "postgresql")
FORGOTTEN = "-"


def _move_categories(to_json: bool) -> None:
    """Copy every subscription's categories from the old column to the new one, in batches."""
    connection = op.get_bind()
    source, target = ("categories", "categories_json") if to_json else ("categories_json", "categories_text")
    subscriptions = sa.table("subscriptions", sa.column("id"), sa.column(source), sa.column(target))
    rows = connection.execute(
        sa.select(subscriptions.c.id, subscriptions.c[source]).where(subscriptions.c[source].is_not(None))
    ).all()
    for start in range(0, len(rows), 1000):
        for row_id, value in rows[start : start + 1000]:
            if to_json:
                new = json.dumps([part for part in str(value).split(",") if part])
                connection.execute(
                    sa.text(
                        "UPDATE subscriptions SET categories_json = CAST(:value AS JSONB) WHERE id = :id"
                        if connection.dialect.name == "postgresql"
                        else "UPDATE subscriptions SET categories_json = :value WHERE id = :id"
                    ),
                    {"value": new, "id": row_id},
                )
            else:
                parts = value if isinstance(value, list) else json.loads(value)
                connection.execute(
                    sa.text("UPDATE subscriptions SET categories_text = :value WHERE id = :id"),
                    {"value": ",".join(parts) or None, "id": row_id},
                )


def upgrade() -> None:
    with op.batch_alter_table("subscriptions") as batch:
        batch.add_column(sa.Column("categories_json", CATEGORIES, nullable=True))
    _move_categories(to_json=True)
    with op.batch_alter_table("subscriptions") as batch:
        batch.drop_column("categories")
        batch.alter_column("categories_json", new_column_name="categories")
        batch.alter_column("set_by_user_id", new_column_name="set_by", existing_type=sa.String(64))
    with op.batch_alter_table("challenge_schedules") as batch:
        batch.add_column(sa.Column("set_by", sa.String(96), nullable=True))
    op.execute(
        "UPDATE challenge_schedules SET set_by = (SELECT chats.platform FROM chats WHERE chats.id = "
        "challenge_schedules.chat_id) || ':' || set_by_user_id WHERE set_by_user_id <> '" + FORGOTTEN + "'"
    )
    with op.batch_alter_table("challenge_schedules") as batch:
        batch.drop_column("set_by_user_id")


def downgrade() -> None:
    with op.batch_alter_table("challenge_schedules") as batch:
        batch.add_column(sa.Column("set_by_user_id", sa.String(64), nullable=False, server_default=FORGOTTEN))
    op.execute(
        "UPDATE challenge_schedules SET set_by_user_id = substr(set_by, instr(set_by, ':') + 1) "
        "WHERE set_by IS NOT NULL"
        if op.get_bind().dialect.name == "sqlite"
        else "UPDATE challenge_schedules SET set_by_user_id = split_part(set_by, ':', 2) "
        "WHERE set_by IS NOT NULL"
    )
    with op.batch_alter_table("challenge_schedules") as batch:
        batch.drop_column("set_by")
    with op.batch_alter_table("subscriptions") as batch:
        batch.add_column(sa.Column("categories_text", sa.String(512), nullable=True))
        batch.alter_column("set_by", new_column_name="set_by_user_id", existing_type=sa.String(64))
    with op.batch_alter_table("subscriptions") as batch:
        batch.alter_column("categories", new_column_name="categories_json")
    _move_categories(to_json=False)
    with op.batch_alter_table("subscriptions") as batch:
        batch.drop_column("categories_json")
        batch.alter_column("categories_text", new_column_name="categories")
