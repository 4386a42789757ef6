"""Sending to the WhatsApp Cloud API, with its errors turned into the core's outcomes.

``GraphClient`` posts message payloads to ``/{phone-number-id}/messages``. ``WhatsAppMessenger`` is the
``Messenger`` the sender and the webhook use: a reply becomes text, reply buttons or lists
(``render``); a scheduled message (a daily tip, a campaign drop) goes as free text while the person's
24-hour window is open and as their language's approved template otherwise, chosen per recipient at
send time from when they last wrote (``bot.storage.reply_windows``). Errors (``errors.classify``):
rate limits RetryLater with Meta's wait, the pair rate limit RetryLater after 6 seconds, an unreachable
person RecipientGone, anything else DeliveryFailed. No retry loop here: the outbox owns retries.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

import aiohttp

from adapters.whatsapp import render
from adapters.whatsapp.errors import NO_RESPONSE, PAIR_RATE_WAIT, Outcome, classify
from adapters.whatsapp.settings import WhatsAppSettings
from adapters.whatsapp.templates import TemplateBook, parameter
from bot.content.texts import Texts
from bot.core.clock import Clock
from bot.core.events import ChatRef
from bot.core.messenger import DeliveryFailed, RecipientGone, RetryLater
from bot.core.replies import Reply
from bot.storage.reply_windows import ReplyWindows

_log = logging.getLogger(__name__)

PLATFORM = "whatsapp"
WINDOW = timedelta(hours=24)
"""Meta's customer service window: free-form messages only this long after the person's last message."""
WINDOW_MARGIN = timedelta(minutes=10)
"""Closing the window a little early, so a message sent near its end is not refused (error 131047)."""
TIMEOUT = aiohttp.ClientTimeout(total=30, connect=10)
PARTLY_SENT_KEPT = 10_000
PARTLY_SENT_FOR = 3600.0
"""Seconds a reply that failed part-way is remembered (the outbox retries well within an hour)."""


class NeedsTemplate(Exception):
    """The Cloud API refused free text: the person's 24-hour window is closed (error 131047)."""


