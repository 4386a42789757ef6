"""The look-ups every repository needs: a chat's or a person's row id from their platform ids."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, ScalarSelect, case, func, select

from bot.core.events import ChatRef, UserRef
from bot.storage.tables import chats, users


def chat_row(chat: ChatRef) -> ScalarSelect[int]:
    """The chat's row id as a subquery (no row: matches nothing)."""
    return (
        select(chats.c.id)
        .where(chats.c.platform == chat.platform, chats.c.platform_chat_id == chat.chat_id)
        .scalar_subquery()
    )


def user_row(user: UserRef) -> ScalarSelect[int]:
    """The person's row id as a subquery (no row: matches nothing)."""
    return (
        select(users.c.id)
        .where(users.c.platform == user.platform, users.c.platform_user_id == user.user_id)
        .scalar_subquery()
    )


def count_true(column: ColumnElement[Any]) -> ColumnElement[int]:
    """How many rows have this boolean column true (portable: no boolean sums)."""
    return func.coalesce(func.sum(case((column.is_(True), 1), else_=0)), 0)
