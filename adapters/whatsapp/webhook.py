"""Receiving from the WhatsApp Cloud API: the webhook handshake, the payload signature, and the payload
mapped to small frozen dataclasses.

Meta's pages: "Create a webhook endpoint"
(https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/create-webhook-endpoint):
a GET with ``hub.mode=subscribe``, ``hub.challenge`` and ``hub.verify_token`` is answered with the
challenge; every POST carries ``X-Hub-Signature-256: sha256=<hex>``, the HMAC-SHA256 of the raw body
keyed with the app secret. The payload is ``{"object": "whatsapp_business_account", "entry": [{"changes":
[{"field": "messages", "value": {...}}]}]}`` with ``contacts``, ``messages`` and ``statuses`` in the
value ("Messages webhook reference": text, interactive, button, status pages).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

_log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Hub-Signature-256"
_SIGNATURE_PREFIX = "sha256="
STATUSES = frozenset({"sent", "delivered", "read", "failed"})
"""The delivery statuses :func:`parse` reports; others (e.g. a voice message "played") are skipped."""


@dataclass(frozen=True, slots=True)
class InboundText:
    """A text message a person sent; ``timestamp`` is None when the payload had no readable one."""

    wa_id: str
    message_id: str
    timestamp: datetime | None
    text: str
    profile_name: str = ""


@dataclass(frozen=True, slots=True)
class InboundPress:
    """A press on an interactive reply button or list row (``payload`` is the id we gave it), or on a
    template's quick-reply button (its payload)."""

    wa_id: str
    message_id: str
    timestamp: datetime | None
    payload: str


@dataclass(frozen=True, slots=True)
class StatusUpdate:
    """What became of a message we sent: sent, delivered, read or failed (with Meta's error for failed)."""

    message_id: str
    status: str
    recipient_id: str
    timestamp: datetime | None
    error_code: int | None = None
    error_title: str | None = None


@dataclass(frozen=True, slots=True)
class InboundUnsupported:
    """A message the bot does not read: ``kind`` is WhatsApp's type (image, audio, location, sticker,
    reaction, unsupported...), ``interactive.<type>`` for other interactive replies, and ``group`` for
    any message sent in a group chat (the replies would go to the person, not to the group)."""

    wa_id: str
    message_id: str
    kind: str


Inbound = InboundText | InboundPress | StatusUpdate | InboundUnsupported


def verify_handshake(params: Mapping[str, str], verify_token: str) -> str | None:
    """Meta's GET verification: the ``hub.challenge`` to answer when ``hub.mode`` is ``subscribe`` and
    ``hub.verify_token`` matches ours, else None (answer 403). An empty ``verify_token`` never matches."""
    try:
        token, challenge = params.get("hub.verify_token"), params.get("hub.challenge")
        if params.get("hub.mode") != "subscribe" or not verify_token:
            return None
        if not isinstance(token, str) or not isinstance(challenge, str):
            return None
        if not hmac.compare_digest(token.encode(), verify_token.encode()):
            return None
        return challenge
    except Exception:  # a hostile query string must never crash the endpoint
        return None


def signature_ok(body: bytes, header: str | None, app_secret: str) -> bool:
    """Whether ``header`` (the ``X-Hub-Signature-256`` value) is ``sha256=`` and the HMAC-SHA256 of
    ``body`` keyed with ``app_secret``, compared in constant time. Never raises: a missing, malformed or
    non-ASCII header, an empty secret or a body that is not bytes all give False."""
    try:
        if not isinstance(header, str) or not isinstance(body, bytes | bytearray) or not app_secret:
            return False
        given = header.strip().encode("ascii")
        if not given.lower().startswith(_SIGNATURE_PREFIX.encode()):
            return False
        expected = hmac.new(app_secret.encode(), bytes(body), hashlib.sha256).hexdigest().encode()
        return hmac.compare_digest(given[len(_SIGNATURE_PREFIX) :].lower(), expected)
    except Exception:
        return False


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _when(value: Any) -> datetime | None:
    """A webhook timestamp (Unix seconds, as a string) as an aware UTC datetime."""
    try:
        seconds = int(value)
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _sender(message: dict[str, Any], contacts: list[dict[str, Any]]) -> tuple[str | None, str]:
    """The sender's WhatsApp id and profile name: ``from``, else the only contact's ``wa_id``."""
    wa_id = _text(message.get("from"))
    if wa_id is None and len(contacts) == 1:
        wa_id = _text(contacts[0].get("wa_id"))
    name = ""
    for contact in contacts:
        if len(contacts) == 1 or contact.get("wa_id") == wa_id:
            profile = contact.get("profile")
            name = (_text(profile.get("name")) if isinstance(profile, dict) else None) or ""
            break
    return wa_id, name


