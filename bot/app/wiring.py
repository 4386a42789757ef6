"""The composition root: builds every core service from Settings, in one place, and starts the adapters."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Literal

from bot.app.settings import Settings
from bot.content.library import ContentLibrary
from bot.content.loader import DEFAULT_CONTENT_DIR, load_content
from bot.content.texts import Texts
from bot.core.clock import Clock, SystemClock
from bot.core.language_detection import detector_for
from bot.core.messenger import Messenger
from bot.core.payloads import PayloadSigner
from bot.features import challenges
from bot.features.base import Services
from bot.features.conversation import Conversation
from bot.jobs.challenge_posts import DailyChallengePosts
from bot.jobs.daily_tips import Dispatcher
from bot.services.campaigns.service import CampaignService
from bot.services.delivery.outbox import DeliveryOutbox
from bot.services.delivery.sender import DeliverySender, SenderSettings
from bot.services.flood import FloodGate
from bot.storage.app_state import shared_secret
from bot.storage.campaigns import CampaignStore
from bot.storage.db import Database
from bot.storage.people import PeopleStore
from bot.storage.send_budget import SharedSendBudget
from bot.storage.subscriptions import SubscriptionStore
from bot.understanding import Understanding, build_understanding, load_encoder
from bot.understanding.crisis_patterns import CrisisDetector
from bot.understanding.engine import AnswerEngine

_log = logging.getLogger(__name__)


@dataclass
class Core:
    """Everything an adapter needs: the conversation and the services behind it, and the clock side:
    the outbox, the dispatcher, and the messengers adapters register for proactive sends."""

    settings: Settings
    db: Database
    services: Services
    conversation: Conversation
    outbox: DeliveryOutbox
    dispatcher: Dispatcher
    daily_challenges: DailyChallengePosts
    messengers: dict[str, Messenger] = field(default_factory=dict)

    def make_sender(self) -> DeliverySender:
        """A sender for the messengers registered so far (it reads the dict, so later ones count too)."""
        settings = self.settings
        per_second: dict[str, float | None] = {
            "telegram": 1000.0 if settings.telegram_paid_broadcast else settings.telegram_messages_per_second,
        }
        if not settings.telegram_rate_limit:
            per_second["telegram"] = None
        return DeliverySender(
            self.outbox,
            self.messengers,
            self.services.content,
            self.services.texts,
            self.services.clock,
            SenderSettings(
                batch_size=settings.safetybot_sender_batch,
                concurrency=settings.safetybot_sender_concurrency,
                lease=timedelta(seconds=settings.safetybot_sender_lease_seconds),
                max_attempts=settings.safetybot_delivery_max_attempts,
                per_second=per_second,
            ),
            budget=SharedSendBudget(self.db),
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


def build_engine(content: ContentLibrary, understanding: Understanding | None = None) -> AnswerEngine:
    return AnswerEngine(content, CrisisDetector(content), understanding)


async def build_core(
    settings: Settings,
    *,
    content: ContentLibrary | None = None,
    clock: Clock | None = None,
    understanding: Understanding | Literal["build"] | None = "build",
) -> Core:
    """Load content, open and migrate the database, and wire the conversation.

    ``understanding``: the semantic layer to use (tests share one); by default it is built here.

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
    campaigns = CampaignService(
        db,
        CampaignStore(db),
        outbox,
        content,
        content_texts,
        clock,
        default_timezone=settings.safetybot_default_tz,
        grace=grace,
    )
    services = Services(
        settings=settings,
        db=db,
        content=content,
        texts=content_texts,
        engine=build_engine(
            content,
            build_understanding_layer(settings, content) if understanding == "build" else understanding,
        ),
        people=people,
        subscriptions=SubscriptionStore(db),
        signer=signer,
        clock=clock,
        campaigns=campaigns,
        outbox=outbox,
        detector=detector_for(
            tuple(sorted(content.languages)),
            tuple((code, tuple(lang.ui.latin_markers)) for code, lang in sorted(content.languages.items())),
        ),
    )
    flood = FloodGate(db, settings.safetybot_flood_limit_per_minute)
    dispatcher = Dispatcher(db, services.subscriptions, content, clock, grace=grace)
    daily_challenges = DailyChallengePosts(services, grace=grace)
    daily_challenges.post_challenge = challenges.challenge
    daily_challenges.reveal_due = challenges.reveal_due
    return Core(settings, db, services, Conversation(services, flood), outbox, dispatcher, daily_challenges)
