"""WhatsApp's 24-hour window: when each chat last wrote to the bot (issue 18).

One row per chat that has written since it was stored (a ``chats`` row: someone who subscribed, chose a
language, or is in a campaign's audience), with the time of its last message. The WhatsApp messenger reads
it at send time: inside 24 hours a scheduled message may go as free text, outside it only as an approved
template. The row goes with its chat (ON DELETE CASCADE), so /forget deletes it.

``inbound_seen`` keeps the ids of messages received (the id only: never who sent it or what it says) for
a week, so a message Meta delivers twice is handled once even when the two copies reach different chat
processes.

And an index on ``deliveries.platform_message_id``: WhatsApp reports some failures after it accepted a
message (a ``failed`` status callback naming the message id), and the delivery is found by that id to be
sent again or marked failed (``bot.storage.delivery_receipts``).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.storage.tables import UtcDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reply_windows",
        sa.Column(
            "chat_id",
            sa.Integer,
            sa.ForeignKey("chats.id", ondelete="CASCADE", name="fk_reply_windows_chat_id_chats"),
            nullable=False,
        ),
        sa.Column("last_inbound_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", name="pk_reply_windows"),
    )
    op.create_table(
        "inbound_seen",
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("message_id", sa.String(128), nullable=False),
        sa.Column("seen_at", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("platform", "message_id", name="pk_inbound_seen"),
    )
    op.create_index("ix_inbound_seen_seen_at", "inbound_seen", ["seen_at"])
    op.create_index("ix_deliveries_platform_message_id", "deliveries", ["platform_message_id"])


def downgrade() -> None:
    op.drop_index("ix_deliveries_platform_message_id", table_name="deliveries")
    op.drop_index("ix_inbound_seen_seen_at", table_name="inbound_seen")
    op.drop_table("inbound_seen")
    op.drop_table("reply_windows")
