"""The composition root: builds every repository, service, feature and clock job from Settings, in one
place, and holds the platforms installed (the runner starts them)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal

from prometheus_client import CollectorRegistry

from bot.app.platforms import AdminCheck, Platform, installed_platforms
from bot.app.settings import Settings
from bot.content.library import ContentLibrary
from bot.content.loader import load_content
from bot.content.reading import DEFAULT_CONTENT_DIR
from bot.content.texts import Texts
from bot.core.clock import Clock, SystemClock
from bot.core.events import ButtonPress, ChatRef, Command, Incoming, TextMessage
from bot.core.language_detection import detector_for
from bot.core.messenger import Messenger
from bot.core.payloads import PayloadSigner
from bot.core.replies import Outgoing
from bot.features.base import Policy, Services
from bot.features.conversation import Conversation
from bot.jobs import ClockJob
from bot.jobs.campaign_runs import CampaignRuns
from bot.jobs.challenge_posts import ChallengePosts
from bot.jobs.daily_tips import Dispatcher
from bot.messages.speaker import Speaker
from bot.services.campaigns.service import CampaignService
from bot.services.challenges.group import GroupChallenges
from bot.services.challenges.rounds import PrivateRounds
from bot.services.challenges.schedules import DailyChallenges
from bot.services.delivery.sender import DeliverySender, SenderSettings
from bot.services.flood import FloodGate
from bot.storage.app_state import shared_secret
from bot.storage.campaigns import CampaignStore
from bot.storage.challenge_players import ChallengePlayers
from bot.storage.challenge_posts import GroupPosts
from bot.storage.challenge_rounds import ChallengeRounds
from bot.storage.challenge_schedules import ChallengeSchedules
from bot.storage.consent import ConsentStore
from bot.storage.db import Database
from bot.storage.deliveries import DeliveryOutbox
from bot.storage.delivery_claims import DeliveryClaims
from bot.storage.flood_windows import FloodCounters
from bot.storage.people import PeopleStore
from bot.storage.personal_data import PersonalData
from bot.storage.send_budget import SharedSendBudget
from bot.storage.subscriptions import SubscriptionStore
from bot.telemetry.metrics import Metrics
from bot.understanding import Understanding, build_understanding, load_encoder
from bot.understanding.crisis_patterns import CrisisDetector
from bot.understanding.engine import AnswerEngine
from bot.web.access import DASHBOARD_SECRET_KEY, DashboardAccess

_log = logging.getLogger(__name__)

UPDATE_KIND: dict[type, str] = {TextMessage: "text", Command: "command", ButtonPress: "button"}
"""The ``kind`` label of ``safetybot_updates`` for each event type."""


@dataclass
class Core:
    """The wired bot: the conversation and the services behind it, the clock side (the outbox and the
    clock's jobs), the platforms installed and the messengers they register.

    It is the ``ChatPort`` adapters get: they handle people's turns through it and nothing else."""

    settings: Settings
    db: Database
    services: Services
    conversation: Conversation
    outbox: DeliveryOutbox
    dispatcher: Dispatcher
    campaign_runs: CampaignRuns
    challenge_posts: ChallengePosts
    platforms: dict[str, Platform] = field(default_factory=dict)
    messengers: dict[str, Messenger] = field(default_factory=dict)

    # The ChatPort ---------------------------------------------------------------------------------

    @property
    def content(self) -> ContentLibrary:
        return self.services.content

    @property
    def texts(self) -> Texts:
        return self.services.texts

    @property
    def clock(self) -> Clock:
        return self.services.clock

    async def handle(self, event: Incoming, *, admin_check: AdminCheck | None = None) -> list[Outgoing]:
        started = time.perf_counter()
        replies = await self.conversation.handle(event, admin_check=admin_check)
        latency_ms = round((time.perf_counter() - started) * 1000, 1)
        kind = UPDATE_KIND[type(event)]
        _log.debug(
            "handled a %s with %d replies",
            kind,
            len(replies),
            extra={"platform": event.chat.platform, "latency_ms": latency_ms},
        )
        if (metrics := self.services.metrics) is not None:
            metrics.count_update(event.chat.platform, kind)
            for _ in replies:
                metrics.count_reply(event.chat.platform)
        return replies

    def detect_language(self, text: str) -> str | None:
        return self.services.detector.detect(text)

    def register_messenger(self, messenger: Messenger) -> None:
        self.messengers[messenger.platform] = messenger

    def unregister_messenger(self, platform: str) -> None:
        self.messengers.pop(platform, None)

    async def chat_unreachable(self, chat: ChatRef, now: datetime) -> None:
        await self.services.people.mark_chat_inactive(chat, now)

    async def chat_reachable(self, chat: ChatRef) -> None:
        await self.services.people.reactivate_chat(chat)

    # The clock side ---------------------------------------------------------------------------------

    def clock_jobs(self) -> tuple[tuple[str, ClockJob], ...]:
        """Every job the scheduler runs once a minute, by name (one process at a time runs each round).

        A new job: a class in ``bot/jobs/`` calling the services, built in ``build_core``, listed here.
        """
        return (
            ("dispatcher", self.dispatcher.tick),
            ("campaigns", self.campaign_runs.tick),
            ("daily-challenges", self.challenge_posts.tick),
            ("challenge-reveals", self.challenge_posts.reveal_tick),
        )

    def make_sender(self) -> DeliverySender:
        """A sender for the messengers registered so far (it reads the dict, so later ones count too),
        paced by each platform's declared rules."""
        settings = self.settings
        rules = {name: platform.send_rules() for name, platform in self.platforms.items()}
        return DeliverySender(
            DeliveryClaims(self.db),
            self.services.people,
            self.messengers,
            self.services.content,
            self.services.texts,
            self.services.clock,
            SenderSettings(
                batch_size=settings.safetybot_sender_batch,
                concurrency=settings.safetybot_sender_concurrency,
                lease=timedelta(seconds=settings.safetybot_sender_lease_seconds),
                max_attempts=settings.safetybot_delivery_max_attempts,
                rules=rules,
            ),
            budget=SharedSendBudget(self.db),
            consent=self.services.consent,
            signer=self.services.signer,
            metrics=self.services.metrics,
        )

    async def close(self) -> None:
        await self.db.close()


def content_dir(settings: Settings) -> Path:
    return settings.safetybot_content_dir or DEFAULT_CONTENT_DIR


def build_understanding_layer(settings: Settings, content: ContentLibrary) -> Understanding | None:
    """The semantic layer (encoder and classifiers), or None when it is off or cannot be loaded."""
    encoder = load_encoder(settings.safetybot_encoder)
    if encoder is None:
        return None
    try:
        return build_understanding(content, encoder, settings.cache_dir)
    except Exception as error:  # fitting failed: keep the bot running on the lexical engine
        _log.warning("understanding layer off: its models could not be built (%s)", type(error).__name__)
        return None


def build_engine(
    content: ContentLibrary, understanding: Understanding | None = None, cache_dir: Path | None = None
) -> AnswerEngine:
    return AnswerEngine(content, CrisisDetector(content), understanding, cache_dir)


async def dashboard_access(settings: Settings, db: Database) -> DashboardAccess | None:
    """Roles and sign-in links of the dashboard, when it is set up (a port or a public address)."""
    if settings.safetybot_dashboard_port is None and settings.safetybot_dashboard_url is None:
        return None
    secret = await shared_secret(db, DASHBOARD_SECRET_KEY)
    return DashboardAccess(
        secret, settings.safetybot_admins, settings.safetybot_viewers, settings.dashboard_public_url
    )


async def build_core(
    settings: Settings,
    *,
    content: ContentLibrary | None = None,
    clock: Clock | None = None,
    understanding: Understanding | Literal["build"] | None = "build",
    platforms: dict[str, Platform] | None = None,
) -> Core:
    """Load content, open and migrate the database, and wire the conversation.

    ``understanding``: the semantic layer to use (tests share one); by default it is built here.
    ``platforms``: the platforms to know (default: every installed one, reading its own settings).

    Raises:
        ContentError: when the content is invalid (with every problem listed).
    """
    content = content or load_content(content_dir(settings), settings.safetybot_default_language)
    db = Database(settings.database_url_text, pool=settings.pool_options)
    await db.migrate()
    secret = settings.safetybot_payload_secret
    signer = PayloadSigner(secret.get_secret_value().encode() if secret else await shared_secret(db))
    people = PeopleStore(db)
    content_texts = Texts(content)
    clock = clock or SystemClock()
    outbox = DeliveryOutbox(db)
    grace = timedelta(hours=settings.safetybot_missed_tip_grace_hours)
    players = ChallengePlayers(db, people)
    open_for = timedelta(minutes=settings.safetybot_challenge_round_minutes)
    groups = GroupChallenges(GroupPosts(db, people, players), content, clock, open_for=open_for)
    daily = DailyChallenges(ChallengeSchedules(db, people), clock, grace=grace)
    store = CampaignStore(
        db,
        outbox,
        default_language=content.default_language,
        default_timezone=settings.safetybot_default_tz,
    )
    campaigns = CampaignService(store, outbox, content, content_texts, clock)
    services = Services(
        metrics=Metrics(CollectorRegistry()),
        personal_data=PersonalData(db),
        policy=Policy(settings.safetybot_default_tz, frozenset(settings.safetybot_admins)),
        content=content,
        texts=content_texts,
        engine=build_engine(
            content,
            build_understanding_layer(settings, content) if understanding == "build" else understanding,
            settings.cache_dir,
        ),
        people=people,
        subscriptions=SubscriptionStore(db, people),
        signer=signer,
        clock=clock,
        campaigns=campaigns,
        outbox=outbox,
        detector=detector_for(
            tuple(sorted(content.languages)),
            tuple((code, tuple(lang.ui.latin_markers)) for code, lang in sorted(content.languages.items())),
        ),
        rounds=PrivateRounds(
            ChallengeRounds(db, people),
            players,
            content,
            clock,
            size=settings.safetybot_challenge_round_size,
            timeout=open_for,
        ),
        groups=groups,
        daily_challenges=daily,
        dashboard_links=await dashboard_access(settings, db),
        consent=ConsentStore(db),
    )
    flood = FloodGate(FloodCounters(db), settings.safetybot_flood_limit_per_minute)
    dispatcher = Dispatcher(services.subscriptions, outbox, content, clock, grace=grace)

    def speaker(lang: str) -> Speaker:
        return Speaker(lang, content, content_texts, signer, clock)

    challenge_posts = ChallengePosts(daily, groups, outbox, content, speaker, clock)
    campaign_runs = CampaignRuns(store, clock, grace=grace, texts=content_texts, signer=signer)
    conversation = Conversation(services, flood)
    installed = installed_platforms() if platforms is None else platforms
    return Core(
        settings, db, services, conversation, outbox, dispatcher, campaign_runs, challenge_posts, installed
    )
