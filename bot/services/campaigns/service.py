"""What organizers do with campaigns (schedule, preview, pause, resume, cancel, status) and the runner
that turns each due run into a drop in the outbox."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, literal, or_, select

from bot.content.library import ContentLibrary
from bot.content.texts import Texts
from bot.core.clock import Clock
from bot.services.campaigns.models import SUBSCRIBER_ZONE, Audience, CampaignFile
from bot.services.campaigns.plan import Run, local_start, run_start, runs, snapshot_texts
from bot.services.delivery.outbox import DeliveryOutbox, DeliveryStatus
from bot.storage.campaigns import ACTIVE, CampaignStatus, CampaignStore, StoredCampaign
from bot.storage.db import Database, DatabaseUnavailable
from bot.storage.tables import chats, subscriptions, users

_log = logging.getLogger(__name__)


class CampaignError(Exception):
    """An organizer's request cannot be done (unknown id, wrong state, nothing left to send)."""


@dataclass(frozen=True, slots=True)
class Scheduled:
    """A stored campaign's id and first run."""

    campaign_id: str
    first_run_at: datetime
    runs: int


class CampaignService:
    """Campaign operations over the campaigns store and the outbox."""

    def __init__(
        self,
        db: Database,
        store: CampaignStore,
        outbox: DeliveryOutbox,
        content: ContentLibrary,
        texts: Texts,
        clock: Clock,
        *,
        default_timezone: str,
        grace: timedelta = timedelta(hours=6),
    ) -> None:
        self.db = db
        self.store = store
        self.outbox = outbox
        self.content = content
        self.texts = texts
        self.clock = clock
        self.default_timezone = default_timezone
        self.grace = grace

    # Audience ------------------------------------------------------------------------------------

    def _language(self) -> ColumnElement[str]:
        return func.coalesce(chats.c.language, users.c.language, literal(self.content.default_language))

    def _zone(self) -> ColumnElement[str]:
        return func.coalesce(chats.c.timezone, literal(self.default_timezone))

    def recipients(self, audience: Audience) -> Select[Any]:
        """(chat row id, language) of every chat in the audience: active chats only."""
        language = self._language()
        query = select(chats.c.id, language).select_from(
            chats.outerjoin(users, users.c.id == chats.c.owner_user_id)
        )
        if audience.chats:
            wanted = [entry.split(":", 1) for entry in audience.chats]
            query = query.where(
                or_(*(and_(chats.c.platform == p, chats.c.platform_chat_id == c) for p, c in wanted))
            )
        else:
            query = query.join(subscriptions, subscriptions.c.chat_id == chats.c.id).where(
                subscriptions.c.active.is_(True)
            )
            if audience.categories:
                query = query.where(
                    or_(
                        subscriptions.c.categories.is_(None),
                        *(
                            subscriptions.c.categories.like(f"%{category}%")
                            for category in audience.categories
                        ),
                    )
                )
        query = query.where(chats.c.active.is_(True))
        if audience.platforms:
            query = query.where(chats.c.platform.in_(audience.platforms))
        if audience.languages:
            query = query.where(language.in_(audience.languages))
        return query

    async def count_recipients(self, audience: Audience) -> dict[str, int]:
        """Recipients per platform."""
        source = self.recipients(audience).add_columns(chats.c.platform).subquery()
        async with self.db.begin() as connection:
            rows = await connection.execute(
                select(source.c.platform, func.count())
                .group_by(source.c.platform)
                .order_by(source.c.platform)
            )
            return {platform: int(count) for platform, count in rows}

    # Organizer operations ------------------------------------------------------------------------

    async def schedule(self, campaign: CampaignFile, created_by: str) -> Scheduled:
        """Store a campaign with its messages rendered now (editing the file later changes nothing)."""
        now = self.clock.now()
        plan = runs(campaign)
        # Times have minute precision: a run at the current minute ("at 10:00", scheduled at 10:00:30)
        # is not in the past; it goes out at once.
        this_minute = now.replace(second=0, microsecond=0)
        upcoming = [run for run in plan if run_start(run, campaign.schedule.timezone) >= this_minute]
        if not upcoming:
            raise CampaignError("every run of this campaign is in the past")
        spec = {
            "file": campaign.model_dump(mode="json", by_alias=True),
            "texts": snapshot_texts(campaign, self.content, self.texts),
        }
        first = run_start(upcoming[0], campaign.schedule.timezone)
        campaign_id = await self.store.create(
            campaign.name, spec, first, created_by, now, first_run_index=upcoming[0].index
        )
        return Scheduled(campaign_id, first, len(upcoming))

    async def require(self, campaign_id: str) -> StoredCampaign:
        stored = await self.store.get(campaign_id)
        if stored is None:
            raise CampaignError(f"no campaign {campaign_id!r}; `safetybot campaign list` shows them")
        return stored

    async def pause(self, campaign_id: str) -> int:
        """Stop future runs and hold deliveries not yet sent (a finished run's stragglers too)."""
        stored = await self.require(campaign_id)
        allowed = (*ACTIVE, CampaignStatus.DONE.value)
        if not await self.store.set_status(campaign_id, CampaignStatus.PAUSED, only_from=allowed):
            raise CampaignError(
                f"campaign {campaign_id} is {stored.status.value}; "
                "only a scheduled, running or done one can pause"
            )
        return await self.outbox.set_status_of_drops(
            stored.drop_prefix, DeliveryStatus.PENDING, DeliveryStatus.HELD
        )

    async def resume(self, campaign_id: str) -> int:
        stored = await self.require(campaign_id)
        target = CampaignStatus.RUNNING if stored.next_run_index > 0 else CampaignStatus.SCHEDULED
        if stored.next_run_at is None:
            target = CampaignStatus.DONE
        if not await self.store.set_status(campaign_id, target, only_from=(CampaignStatus.PAUSED.value,)):
            raise CampaignError(f"campaign {campaign_id} is {stored.status.value}, not paused")
        return await self.outbox.set_status_of_drops(
            stored.drop_prefix, DeliveryStatus.HELD, DeliveryStatus.PENDING
        )

    async def cancel(self, campaign_id: str) -> int:
        stored = await self.require(campaign_id)
        allowed = (*ACTIVE, CampaignStatus.PAUSED.value, CampaignStatus.DONE.value)
        if not await self.store.set_status(campaign_id, CampaignStatus.CANCELLED, only_from=allowed):
            raise CampaignError(f"campaign {campaign_id} is {stored.status.value}; it cannot be cancelled")
        cancelled = await self.outbox.set_status_of_drops(
            stored.drop_prefix, DeliveryStatus.PENDING, DeliveryStatus.CANCELLED
        )
        return cancelled + await self.outbox.set_status_of_drops(
            stored.drop_prefix, DeliveryStatus.HELD, DeliveryStatus.CANCELLED
        )

    async def status(self, campaign_id: str) -> tuple[StoredCampaign, dict[str, int]]:
        stored = await self.require(campaign_id)
        return stored, await self.outbox.counts(stored.drop_prefix)

    # The runner ----------------------------------------------------------------------------------

    async def tick(self) -> int:
        """Turn every due run into a drop; the number of deliveries enqueued."""
        now = self.clock.now()
        enqueued = 0
        async with self.db.begin() as connection:
            due = await self.store.due(connection, now)
        for stored in due:
            try:
                enqueued += await self._run(stored, now)
            except DatabaseUnavailable:
                raise
            except Exception:
                _log.exception(
                    "campaign %s run %s failed; it will be tried again", stored.id, stored.next_run_index
                )
        return enqueued

    async def _run(self, stored: StoredCampaign, now: datetime) -> int:
        campaign = CampaignFile.model_validate(stored.spec["file"])
        plan = runs(campaign)
        zone_name = campaign.schedule.timezone
        run: Run = plan[stored.next_run_index]
        following = plan[stored.next_run_index + 1] if stored.next_run_index + 1 < len(plan) else None
        next_at = run_start(following, zone_name) if following is not None else None
        late = now - run_start(run, zone_name) > self.grace + timedelta(days=1)
        drop_id = f"{stored.drop_prefix}{run.index}"
        added = 0
        async with self.db.begin() as connection:
            if not await self.store.advance(connection, stored, next_at):
                return 0
            if late:
                _log.warning("campaign %s run %s is too late to send; skipped", stored.id, run.index)
                return 0
            await self.outbox.save_drop_messages(connection, drop_id, stored.spec["texts"][run.message_index])
            recipients = self.recipients(campaign.audience)
            if zone_name != SUBSCRIBER_ZONE:
                return await self.outbox.enqueue_select(connection, drop_id, recipients, not_before=now)
            zone_column = self._zone()
            zone_names = [
                name
                for (name,) in await connection.execute(
                    select(zone_column).distinct().where(chats.c.id.in_(select(recipients.subquery().c[0])))
                )
            ]
            for name in zone_names:
                when = max(now, local_start(run, name))
                added += await self.outbox.enqueue_select(
                    connection, drop_id, recipients.where(zone_column == name), not_before=when
                )
        return added
