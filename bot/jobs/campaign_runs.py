"""Clock job: every due campaign run becomes a drop in the outbox, addressed to the campaign's audience as
it stands at that moment (in each recipient's language; at each subscriber's local time when the
campaign says so). A run later than the grace period is skipped and logged, never sent late."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.content.texts import Texts
from bot.core.clock import Clock
from bot.core.payloads import PayloadSigner
from bot.services.campaigns.models import SUBSCRIBER_ZONE, CampaignFile
from bot.services.campaigns.plan import Run, local_start, run_start, runs
from bot.services.stop_buttons import stop_choices
from bot.storage.campaigns import CampaignStore, StoredCampaign
from bot.storage.consent import MessageKind
from bot.storage.db import DatabaseUnavailable

_log = logging.getLogger(__name__)


class CampaignRuns:
    """Starts due campaign runs; ``tick`` once a minute."""

    def __init__(
        self,
        store: CampaignStore,
        clock: Clock,
        *,
        grace: timedelta = timedelta(hours=6),
        texts: Texts | None = None,
        signer: PayloadSigner | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.grace = grace
        self.texts = texts
        self.signer = signer
        """With texts, signs each drop's "Stop these" button (None: drops go without it)."""

    async def tick(self) -> int:
        """Turn every due run into a drop; the number of deliveries enqueued."""
        now = self.clock.now()
        enqueued = 0
        for stored in await self.store.due(now):
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
        late = now - run_start(run, zone_name) > self.grace + timedelta(days=1)
        if late:
            _log.warning("campaign %s run %s is too late to send; skipped", stored.id, run.index)
        texts: dict[str, str] = stored.spec["texts"][run.message_index]
        choices = None
        if self.texts is not None and self.signer is not None:
            kind = MessageKind.CAMPAIGNS
            choices = {lang: stop_choices(self.texts, self.signer, lang, kind, stored.id) for lang in texts}
        return await self.store.start_run(
            stored,
            run_start(following, zone_name) if following is not None else None,
            f"{stored.drop_prefix}{run.index}",
            texts,
            campaign.audience.recipients(),
            late=late,
            choices=choices,
            now=now,
            not_before=now
            if zone_name != SUBSCRIBER_ZONE
            else (lambda name: max(now, local_start(run, name))),
        )
