"""The webhook server Meta posts to: the verification handshake, the signature check, and the work.

Every POST is checked against ``X-Hub-Signature-256`` first (a bad or missing signature gets 401 and a
log line without the body), acknowledged at once with 200 (Meta retries slow answers), and handled
after: a message id seen before, by this process or another, is ignored (Meta delivers at least once;
``bot.storage.inbound_seen``), one person's messages are
handled in order, each becomes a core event, and the replies go back through the messenger. Status
callbacks tell the core when a person can no longer be reached, and close the 24-hour window when Meta
says it closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import Counter, OrderedDict
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

from aiohttp import web

from adapters.whatsapp.errors import Outcome, classify_code
from adapters.whatsapp.inbound import chat_of, command_names, to_event
from adapters.whatsapp.messenger import PLATFORM, WhatsAppMessenger
from adapters.whatsapp.settings import WhatsAppSettings
from adapters.whatsapp.webhook import (
    SIGNATURE_HEADER,
    Inbound,
    InboundPress,
    InboundText,
    InboundUnsupported,
    StatusUpdate,
    parse,
    signature_ok,
    verify_handshake,
)
from bot.app.platforms import ChatPort
from bot.core.events import ChatRef
from bot.core.messenger import DeliveryFailed, RecipientGone, RetryLater
from bot.core.replies import Outgoing, Reply
from bot.storage.db import DatabaseUnavailable
from bot.storage.delivery_receipts import DeliveryReceipts
from bot.storage.inbound_seen import InboundSeen
from bot.storage.reply_windows import ReplyWindows

_log = logging.getLogger(__name__)

SEEN_MESSAGES = 50_000
"""Message ids remembered to ignore Meta's repeated deliveries (a few hours of a busy number)."""
TEXT_ONLY_KINDS = frozenset(
    {"audio", "voice", "image", "video", "document", "sticker", "location", "contacts", "unsupported"}
)
"""Messages a person sends that the bot cannot read: it says it reads only text (reactions it ignores)."""
REPLY_ATTEMPTS = 3
MAX_REPLY_WAIT = 10.0


class SeenMessages:
    """The last ``limit`` message ids, to handle each message once."""

    def __init__(self, limit: int = SEEN_MESSAGES) -> None:
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._limit = limit

    def first_time(self, message_id: str) -> bool:
        """True the first time an id is offered, False after."""
        if message_id in self._ids:
            return False
        self._ids[message_id] = None
        if len(self._ids) > self._limit:
            self._ids.popitem(last=False)
        return True