class GraphClient:
    """POSTs payloads to the Cloud API's messages endpoint with the access token."""

    def __init__(self, settings: WhatsAppSettings) -> None:
        assert settings.whatsapp_token is not None
        self._url = settings.messages_url
        self._headers = {"Authorization": f"Bearer {settings.whatsapp_token.get_secret_value()}"}
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=TIMEOUT, headers=self._headers)

    async def stop(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def post(self, payload: dict[str, Any]) -> str:
        """Send one message; its id (``wamid...``).

        Raises:
            RetryLater, RecipientGone, DeliveryFailed, NeedsTemplate: what the answer means.
        """
        await self.start()
        assert self._session is not None
        try:
            async with self._session.post(self._url, json=payload) as response:
                try:
                    body = await response.json(content_type=None)
                except ValueError:
                    body = None
                status = response.status
        except (TimeoutError, aiohttp.ClientError, OSError) as error:
            raise RetryLater(f"whatsapp {type(error).__name__}", 5.0) from None
        if status == 200 and isinstance(body, dict):
            messages = body.get("messages")
            if isinstance(messages, list) and messages and isinstance(messages[0], dict):
                return str(messages[0].get("id", ""))
        raise _outcome(status if status != 200 else NO_RESPONSE, body if isinstance(body, dict) else None)


def _outcome(status: int, body: dict[str, Any] | None) -> Exception:
    """The core's exception for a refused send."""
    found = classify(status, body)
    reason = f"whatsapp {found.code if found.code is not None else status}"
    match found.outcome:
        case Outcome.RETRY:
            return RetryLater(reason, found.wait)
        case Outcome.PACE:
            return RetryLater(f"{reason} (pair rate)", found.wait or PAIR_RATE_WAIT)
        case Outcome.GONE:
            return RecipientGone(reason)
        case Outcome.NEEDS_TEMPLATE:
            return NeedsTemplate(reason)
        case Outcome.FAILED:
            return DeliveryFailed(reason)


class WhatsAppMessenger:
    """Replies and scheduled messages to WhatsApp users (a chat's id is the person's WhatsApp id)."""

    platform = PLATFORM

    def __init__(
        self,
        client: GraphClient,
        texts: Texts,
        templates: TemplateBook,
        windows: ReplyWindows | None,
        clock: Clock,
        language_of: Callable[[str], str],
    ) -> None:
        """Args:
        language_of: the language of a reply's text (for the labels WhatsApp needs around buttons).
        windows: when chats last wrote; None sends every scheduled message as a template.
        """
        self.client = client
        self.texts = texts
        self.templates = templates
        self.windows = windows
        self.clock = clock
        self.language_of = language_of
        self._partly_sent: OrderedDict[str, tuple[int, str, float]] = OrderedDict()
        """Replies of several messages that failed part-way: how many went, and the last id, so sending
        the reply again (the outbox's retry) sends only the rest and never doubles the first part."""
        self._languages: OrderedDict[str, str] = OrderedDict()

    def last_language(self, chat_id: str) -> str | None:
        """The language of the last reply sent to a chat (recent chats only), if any."""
        return self._languages.get(chat_id)

    def payloads(self, chat: ChatRef, reply: Reply, language: str | None = None) -> list[dict[str, Any]]:
        """What one reply becomes, in sending order."""
        lang = language or self.language_of(reply.text)
        self._languages[chat.chat_id] = lang
        self._languages.move_to_end(chat.chat_id)
        while len(self._languages) > PARTLY_SENT_KEPT:
            self._languages.popitem(last=False)
        return render.messages(
            reply,
            chat.chat_id,
            list_button=str(self.texts.say(lang, "whatsapp.list_button")),
            short_body=str(self.texts.say(lang, "whatsapp.choose")),
        )

    async def _send_all(self, chat: ChatRef, reply: Reply, payloads: Sequence[dict[str, Any]]) -> str:
        """Send a reply's messages in order; after a failure part-way, sending the same reply again
        starts where this one stopped (a reply is the same when its chat, text and button labels are:
        its buttons' signed payloads may differ from one attempt to the next)."""
        labels = [choice.label for choice in reply.flat_choices]
        key = hashlib.sha256(json.dumps([chat.chat_id, reply.text, labels]).encode()).hexdigest()
        done, message_id, at = self._partly_sent.pop(key, (0, "", 0.0))
        if time.monotonic() - at > PARTLY_SENT_FOR:  # long ago: that reply is history, send it whole
            done, message_id = 0, ""
        for position, payload in enumerate(payloads):
            if position < done:
                continue
            try:
                message_id = await self.client.post(payload)
            except Exception:
                if position > 0:
                    self._partly_sent[key] = (position, message_id, time.monotonic())
                    while len(self._partly_sent) > PARTLY_SENT_KEPT:
                        self._partly_sent.popitem(last=False)
                raise
        return message_id

    async def deliver(self, chat: ChatRef, reply: Reply) -> str:
        """A reply to someone who just wrote (their window is open); the last message's id."""
        try:
            return await self._send_all(chat, reply, self.payloads(chat, reply))
        except NeedsTemplate as error:
            raise DeliveryFailed(f"{error} outside the 24-hour window") from None
        except ValueError as error:  # a payload Meta would refuse (render's checks)
            raise DeliveryFailed(f"whatsapp: {error}") from None

    async def window_open(self, chat: ChatRef) -> bool:
        """Whether ``chat`` wrote recently enough for free text."""
        if self.windows is None:
            return False
        last = await self.windows.last_heard(chat)
        return last is not None and self.clock.now() - last < WINDOW - WINDOW_MARGIN

    async def deliver_scheduled(self, chat: ChatRef, reply: Reply, *, kind: str, language: str) -> str:
        """A daily tip or campaign drop: free text inside the window, the approved template outside it
        (and when Meta says the window closed after all)."""
        if await self.window_open(chat):
            try:
                return await self._send_all(chat, reply, self.payloads(chat, reply, language))
            except NeedsTemplate:
                _log.info("a WhatsApp window had closed already; sending the template instead")
                if self.windows is not None:
                    await self.windows.close(chat)
            except ValueError as error:
                raise DeliveryFailed(f"whatsapp: {error}") from None
        template = self.templates.get(language, kind)
        if template is None:
            raise DeliveryFailed(
                f"whatsapp: no {kind} template for {language} (content/*/whatsapp-templates.yaml)"
            )
        payload = render.template_message(
            chat.chat_id, template.name, template.language, [parameter(template, reply.text)]
        )
        try:
            return await self.client.post(payload)
        except NeedsTemplate as error:  # never for a template; kept apart so it cannot loop
            raise DeliveryFailed(str(error)) from None