def _press_payload(message: dict[str, Any]) -> tuple[str | None, str]:
    """The payload of a press and the kind to report when it is not one."""
    kind = message.get("type")
    if kind == "button":
        button = message.get("button")
        return (_text(button.get("payload")) if isinstance(button, dict) else None), "button"
    interactive = message.get("interactive")
    if not isinstance(interactive, dict):
        return None, "interactive"
    subtype = interactive.get("type")
    if subtype in ("button_reply", "list_reply"):
        reply = interactive.get(subtype)
        return (_text(reply.get("id")) if isinstance(reply, dict) else None), f"interactive.{subtype}"
    return None, f"interactive.{subtype}" if isinstance(subtype, str) else "interactive"


def _message(message: dict[str, Any], contacts: list[dict[str, Any]]) -> Inbound | None:
    wa_id, name = _sender(message, contacts)
    message_id = _text(message.get("id"))
    kind = _text(message.get("type")) or "unknown"
    if wa_id is None or message_id is None:
        return None
    at = _when(message.get("timestamp"))
    if message.get("group_id") is not None:
        return InboundUnsupported(wa_id, message_id, "group")
    if kind == "text":
        text = message.get("text")
        body = text.get("body") if isinstance(text, dict) else None
        return InboundText(wa_id, message_id, at, body, name) if isinstance(body, str) else None
    if kind in ("interactive", "button"):
        payload, reported = _press_payload(message)
        if payload is not None:
            return InboundPress(wa_id, message_id, at, payload)
        return InboundUnsupported(wa_id, message_id, reported)
    return InboundUnsupported(wa_id, message_id, kind)


def _status(status: dict[str, Any]) -> StatusUpdate | None:
    message_id, state = _text(status.get("id")), status.get("status")
    recipient = _text(status.get("recipient_id")) or ""
    if message_id is None or state not in STATUSES:
        return None
    code: int | None = None
    title: str | None = None
    for error in _dicts(status.get("errors"))[:1]:
        raw = error.get("code")
        code = raw if isinstance(raw, int) and not isinstance(raw, bool) else None
        title = _text(error.get("title")) or _text(error.get("message"))
    return StatusUpdate(message_id, state, recipient, _when(status.get("timestamp")), code, title)


def parse(payload: dict[str, Any]) -> list[Inbound]:
    """The messages and statuses of a webhook payload, in order; what cannot be read is skipped.

    Only ``messages`` changes of a ``whatsapp_business_account`` object are read. Never raises on a JSON
    object (anything ``json.loads`` can return is accepted and yields [] when it is not a payload).
    """
    if not isinstance(payload, dict) or payload.get("object", "whatsapp_business_account") != (
        "whatsapp_business_account"
    ):
        return []
    out: list[Inbound] = []
    skipped = 0
    for entry in _dicts(payload.get("entry")):
        for change in _dicts(entry.get("changes")):
            value = change.get("value")
            if change.get("field", "messages") != "messages" or not isinstance(value, dict):
                continue
            contacts = _dicts(value.get("contacts"))
            for message in _dicts(value.get("messages")):
                inbound = _message(message, contacts)
                if inbound is None:
                    skipped += 1
                else:
                    out.append(inbound)
            for status in _dicts(value.get("statuses")):
                update = _status(status)
                if update is None:
                    skipped += 1
                else:
                    out.append(update)
    if skipped:
        _log.info("skipped %d unreadable or unreported item(s) in a WhatsApp webhook", skipped)
    return out
