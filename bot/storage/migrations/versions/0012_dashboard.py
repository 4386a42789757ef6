"""The organizers' dashboard: the audit log and the aggregate tables its overview reads (issue 15).

Also indexes deliveries and challenge answers by time, so the rollups read only recent rows.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.storage.tables import UtcDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

COUNTS = ("reliable_shown", "reliable_trusted", "manipulative_shown", "manipulative_caught")


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True
        ),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("subject", sa.String(200), nullable=True),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_table(
        "dashboard_sign_ins",
        sa.Column("nonce", sa.String(64), primary_key=True),
        sa.Column("used_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_dashboard_sign_ins_expires", "dashboard_sign_ins", ["expires_at"])
    op.create_table(
        "stats_deliveries_daily",
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("status", sa.String(16), primary_key=True),
        sa.Column("count", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "stats_subscribers_daily",
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("platform", sa.String(32), primary_key=True),
        sa.Column("language", sa.String(16), primary_key=True),
        sa.Column("count", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "stats_opt_outs_daily",
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("platform", sa.String(32), primary_key=True),
        sa.Column("count", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "stats_challenges",
        sa.Column("language", sa.String(16), primary_key=True),
        sa.Column("rounds", sa.BigInteger, nullable=False),
        sa.Column("players", sa.BigInteger, nullable=False),
        *(sa.Column(name, sa.BigInteger, nullable=False) for name in COUNTS),
    )
    op.create_index("ix_deliveries_created", "deliveries", ["created_at"])
    op.create_index("ix_challenge_results_answered", "challenge_results", ["answered_at"])


def downgrade() -> None:
    op.drop_index("ix_challenge_results_answered", table_name="challenge_results")
    op.drop_index("ix_deliveries_created", table_name="deliveries")
    for table in (
        "stats_challenges",
        "stats_opt_outs_daily",
        "stats_subscribers_daily",
        "stats_deliveries_daily",
        "dashboard_sign_ins",
        "audit_log",
    ):
        op.drop_table(table)
