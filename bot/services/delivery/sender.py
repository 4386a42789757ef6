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
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.content.library import ContentLibrary
from bot.content.texts import Texts
from bot.core.clock import Clock
from bot.core.messenger import AdminNotifier, DeliveryFailed, Messenger, RecipientGone, RetryLater, SendRules
from bot.core.replies import Reply
from bot.services.delivery.ratelimit import SendPacer
from bot.storage.db import DatabaseUnavailable
from bot.storage.delivery_claims import ClaimedDelivery, DeliveryClaims
from bot.storage.people import PeopleStore
from bot.storage.send_budget import SharedSendBudget

_log = logging.getLogger(__name__)


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
    ) -> None:
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
            return Reply(self.texts.tip(lang, tip)) if tip is not None else None
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
        try:
            return "sent", await messenger.deliver(claimed.chat, reply)
        except RecipientGone:
            return "blocked", None
        except RetryLater as error:
            if claimed.attempts >= self.settings.max_attempts:
                return "failed", f"gave up: {error.reason}"
            wait = (
                timedelta(seconds=error.seconds) if error.seconds is not None else backoff(claimed.attempts)
            )
            return "retry", (now + wait, error.reason)
        except DeliveryFailed as error:
            return "failed", str(error)
        except Exception as error:  # a bug in a messenger must not stop the sender
            _log.exception("messenger %s failed on delivery %s", claimed.chat.platform, claimed.id)
            return "failed", type(error).__name__

    async def run_once(self) -> int:
        """Claim one batch and send it; the number of deliveries handled.

        Outcomes are recorded in small batches, but a send's concurrency slot is only freed once its
        outcome is committed: at any moment at most ``concurrency`` deliveries have gone out without
        being recorded, which bounds the duplicates a crash can cause.
        """
        claimed = await self.claims.claim(
            self.worker,
            list(self.messengers),
            now=self.clock.now(),
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
        for item, outcome, detail in batch:
            match outcome:
                case "sent":
                    sent.append((item.id, str(detail)))
                case "retry":
                    at, reason = detail  # type: ignore[misc]
                    retry.append((item.id, at, reason))
                case "failed":
                    failed.append((item.id, str(detail)))
                case "blocked":
                    await self.claims.mark_gone(item, self.worker, now)
                    set_by = await self.people.chat_gone(item.chat_row_id)
                    if set_by is not None:
                        await self._tell_admin(item, set_by)
        await self.claims.record(self.worker, sent=sent, retry=retry, failed=failed, now=now)

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
