"""Consent and opt-out: how and when each chat opted in and out of each kind of proactive message (issue 15).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

from __future__ import annotations

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing yet: a placeholder that keeps the chain of revisions whole."""


def downgrade() -> None:
    """Nothing yet."""
