"""The sender: claims due deliveries in batches, sends them through each platform's Messenger, and marks
every outcome: sent, retry later (429 at the time it names; 5xx and timeouts with exponential backoff
and jitter, up to a maximum of attempts), blocked (the chat is gone), or failed."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import socket
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.content.library import ContentLibrary
from bot.content.texts import Texts
from bot.core.clock import Clock
from bot.core.messenger import (
    SCHEDULED_DROP,
    SCHEDULED_TIP,
    AdminNotifier,
    DeliveryFailed,
    Messenger,
    RecipientGone,
    RetryLater,
    ScheduledMessenger,
    SendRules,
)
from bot.core.payloads import PayloadSigner
from bot.core.replies import Reply
from bot.services.delivery.ratelimit import SendPacer
from bot.services.stop_buttons import with_stop
from bot.storage.consent import OPTED_OUT, ConsentStore, MessageKind, kind_of_drop
from bot.storage.db import DatabaseUnavailable
from bot.storage.delivery_claims import ClaimedDelivery, DeliveryClaims
from bot.storage.people import PeopleStore
from bot.storage.send_budget import SharedSendBudget
from bot.telemetry.metrics import Metrics

_log = logging.getLogger(__name__)


METRIC_OUTCOME = {"skipped": "opted_out", "blocked": "gone"}
"""The ``outcome`` label of ``safetybot_deliveries`` where it differs from the sender's own word."""


@dataclass(frozen=True, slots=True)
class SenderSettings:
    """How a sender behaves (from Settings in the composition root)."""

    batch_size: int = 200
    concurrency: int = 16
    lease: timedelta = timedelta(minutes=2)
    max_attempts: int = 5
    idle_poll_seconds: float = 1.0
    rules: Mapping[str, SendRules] = field(default_factory=dict)
    """Each platform's pace (declared by its adapter); a platform not listed is not paced."""
    opt_out_refresh_seconds: float = 1.0
    """While it holds claimed deliveries, how often the sender re-reads the opt-outs made since it claimed
    them (each send is checked against the last reading)."""


CLAIM_MARGIN = timedelta(minutes=1)
"""Opt-outs made this long before a claim are re-read too (a claim may not see one committed meanwhile)."""


def backoff(attempt: int) -> timedelta:
    """Exponential backoff with jitter: about 10 s, 20 s, 40 s... capped at 15 minutes."""
    return timedelta(seconds=min(900.0, 10.0 * 2 ** max(0, attempt - 1)) * random.uniform(0.8, 1.2))


