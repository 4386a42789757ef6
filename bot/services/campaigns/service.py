"""What organizers do with campaigns: schedule, preview, pause, resume, cancel, status. The clock's side
(each due run becomes a drop in the outbox) is ``bot.jobs.campaign_runs``."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from bot.content.library import ContentLibrary
from bot.content.texts import Texts
from bot.core.clock import Clock
from bot.services.campaigns.models import Audience, CampaignFile
from bot.services.campaigns.plan import run_start, runs, snapshot_texts
from bot.storage.campaigns import ACTIVE, CampaignStatus, CampaignStore, StoredCampaign
from bot.storage.deliveries import DeliveryOutbox, DeliveryStatus

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
        store: CampaignStore,
        outbox: DeliveryOutbox,
        content: ContentLibrary,
        texts: Texts,
        clock: Clock,
    ) -> None:
        self.store = store
        self.outbox = outbox
        self.content = content
        self.texts = texts
        self.clock = clock

    # Audience ------------------------------------------------------------------------------------

    async def count_recipients(self, audience: Audience) -> dict[str, int]:
        """Recipients per platform."""
        return await self.store.count_recipients(audience.recipients())

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
