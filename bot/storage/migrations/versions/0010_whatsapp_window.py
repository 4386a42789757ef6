"""WhatsApp's 24-hour window: when each chat last wrote to the bot (filled in by the WhatsApp work, issue 18).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from __future__ import annotations

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing yet: a placeholder that keeps the chain of revisions whole."""


def downgrade() -> None:
    """Nothing yet."""
