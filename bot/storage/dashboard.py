"""The dashboard's own records (the audit log, the sign-in links already used) and a campaign preview's
audience by platform and language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select

from bot.storage.campaigns import CampaignStore, Recipients
from bot.storage.dashboard_tables import audit_log, dashboard_sign_ins
from bot.storage.db import Database
from bot.storage.dialect.upserts import insert_ignore
from bot.storage.tables import chats

CLI_ACTOR = "cli"
"""The actor of what the command line did (``safetybot campaign ...``)."""


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One line of the audit log: an anonymous actor label, never a platform id."""

    id: int
    at: datetime
    person_label: str
    role: str
    action: str
    subject: str | None


class AuditLog:
    """Repository of the audit log, written by the dashboard and by the command line."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def record(
        self, at: datetime, actor: str, role: str, action: str, subject: str | None = None
    ) -> None:
        """Add one entry (``actor``: an anonymous label, or ``cli``)."""
        async with self.db.begin() as connection:
            await connection.execute(
                audit_log.insert().values(
                    at=at,
                    actor=actor[:64],
                    role=role[:16],
                    action=action[:32],
                    subject=subject[:200] if subject is not None else None,
                )
            )

    async def recent(self, limit: int = 50, before_id: int | None = None) -> list[AuditEntry]:
        """The newest entries first; ``before_id`` pages to older ones."""
        query = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
        if before_id is not None:
            query = query.where(audit_log.c.id < before_id)
        async with self.db.begin() as connection:
            rows = await connection.execute(query)
            return [AuditEntry(row.id, row.at, row.actor, row.role, row.action, row.subject) for row in rows]


class SignInNonces:
    """Single use of sign-in links: a nonce is recorded the first time; the second time finds it there."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def use(self, nonce: str, now: datetime, expires_at: datetime) -> bool:
        """Record ``nonce`` as used; False when it was used before. Forgets nonces past their expiry."""
        async with self.db.begin() as connection:
            await connection.execute(delete(dashboard_sign_ins).where(dashboard_sign_ins.c.expires_at < now))
            result = await connection.execute(
                insert_ignore(
                    self.db.backend,
                    dashboard_sign_ins,
                    {"nonce": nonce[:64], "used_at": now, "expires_at": expires_at},
                )
            )
            return bool(result.rowcount)


async def audience_by_language(store: CampaignStore, audience: Recipients) -> list[tuple[str, str, int]]:
    """(platform, language, recipients now) of a campaign's audience, for its preview."""
    source = store.recipients(audience).add_columns(chats.c.platform.label("platform")).subquery()
    language = source.c[1]
    query = (
        select(source.c.platform, language, func.count())
        .group_by(source.c.platform, language)
        .order_by(source.c.platform, language)
    )
    async with store.db.begin() as connection:
        return [(platform, lang, int(count)) for platform, lang, count in await connection.execute(query)]
