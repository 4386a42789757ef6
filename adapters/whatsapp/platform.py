"""WhatsApp as the registry knows it: its settings, its pace, how it serves people and sends drops."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from adapters.whatsapp.messenger import GraphClient, WhatsAppMessenger
from adapters.whatsapp.settings import WhatsAppSettings, load
from adapters.whatsapp.templates import TemplateBook
from bot.app.platforms import ChatPort, SendRules
from bot.app.settings import SettingsError
from bot.content.library import ContentLibrary
from bot.content.texts import Texts
from bot.core.clock import Clock, SystemClock
from bot.core.markup import plain_text
from bot.core.messenger import Messenger
from bot.storage.db import Database
from bot.storage.delivery_receipts import DeliveryReceipts
from bot.storage.inbound_seen import InboundSeen
from bot.storage.reply_windows import ReplyWindows


class WhatsAppPlatform:
    """The WhatsApp Business Cloud API: a webhook for people's messages, the Graph API for replies."""

    name = "whatsapp"

    def __init__(self, settings: WhatsAppSettings | None = None, database: Database | None = None) -> None:
        """Args:
        database: where reply windows and deliveries are (tests: the core's); by default the adapter
            opens the bot's database from its settings.
        """
        self._settings = settings
        self.database = database
        self.server: object | None = None
        """The webhook server while serving (tests read its ``url``)."""
        self.ready = asyncio.Event()

    @property
    def settings(self) -> WhatsAppSettings:
        if self._settings is None:
            self._settings = load()
        return self._settings

    def configured(self) -> bool:
        return self.settings.whatsapp_token is not None

    def secrets(self) -> list[str]:
        settings = self.settings
        values = (settings.whatsapp_token, settings.whatsapp_app_secret, settings.whatsapp_verify_token)
        return [value.get_secret_value() for value in values if value]

    def send_rules(self) -> SendRules:
        """Meta's throughput per business number (80 messages a second by default) and its pair rate
        (about one message every 6 seconds to one person)."""
        settings = self.settings
        if not settings.whatsapp_rate_limit:
            return SendRules(per_second=None, private_gap=0.0, group_gap=0.0)
        gap = settings.whatsapp_pair_gap_seconds
        return SendRules(settings.whatsapp_messages_per_second, private_gap=gap, group_gap=gap)

    @asynccontextmanager
    async def _database(self) -> AsyncIterator[Database]:
        """The database given, or the bot's, opened from its settings (already migrated by the core)."""
        if self.database is not None:
            yield self.database
            return
        from bot.app.settings import load_settings

        core = load_settings()
        db = Database(core.database_url_text, pool=core.pool_options)
        try:
            yield db
        finally:
            await db.close()

    def _messenger(
        self,
        client: GraphClient,
        content: ContentLibrary,
        windows: ReplyWindows,
        clock: Clock,
        port: ChatPort | None,
    ) -> WhatsAppMessenger:
        def language_of(text: str) -> str:
            found = port.detect_language(plain_text(text)) if port is not None else None
            return found or content.default_language

        return WhatsAppMessenger(client, Texts(content), TemplateBook(content), windows, clock, language_of)

    async def serve(self, port: ChatPort) -> None:
        from adapters.whatsapp.server import WebhookServer

        settings = self.settings
        if settings.whatsapp_app_secret is None or settings.whatsapp_verify_token is None:
            raise SettingsError(
                "setting WHATSAPP_APP_SECRET and WHATSAPP_VERIFY_TOKEN are needed to receive messages"
            )
        client = GraphClient(settings)
        async with self._database() as db:
            windows = ReplyWindows(db)
            messenger = self._messenger(client, port.content, windows, port.clock, port)
            server = WebhookServer(port, settings, messenger, windows, DeliveryReceipts(db), InboundSeen(db))
            port.register_messenger(messenger)
            try:
                await server.start()
                self.server = server
                self.ready.set()
                await asyncio.Event().wait()
            finally:
                self.ready.clear()
                port.unregister_messenger(self.name)
                await server.stop()
                await client.stop()

    def outbox_messenger(self) -> AbstractAsyncContextManager[Messenger]:
        return self._outbox_messenger()

    @asynccontextmanager
    async def _outbox_messenger(self) -> AsyncIterator[Messenger]:
        """For sender processes: the Graph API over HTTP and the reply windows, with no webhook."""
        from bot.app.settings import load_settings
        from bot.app.wiring import content_dir
        from bot.content.loader import load_content

        core = load_settings()
        content = load_content(content_dir(core), core.safetybot_default_language)
        client = GraphClient(self.settings)
        async with self._database() as db:
            try:
                yield self._messenger(client, content, ReplyWindows(db), SystemClock(), None)
            finally:
                await client.stop()


def platform() -> WhatsAppPlatform:
    """The registry's entry point: WhatsApp with its settings from the environment."""
    return WhatsAppPlatform()
