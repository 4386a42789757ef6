"""Button payloads: short, signed, optionally expiring and bound to one person.

Layout (at most 64 bytes): ``action:arg1:arg2~expiry~tag`` where ``expiry`` is minutes since the epoch in
base 36 (empty for none; a leading ``p`` marks a payload bound to the person it was made for) and
``tag`` is a truncated HMAC-SHA256 over everything before it (plus the owner, when bound). Any payload
that does not verify is treated as expired: forged and stale buttons get the same polite answer.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.replies import MAX_PAYLOAD_BYTES

_TAG_BYTES = 6
_PART = re.compile(r"^[A-Za-z0-9_.-]*$")


class PayloadRejected(Exception):
    """The payload is forged, malformed, stale, or meant for someone else."""


@dataclass(frozen=True, slots=True)
class Payload:
    """A verified button payload."""

    action: str
    args: tuple[str, ...]


def _b36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if number == 0:
            return out


class PayloadSigner:
    """Makes and checks payloads with a secret shared by every process of the bot."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("payload secret must be at least 16 bytes")
        self._secret = secret

    def _tag(self, body: str, owner: str | None) -> str:
        message = f"{body}|{owner or ''}".encode()
        digest = hmac.new(self._secret, message, hashlib.sha256).digest()[:_TAG_BYTES]
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def make(
        self,
        action: str,
        *args: str,
        now: datetime | None = None,
        ttl: timedelta | None = None,
        owner: str | None = None,
    ) -> str:
        """A payload for a button.

        Args:
            action: what the button does (a short word).
            args: its arguments (letters, digits, ``_ . -``).
            now: required with ``ttl``.
            ttl: how long the button stays valid.
            owner: bind the button to this person's key; anyone else pressing it is refused.
        """
        for part in (action, *args):
            if not _PART.match(part) or ":" in part:
                raise ValueError(f"payload part {part!r} has characters buttons cannot carry")
        expiry = ""
        if ttl is not None:
            if now is None:
                raise ValueError("a payload with ttl needs now")
            expiry = _b36(int((now + ttl).timestamp()) // 60)
        if owner is not None:
            expiry = "p" + expiry
        body = ":".join((action, *args)) + "~" + expiry
        payload = f"{body}~{self._tag(body, owner)}"
        if len(payload.encode()) > MAX_PAYLOAD_BYTES:
            raise ValueError(f"payload over {MAX_PAYLOAD_BYTES} bytes: {payload!r}")
        return payload

    def read(self, payload: str, *, now: datetime, presser: str) -> Payload:
        """Verify a pressed payload.

        Raises:
            PayloadRejected: for anything forged, malformed, expired or pressed by someone it is not for.
        """
        if len(payload) > MAX_PAYLOAD_BYTES:
            raise PayloadRejected("too long")
        if not payload.isascii():
            raise PayloadRejected("not ASCII")  # every payload we make is; a lone surrogate cannot be encoded
        parts = payload.split("~")
        if len(parts) != 3:
            raise PayloadRejected("malformed")
        command, expiry, tag = parts
        body = f"{command}~{expiry}"
        # A leading "p" marks a payload bound to a person, but it is also a base-36 digit (expiries from
        # late 2049): the signature tells which reading is meant.
        readings = [(expiry[1:], presser)] if expiry.startswith("p") else []
        readings.append((expiry, None))
        signed = [minutes for minutes, owner in readings if hmac.compare_digest(self._tag(body, owner), tag)]
        if not signed:
            raise PayloadRejected("bad signature")
        minutes = signed[0]
        if minutes:
            try:
                expires = int(minutes, 36) * 60
            except ValueError:
                raise PayloadRejected("malformed expiry") from None
            if now.timestamp() > expires:
                raise PayloadRejected("expired")
        action, *args = command.split(":")
        return Payload(action, tuple(args))