class DeliverySender:
    """Drains the outbox for the platforms whose messengers this process holds."""

    def __init__(
        self,
        claims: DeliveryClaims,
        people: PeopleStore,
        messengers: Mapping[str, Messenger],
        content: ContentLibrary,
        texts: Texts,
        clock: Clock,
        settings: SenderSettings | None = None,
        budget: SharedSendBudget | None = None,
        *,
        consent: ConsentStore | None = None,
        signer: PayloadSigner | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.metrics = metrics
        """Deliveries by platform and outcome, and the platforms' 429 waits, for /metrics."""
        self.claims = claims
        self.people = people
        self.messengers = messengers
        self.content = content
        self.texts = texts
        self.clock = clock
        self.settings = settings or SenderSettings()
        self.budget = budget
        """The platform rates every sender process shares (None: this process paces alone)."""
        # host:pid:random, so an operator (or a test) can tell which process holds a row's lease.
        self.worker = f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._pacers: dict[str, SendPacer] = {}
        self._drop_replies: dict[str, dict[str, Reply]] = {}
        self.consent = consent
        """Opt-outs, checked again just before each send (None: only the claim checks them)."""
        self.signer = signer
        """Signs the daily tip's "Stop these" button (None: tips go without it)."""
        self._claimed_at = self.clock.now()
        self._opt_outs: set[tuple[int, str]] = set()
        self._opt_outs_read: float | None = None

    def _pacer(self, platform: str) -> SendPacer:
        if platform not in self._pacers:
            reserve = None
            if self.budget is not None:
                budget = self.budget

                async def reserve(count: int, interval: float, now: float) -> float:
                    return await budget.reserve(platform, count, interval, now)

            rules = self.settings.rules.get(
                platform, SendRules(per_second=None, private_gap=0.0, group_gap=0.0)
            )
            self._pacers[platform] = SendPacer(
                rules.per_second, reserve=reserve, private_gap=rules.private_gap, group_gap=rules.group_gap
            )
        return self._pacers[platform]

    async def render(self, claimed: ClaimedDelivery) -> Reply | None:
        """The message for a delivery: its tip in the recipient's language, or the drop's snapshot."""
        lang = self.content.resolve_language(claimed.language)
        if claimed.tip_id is not None:
            tip = self.content.tip(lang, claimed.tip_id)
            if tip is None:
                return None
            reply = Reply(self.texts.tip(lang, tip))
            if self.signer is None:
                return reply
            return with_stop(reply, self.texts, self.signer, lang, MessageKind.TIPS)
        if claimed.drop_id not in self._drop_replies:
            self._drop_replies[claimed.drop_id] = await self.claims.drop_replies(claimed.drop_id)
        replies = self._drop_replies[claimed.drop_id]
        return (
            replies.get(lang)
            or replies.get(self.content.default_language)
            or next(iter(replies.values()), None)
        )

    async def _attempt(self, claimed: ClaimedDelivery) -> tuple[str, object]:
        """Send one delivery; its outcome as (kind, detail) for the batch record."""
        now = self.clock.now()
        reply = await self.render(claimed)
        if reply is None:
            return "failed", "no message for this delivery"
        messenger = self.messengers[claimed.chat.platform]
        await self._pacer(claimed.chat.platform).wait(claimed.chat)
        if await self._stopped(claimed):
            return "skipped", OPTED_OUT
        try:
            if isinstance(messenger, ScheduledMessenger):  # e.g. WhatsApp: free text or a template
                kind = SCHEDULED_TIP if claimed.tip_id is not None else SCHEDULED_DROP
                language = self.content.resolve_language(claimed.language)
                sent = await messenger.deliver_scheduled(claimed.chat, reply, kind=kind, language=language)
                return "sent", sent
            return "sent", await messenger.deliver(claimed.chat, reply)
        except RecipientGone:
            return "blocked", None
        except RetryLater as error:
            if self.metrics is not None and error.seconds is not None:
                self.metrics.count_rate_limited(claimed.chat.platform, error.seconds)
            if claimed.attempts >= self.settings.max_attempts:
                return "failed", f"gave up: {error.reason}"
            wait = (
                timedelta(seconds=error.seconds) if error.seconds is not None else backoff(claimed.attempts)
            )
            return "retry", (now + wait, error.reason)
        except DeliveryFailed as error:
            return "failed", str(error)
        except Exception as error:  # a bug in a messenger must not stop the sender
            _log.exception(
                "messenger %s failed on delivery %s",
                claimed.chat.platform,
                claimed.id,
                extra={"platform": claimed.chat.platform, "delivery_id": claimed.id},
            )
            return "failed", type(error).__name__

    async def _stopped(self, claimed: ClaimedDelivery) -> bool:
        """Whether the chat stopped this kind of message since the row was claimed (a drop in flight is
        not sent after an opt-out; the claim itself skipped the rows of chats that had opted out before)."""
        kind = kind_of_drop(claimed.drop_id)
        if self.consent is None or kind is None:
            return False
        now = time.monotonic()
        if self._opt_outs_read is None or now - self._opt_outs_read >= self.settings.opt_out_refresh_seconds:
            self._opt_outs_read = now
            self._opt_outs = await self.consent.opted_out_since(self._claimed_at - CLAIM_MARGIN)
        return (claimed.chat_row_id, kind.value) in self._opt_outs

    async def run_once(self) -> int:
        """Claim one batch and send it; the number of deliveries handled.

        Outcomes are recorded in small batches, but a send's concurrency slot is only freed once its
        outcome is committed: at any moment at most ``concurrency`` deliveries have gone out without
        being recorded, which bounds the duplicates a crash can cause.
        """
        self._claimed_at, self._opt_outs_read = self.clock.now(), None
        claimed = await self.claims.claim(
            self.worker,
            list(self.messengers),
            now=self._claimed_at,
            limit=self.settings.batch_size,
            lease=self.settings.lease,
        )
        if not claimed:
            return 0
        slots = asyncio.Semaphore(self.settings.concurrency)
        flush_at = max(1, self.settings.concurrency // 2)
        unrecorded: list[tuple[ClaimedDelivery, str, object]] = []
        flushing = asyncio.Lock()

        async def flush() -> None:
            async with flushing:
                batch, unrecorded[:] = list(unrecorded), []
                if not batch:
                    return
                try:
                    await self._record(batch)
                finally:
                    for _ in batch:
                        slots.release()

        async def one(item: ClaimedDelivery) -> None:
            await slots.acquire()
            try:
                outcome, detail = await self._attempt(item)
            except BaseException:
                slots.release()
                raise
            unrecorded.append((item, outcome, detail))
            if len(unrecorded) >= flush_at:
                await flush()

        await asyncio.gather(*(one(item) for item in claimed))
        await flush()
        return len(claimed)

    async def _tell_admin(self, item: ClaimedDelivery, set_by: str) -> None:
        """Tell whoever set a now-paused subscription, where the platform can reach them; never fatal."""
        platform, _, user_id = set_by.partition(":")
        messenger = self.messengers.get(item.chat.platform)
        if platform != item.chat.platform or not isinstance(messenger, AdminNotifier) or item.chat.is_private:
            return
        lang = self.content.resolve_language(item.language)
        try:
            await messenger.tell_admin(user_id, item.chat, self.texts.say(lang, "subscription.paused_notice"))
        except Exception as error:  # the person may have DMs closed; the pause stands either way
            _log.info("could not tell the admin about a paused subscription: %s", type(error).__name__)

    async def _record(self, batch: list[tuple[ClaimedDelivery, str, object]]) -> None:
        now = self.clock.now()
        sent: list[tuple[int, str]] = []
        retry: list[tuple[int, datetime, str]] = []
        failed: list[tuple[int, str]] = []
        skipped: list[tuple[int, str]] = []
        for item, outcome, detail in batch:
            if self.metrics is not None:
                self.metrics.count_delivery(item.chat.platform, METRIC_OUTCOME.get(outcome, outcome))
            match outcome:
                case "sent":
                    sent.append((item.id, str(detail)))
                case "retry":
                    at, reason = detail  # type: ignore[misc]
                    retry.append((item.id, at, reason))
                case "failed":
                    failed.append((item.id, str(detail)))
                case "skipped":
                    skipped.append((item.id, str(detail)))
                case "blocked":
                    await self.claims.mark_gone(item, self.worker, now)
                    set_by = await self.people.chat_gone(item.chat_row_id)
                    if set_by is not None:
                        await self._tell_admin(item, set_by)
        await self.claims.record(self.worker, sent=sent, retry=retry, failed=failed, skipped=skipped, now=now)

    async def run(self, stop: asyncio.Event) -> None:
        """Drain the outbox until ``stop`` is set; then give back anything claimed but not finished."""
        try:
            while not stop.is_set():
                try:
                    handled = await self.run_once()
                except DatabaseUnavailable:
                    _log.warning("sender waiting: the database is unreachable")
                    handled = 0
                except Exception:
                    _log.exception("sender batch failed; trying again shortly")
                    handled = 0
                if handled == 0:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), timeout=self.settings.idle_poll_seconds)
        finally:
            try:
                released = await self.claims.release(self.worker)
            except DatabaseUnavailable:
                _log.warning("could not give back claimed deliveries; their lease will run out instead")
            else:
                if released:
                    _log.info("released %d unfinished deliveries", released)