class PersonLocks:
    """One lock per person, so their messages are handled in the order they came; dropped when idle."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)


class WebhookServer:
    """Receives Meta's webhooks for one business number and answers through the core."""

    def __init__(
        self,
        port: ChatPort,
        settings: WhatsAppSettings,
        messenger: WhatsAppMessenger,
        windows: ReplyWindows | None,
        receipts: DeliveryReceipts | None = None,
        inbound_seen: InboundSeen | None = None,
    ) -> None:
        assert settings.whatsapp_app_secret is not None and settings.whatsapp_verify_token is not None
        self.port = port
        self.settings = settings
        self.messenger = messenger
        self.windows = windows
        self.receipts = receipts
        self.inbound_seen = inbound_seen
        self.seen = SeenMessages()
        self.statuses: Counter[str] = Counter()
        """Status callbacks received, by status (sent, delivered, read, failed)."""
        self._locks = PersonLocks()
        self._commands = command_names(port.content)
        self._tasks: set[asyncio.Task[None]] = set()
        self._runner: web.AppRunner | None = None
        self.bound_port: int | None = None

    @property
    def url(self) -> str:
        """The webhook's local URL (for tests; Meta needs the public https address in front of it)."""
        return f"http://127.0.0.1:{self.bound_port}{self.settings.whatsapp_webhook_path}"

    async def start(self) -> None:
        app = web.Application(client_max_size=1024**2)
        app.router.add_get(self.settings.whatsapp_webhook_path, self._verify)
        app.router.add_post(self.settings.whatsapp_webhook_path, self._receive)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await self._runner.setup()
        site = web.TCPSite(
            self._runner, self.settings.whatsapp_webhook_host, self.settings.whatsapp_webhook_port
        )
        await site.start()
        self.bound_port = self._runner.addresses[0][1]
        _log.info("WhatsApp webhook listening on port %d", self.bound_port)

    async def stop(self) -> None:
        """Stop listening; let the work under way finish for a few seconds, then cancel it."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._tasks:
            _, pending = await asyncio.wait(list(self._tasks), timeout=5)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    async def idle(self) -> None:
        """Wait until every webhook received so far was handled (for tests)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # --- HTTP --------------------------------------------------------------------------------------

    async def _verify(self, request: web.Request) -> web.Response:
        assert self.settings.whatsapp_verify_token is not None
        challenge = verify_handshake(request.query, self.settings.whatsapp_verify_token.get_secret_value())
        if challenge is None:
            _log.warning("refused a WhatsApp webhook verification: wrong mode or verify token")
            return web.Response(status=403)
        return web.Response(text=challenge)

    async def _receive(self, request: web.Request) -> web.Response:
        assert self.settings.whatsapp_app_secret is not None
        body = await request.read()
        header = request.headers.get(SIGNATURE_HEADER)
        if not signature_ok(body, header, self.settings.whatsapp_app_secret.get_secret_value()):
            _log.warning(
                "refused a WhatsApp webhook: %s signature (%d bytes)", "bad" if header else "no", len(body)
            )
            return web.Response(status=401)
        try:
            payload = json.loads(body)
        except ValueError:
            _log.warning("refused a signed WhatsApp webhook that is not JSON (%d bytes)", len(body))
            return web.Response(status=400)
        items = parse(payload)
        if items:
            task = asyncio.create_task(self._handle_all(items), name="whatsapp-webhook")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return web.Response(text="OK")

    # --- the work ----------------------------------------------------------------------------------

    async def _handle_all(self, items: list[Inbound]) -> None:
        for item in items:
            try:
                match item:
                    case InboundText() | InboundPress():
                        if await self._first_time(item.message_id):
                            async with self._locks.hold(item.wa_id):
                                await self._turn(item)
                    case StatusUpdate():
                        await self._status(item)
                    case InboundUnsupported(kind=kind) if kind in TEXT_ONLY_KINDS:
                        if await self._first_time(item.message_id):
                            async with self._locks.hold(item.wa_id):
                                await self._text_only(item.wa_id)
                    case _:
                        _log.info("ignored a WhatsApp message of kind %s", item.kind)
            except Exception:  # one failure must not stop the others; never log the text
                _log.exception("handling a WhatsApp %s failed", type(item).__name__)

    async def _first_time(self, message_id: str) -> bool:
        """Whether a message is new: not seen by this process, nor (in the database) by another one."""
        fresh = self.seen.first_time(message_id)
        if fresh and self.inbound_seen is not None:
            with contextlib.suppress(DatabaseUnavailable):  # better to answer twice than not at all
                fresh = await self.inbound_seen.first_time(PLATFORM, message_id, self.port.clock.now())
        if not fresh:
            _log.info("ignored a repeated WhatsApp message")
        return fresh

    async def _turn(self, item: InboundText | InboundPress) -> None:
        now = self.port.clock.now()
        event = to_event(item, self.port.content, self._commands, now)
        replies = await self.port.handle(event)
        await self._heard(event.chat, now)
        for outgoing in replies:
            await self._reply(outgoing)

    async def _text_only(self, wa_id: str) -> None:
        """A voice note, a picture...: say the bot reads only text (in the language it last used there)."""
        lang = self.messenger.last_language(wa_id) or self.port.content.default_language
        chat = chat_of(wa_id)
        await self._reply(Outgoing(chat, Reply(self.port.texts.say(lang, "whatsapp.text_only"))))

    async def _heard(self, chat: ChatRef, now: datetime) -> None:
        """The person wrote: their 24-hour window opens, and they are reachable again."""
        try:
            if self.windows is not None:
                await self.windows.heard_from(chat, now)
            await self.port.chat_reachable(chat)
        except DatabaseUnavailable:
            _log.warning("could not record a WhatsApp reply window: the database is unreachable")

    async def _reply(self, outgoing: Outgoing) -> None:
        """Send one reply, waiting out a rate limit a few times; never raises."""
        for attempt in range(1, REPLY_ATTEMPTS + 1):
            try:
                await self.messenger.deliver(outgoing.chat, outgoing.reply)
                return
            except RetryLater as error:
                if attempt == REPLY_ATTEMPTS:
                    _log.warning("gave up a WhatsApp reply: %s", error.reason)
                    return
                await asyncio.sleep(min(error.seconds or 1.0, MAX_REPLY_WAIT))
            except RecipientGone:
                await self.port.chat_unreachable(outgoing.chat, self.port.clock.now())
                return
            except DeliveryFailed as error:
                _log.warning("a WhatsApp reply failed: %s", error)
                return

    async def _status(self, update: StatusUpdate) -> None:
        """A message's fate. A failure after Meta accepted it: an unreachable person is paused, a closed
        window is forgotten, and a scheduled message is sent again (as a template, when the window had
        closed; later, after a temporary error) or marked failed, so it is never lost silently."""
        self.statuses[update.status] += 1
        if update.status != "failed" or not update.recipient_id:
            return
        found = classify_code(update.error_code)
        chat = chat_of(update.recipient_id)
        now = self.port.clock.now()
        if found.outcome is Outcome.GONE:
            await self.port.chat_unreachable(chat, now)
        elif found.outcome is Outcome.NEEDS_TEMPLATE and self.windows is not None:
            await self.windows.close(chat)
        again = found.outcome in (Outcome.NEEDS_TEMPLATE, Outcome.RETRY, Outcome.PACE)
        retry_at = now + timedelta(seconds=found.wait or 0) if again else None
        outcome = None
        if self.receipts is not None:
            reason = f"whatsapp {update.error_code} after sending"
            outcome = await self.receipts.failed_after_sending(
                PLATFORM, update.message_id, reason, now, retry_at=retry_at
            )
        _log.info(
            "a WhatsApp message failed after it was accepted (error %s); its delivery: %s",
            update.error_code,
            outcome or "none (a reply)",
        )
