"""What every feature handler gets: the event, the person's language, and the core's services."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from bot.content.library import ContentLibrary
from bot.content.texts import Texts
from bot.core.clock import Clock
from bot.core.events import ButtonPress, Command, Incoming
from bot.core.language_detection import LanguageDetector
from bot.core.markup import Marked
from bot.core.payloads import Payload, PayloadSigner
from bot.core.pending import PendingQuestions
from bot.core.replies import Choice, Outgoing, Reply, rows
from bot.messages.speaker import Speaker
from bot.services.campaigns.service import CampaignService
from bot.services.challenges.group import GroupChallenges
from bot.services.challenges.rounds import PrivateRounds
from bot.services.challenges.schedules import DailyChallenges
from bot.storage.consent import ConsentStore
from bot.storage.deliveries import DeliveryOutbox
from bot.storage.people import PeopleStore
from bot.storage.personal_data import PersonalData
from bot.storage.subscriptions import SubscriptionStore
from bot.telemetry.metrics import Metrics
from bot.understanding.engine import AnswerEngine


@dataclass(frozen=True, slots=True)
class Policy:
    """The few settings a person's turn depends on (from Settings, in the composition root)."""

    default_timezone: str
    organizers: frozenset[str] = frozenset()
    """``platform:user_id`` of campaign organizers (SAFETYBOT_ADMINS)."""

    def is_organizer(self, platform: str, user_id: str) -> bool:
        return f"{platform}:{user_id}" in self.organizers


class DashboardLinks(Protocol):
    """Hands out one-time sign-in links to the organizers' dashboard (built in ``bot.web.access``)."""

    def link_for(self, person: str, now: datetime) -> str | None:
        """A link for ``platform:id``, or None when the person may not use the dashboard."""
        ...


@dataclass(frozen=True, slots=True)
class Services:
    """The core's services, built once by the composition root (``bot.app.wiring``)."""

    policy: Policy
    content: ContentLibrary
    texts: Texts
    engine: AnswerEngine
    people: PeopleStore
    subscriptions: SubscriptionStore
    signer: PayloadSigner
    clock: Clock
    campaigns: CampaignService
    outbox: DeliveryOutbox
    detector: LanguageDetector
    rounds: PrivateRounds
    groups: GroupChallenges
    daily_challenges: DailyChallenges
    consent: ConsentStore
    pending: PendingQuestions = field(default_factory=PendingQuestions)
    dashboard_links: DashboardLinks | None = None
    """One-time dashboard sign-in links (None when the dashboard is not set up)."""
    metrics: Metrics | None = None
    """Counters and timings for /metrics (never any text); None in tools that serve no metrics."""
    personal_data: PersonalData | None = None
    """Everything stored about a person, for /mydata."""
    """Counters and timings for /metrics (never any text); None in tools that serve no metrics."""


AdminCheck = Callable[[Incoming], Awaitable[bool]]
"""Asks the platform whether the sender administers the group (adapters supply it; called lazily)."""


@dataclass(frozen=True, slots=True)
class Turn:
    """One incoming event being handled, with helpers to build replies in the person's language."""

    event: Incoming
    lang: str
    services: Services
    admin_check: AdminCheck | None = None

    async def may_change_chat_settings(self) -> bool:
        """Anyone may change a private chat's settings; in a group only its admins."""
        chat = self.event.chat
        if chat.is_private:
            return True
        if chat.sender_is_admin is not None:
            return chat.sender_is_admin
        return await self.admin_check(self.event) if self.admin_check is not None else False

    @property
    def speaker(self) -> Speaker:
        """Composes replies in this turn's language."""
        services = self.services
        return Speaker(self.lang, services.content, services.texts, services.signer, services.clock)

    def say(self, key: str, **params: object) -> Marked:
        return self.services.texts.say(self.lang, key, **params)

    def send(self, reply: Reply) -> Outgoing:
        """A reply composed elsewhere (a Speaker), addressed to this turn's chat."""
        return Outgoing(self.event.chat, reply)

    def reply(
        self, text: str, choices: list[Choice] | None = None, *, per_row: int = 1, private: bool = False
    ) -> Outgoing:
        """A reply in the event's chat."""
        return Outgoing(self.event.chat, Reply(text, rows(choices or [], per_row), private=private))

    def button(
        self, label: str, action: str, *args: str, ttl: timedelta | None = None, personal: bool = False
    ) -> Choice:
        """A signed button; ``personal`` buttons work only for the person they were made for."""
        owner = self.owner_key if personal else None
        now = self.services.clock.now() if ttl else None
        return Choice(label, self.services.signer.make(action, *args, now=now, ttl=ttl, owner=owner))

    @property
    def owner_key(self) -> str:
        user = self.event.user
        return f"{user.platform}:{user.user_id}"


CommandHandler = Callable[[Turn, Command], Awaitable[list[Outgoing]]]
ButtonHandler = Callable[[Turn, ButtonPress, Payload], Awaitable[list[Outgoing]]]


@dataclass(frozen=True, slots=True)
class Feature:
    """A feature's commands (by name, without the slash) and button actions (by action word)."""

    commands: Mapping[str, CommandHandler]
    actions: Mapping[str, ButtonHandler]
