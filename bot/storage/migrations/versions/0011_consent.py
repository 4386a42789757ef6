"""Consent and opt-out: how and when each chat opted in and out of each kind of proactive message (issue 15).

``chat_consent`` holds where each chat stands per kind (tips, campaigns, challenges): the last opt-in and
opt-out with when and how; ``consent_events`` keeps every change, with the campaign an opt-out is put
down to. Neither holds a person's id; both go with their chat (``/forget``).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.storage.tables import UtcDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chat_consent",
        sa.Column(
            "chat_id",
            sa.Integer,
            sa.ForeignKey("chats.id", ondelete="CASCADE", name="fk_chat_consent_chat_id_chats"),
            primary_key=True,
        ),
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("opted_out", sa.Boolean, nullable=False),
        sa.Column("opted_in_at", UtcDateTime(), nullable=True),
        sa.Column("opted_in_how", sa.String(32), nullable=True),
        sa.Column("opted_out_at", UtcDateTime(), nullable=True),
        sa.Column("opted_out_how", sa.String(32), nullable=True),
    )
    op.create_index("ix_chat_consent_opted_out_at", "chat_consent", ["opted_out_at"])
    op.create_table(
        "consent_events",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True
        ),
        sa.Column(
            "chat_id",
            sa.Integer,
            sa.ForeignKey("chats.id", ondelete="CASCADE", name="fk_consent_events_chat_id_chats"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("change", sa.String(8), nullable=False),
        sa.Column("how", sa.String(32), nullable=False),
        sa.Column("campaign_id", sa.String(16), nullable=True),
        sa.Column("at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_consent_events_chat_id", "consent_events", ["chat_id"])
    op.create_index("ix_consent_events_at", "consent_events", ["at"])
    op.create_index("ix_consent_events_campaign", "consent_events", ["campaign_id", "change"])


def downgrade() -> None:
    op.drop_index("ix_consent_events_campaign", table_name="consent_events")
    op.drop_index("ix_consent_events_at", table_name="consent_events")
    op.drop_index("ix_consent_events_chat_id", table_name="consent_events")
    op.drop_table("consent_events")
    op.drop_index("ix_chat_consent_opted_out_at", table_name="chat_consent")
    op.drop_table("chat_consent")
