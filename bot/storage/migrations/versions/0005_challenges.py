"""Misinformation-spotting challenges: private rounds and their results, the items each player was dealt,
player streaks and leaderboard settings, group posts and their votes. Everything about a person cascades
from their users row, so /forget removes it.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.storage.tables import UtcDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _user_fk(table: str) -> sa.ForeignKey:
    return sa.ForeignKey("users.id", ondelete="CASCADE", name=f"fk_{table}_user_id_users")


def upgrade() -> None:
    op.create_table(
        "challenge_rounds",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.Integer, _user_fk("challenge_rounds"), nullable=False),
        sa.Column(
            "chat_id",
            sa.Integer,
            sa.ForeignKey("chats.id", ondelete="CASCADE", name="fk_challenge_rounds_chat_id_chats"),
            nullable=True,
        ),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("items", sa.Text, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_at", UtcDateTime(), nullable=False),
        sa.Column("active_at", UtcDateTime(), nullable=False),
        sa.Column("finished_at", UtcDateTime(), nullable=True),
    )
    op.create_index("ix_challenge_rounds_user", "challenge_rounds", ["user_id", "status"])
    op.create_table(
        "challenge_results",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "round_id",
            sa.Integer,
            sa.ForeignKey(
                "challenge_rounds.id",
                ondelete="CASCADE",
                name="fk_challenge_results_round_id_challenge_rounds",
            ),
            nullable=False,
        ),
        sa.Column("user_id", sa.Integer, _user_fk("challenge_results"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("item_id", sa.String(64), nullable=False),
        sa.Column("answer", sa.String(16), nullable=False),
        sa.Column("correct", sa.Boolean, nullable=False),
        sa.Column("technique", sa.String(64), nullable=True),
        sa.Column("picked_technique", sa.String(64), nullable=True),
        sa.Column("technique_correct", sa.Boolean, nullable=True),
        sa.Column("answered_at", UtcDateTime(), nullable=False),
        sa.UniqueConstraint("round_id", "item_id", name="uq_challenge_results_round_item"),
        sa.UniqueConstraint("round_id", "position", name="uq_challenge_results_round_position"),
    )
    op.create_index("ix_challenge_results_user", "challenge_results", ["user_id"])
    op.create_table(
        "challenge_seen",
        sa.Column("user_id", sa.Integer, _user_fk("challenge_seen"), primary_key=True),
        sa.Column("item_id", sa.String(64), primary_key=True),
    )
    op.create_table(
        "challenge_players",
        sa.Column("user_id", sa.Integer, _user_fk("challenge_players"), primary_key=True),
        sa.Column("display_name", sa.String(64), nullable=True),
        sa.Column("hidden", sa.Boolean, nullable=False),
        sa.Column("streak", sa.Integer, nullable=False),
        sa.Column("best_streak", sa.Integer, nullable=False),
        sa.Column("last_round_date", sa.Date, nullable=True),
    )
    op.create_table(
        "challenge_posts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "chat_id",
            sa.Integer,
            sa.ForeignKey("chats.id", ondelete="CASCADE", name="fk_challenge_posts_chat_id_chats"),
            nullable=False,
        ),
        sa.Column("item_id", sa.String(64), nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("posted_at", UtcDateTime(), nullable=False),
        sa.Column("reveal_due_at", UtcDateTime(), nullable=False),
        sa.Column("revealed_at", UtcDateTime(), nullable=True),
    )
    op.create_index("ix_challenge_posts_chat", "challenge_posts", ["chat_id", "revealed_at"])
    op.create_table(
        "challenge_votes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "post_id",
            sa.Integer,
            sa.ForeignKey(
                "challenge_posts.id", ondelete="CASCADE", name="fk_challenge_votes_post_id_challenge_posts"
            ),
            nullable=False,
        ),
        sa.Column("user_id", sa.Integer, _user_fk("challenge_votes"), nullable=False),
        sa.Column("answer", sa.String(16), nullable=False),
        sa.Column("correct", sa.Boolean, nullable=False),
        sa.Column("answered_at", UtcDateTime(), nullable=False),
        sa.UniqueConstraint("post_id", "user_id", name="uq_challenge_votes_post_user"),
    )
    op.create_index("ix_challenge_votes_user", "challenge_votes", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_challenge_votes_user", table_name="challenge_votes")
    op.drop_table("challenge_votes")
    op.drop_index("ix_challenge_posts_chat", table_name="challenge_posts")
    op.drop_table("challenge_posts")
    op.drop_table("challenge_players")
    op.drop_table("challenge_seen")
    op.drop_index("ix_challenge_results_user", table_name="challenge_results")
    op.drop_table("challenge_results")
    op.drop_index("ix_challenge_rounds_user", table_name="challenge_rounds")
    op.drop_table("challenge_rounds")
