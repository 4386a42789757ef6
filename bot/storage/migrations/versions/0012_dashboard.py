"""The organizers' dashboard: the audit log and the aggregate tables its overview reads (issue 15).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

from __future__ import annotations

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing yet: a placeholder that keeps the chain of revisions whole."""


def downgrade() -> None:
    """Nothing yet."""
