"""Sign-in links, sessions and CSRF tokens for the organizers' dashboard (signed with itsdangerous).

An organizer sends ``/dashboard`` to the bot in a private chat and gets a one-time link carrying a
:class:`SignInTokens` token; opening it (and pressing the button on that page) starts a session kept in a
cookie made by :class:`SessionCodec`. Every form that changes something carries the session's CSRF
token, checked with :func:`csrf_matches`.

Tokens and sessions are signed, not encrypted: anyone holding one can read the person and role in it.
Put an opaque key there (for instance :func:`person_label` of the platform id), never a platform id.
Sign-in tokens and sessions use different salts, so one can never be used as the other.

Roles: ``"organizer"`` may do everything; ``"viewer"`` may only read (:func:`can_change`).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from itsdangerous import BadData, URLSafeSerializer

ORGANIZER = "organizer"
VIEWER = "viewer"
ROLES = (ORGANIZER, VIEWER)
"""Every dashboard role: organizers change things, viewers only read."""

SIGN_IN_SALT = "safetybot.dashboard.sign-in"
SESSION_SALT = "safetybot.dashboard.session"
MIN_SECRET_BYTES = 16
MAX_TOKEN_LENGTH = 1024
"""Longer values are refused before any decoding."""
MAX_PERSON_LENGTH = 128
CLOCK_SKEW = timedelta(seconds=60)
"""A token or session stamped at most this far in the future (another process's clock) is accepted."""


def can_change(role: str | None) -> bool:
    """Whether a role may change things (schedule, pause, resume, cancel); only organizers may."""
    return role == ORGANIZER


def person_label(person: str, secret: bytes, *, length: int = 8) -> str:
    """A short anonymous label for a person, stable for one secret (for sessions and the audit log).

    Args:
        person: The person's identity, e.g. ``"telegram:12345"``; it cannot be read back from the label.
        secret: A server secret, so nobody can test guesses of platform ids against labels.
        length: Hex characters to keep.

    Returns:
        Lower-case hex, e.g. ``"3f9a2c1b"``.
    """
    return hmac.new(secret, person.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()[:length]


class TokenError(Exception):
    """A sign-in token that cannot be used."""


class TokenExpired(TokenError):
    """The token was genuine but is older than its time to live."""


class TokenInvalid(TokenError):
    """The token is not one of ours: tampered, signed with another secret, garbage or malformed."""


@dataclass(frozen=True, slots=True)
class SignIn:
    """What a genuine, unexpired sign-in token says."""

    person: str
    role: str
    nonce: str
    issued_at: datetime


@dataclass(frozen=True, slots=True)
class Session:
    """A signed-in person: who, their role, the CSRF token of their forms and when they signed in."""

    person: str
    role: str
    csrf: str
    issued_at: datetime


def _serializer(secret: bytes, salt: str) -> URLSafeSerializer:
    if not isinstance(secret, bytes) or len(secret) < MIN_SECRET_BYTES:
        raise ValueError(f"the dashboard secret must be at least {MIN_SECRET_BYTES} bytes")
    return URLSafeSerializer(secret, salt=salt, signer_kwargs={"digest_method": hashlib.sha256})


def _aware(now: datetime) -> datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("pass an aware datetime (UTC)")
    return now


def _check_identity(person: object, role: object) -> None:
    if not isinstance(person, str) or not person or len(person) > MAX_PERSON_LENGTH:
        raise ValueError(f"person must be a non-empty string of at most {MAX_PERSON_LENGTH} characters")
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")


def _stamp(now: datetime) -> int:
    return int(now.timestamp())


def _loads(serializer: URLSafeSerializer, value: object) -> dict[str, Any] | None:
    """The signed payload as a dict, or None for anything that is not a genuine value of ours."""
    if not isinstance(value, str) or not value or len(value) > MAX_TOKEN_LENGTH or not value.isascii():
        return None
    try:
        data = serializer.loads(value)
        # Only the exact string we issued: base64 lets a last character vary without changing the bytes.
        if not isinstance(data, dict) or serializer.dumps(data) != value:
            return None
    except (BadData, ValueError, TypeError, UnicodeError):
        return None
    return data


def _field(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) and value else None


def _role(data: dict[str, Any]) -> str | None:
    value = data.get("r")
    return value if isinstance(value, str) and value in ROLES else None


def _when(data: dict[str, Any]) -> datetime | None:
    value = data.get("t")
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        return None
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        return None


class SignInTokens:
    """One-time sign-in links: a signed token naming a person and a role, valid for ``ttl``.

    Single use is the caller's job: after :meth:`read` succeeds, look the ``nonce`` up in a store of used
    nonces, refuse the sign-in when it is there, otherwise add it (keep it until ``issued_at + ttl``,
    after which the token is refused as expired anyway). The store must be shared by every process that
    serves the dashboard (a database table with the nonce as primary key: the insert that fails is the
    second use).

    Example:
        tokens = SignInTokens(secret)
        link = f"https://bot.example.org/dashboard/signin?token={tokens.issue(label, 'organizer')}"
        sign_in = tokens.read(token, now=clock.now())  # raises TokenExpired or TokenInvalid
    """

    def __init__(self, secret: bytes, ttl: timedelta = timedelta(minutes=10)) -> None:
        """Create the token maker.

        Args:
            secret: At least 16 random bytes, kept on the server (not the button-payload secret).
            ttl: How long a link stays valid.

        Raises:
            ValueError: When the secret is too short or the time to live not positive.
        """
        if ttl <= timedelta(0):
            raise ValueError("ttl must be positive")
        self.ttl = ttl
        self._serializer = _serializer(secret, SIGN_IN_SALT)

    def issue(self, person: str, role: str, *, now: datetime | None = None) -> str:
        """A URL-safe token for ``person`` with ``role``, carrying a fresh random nonce.

        Args:
            person: An opaque key for the person (see the module docstring), at most 128 characters.
            role: ``"organizer"`` or ``"viewer"``.
            now: The issuing time (aware); the current time when omitted.

        Raises:
            ValueError: For an empty or too long person or an unknown role.
        """
        _check_identity(person, role)
        issued = _aware(now) if now is not None else datetime.now(UTC)
        payload = {"p": person, "r": role, "n": secrets.token_urlsafe(16), "t": _stamp(issued)}
        return self._serializer.dumps(payload)

    def read(self, token: str, now: datetime) -> SignIn:
        """What a token says, when it is genuine and younger than ``ttl`` at ``now``.

        Args:
            token: The value from the link (any string: garbage is refused, never crashes).
            now: The current time (aware).

        Raises:
            TokenExpired: The token is genuine but ``ttl`` or more old.
            TokenInvalid: Anything else: tampered, another secret, garbage, non-ASCII, too long, an
                unknown role or a time far in the future.
        """
        now = _aware(now)
        data = _loads(self._serializer, token)
        if data is None:
            raise TokenInvalid("not a sign-in token")
        person, role, nonce, issued = _field(data, "p"), _role(data), _field(data, "n"), _when(data)
        if person is None or role is None or nonce is None or issued is None:
            raise TokenInvalid("malformed sign-in token")
        if issued - now > CLOCK_SKEW:
            raise TokenInvalid("sign-in token from the future")
        if now - issued >= self.ttl:
            raise TokenExpired("sign-in link expired")
        return SignIn(person=person, role=role, nonce=nonce, issued_at=issued)


class SessionCodec:
    """Sessions as signed cookie values (stateless: nothing is stored on the server).

    Set the cookie ``HttpOnly``, ``Secure``, ``SameSite=Lax`` (or ``Strict``) and scoped to the
    dashboard's path. Signing out deletes the cookie but cannot revoke a copy of it: a value stays
    valid until ``max_age`` unless the caller also checks ``issued_at`` against a per-person
    "signed out at" time, and the caller should check on each request that the person still has the role.
    """

    def __init__(self, secret: bytes) -> None:
        """Create the codec.

        Args:
            secret: At least 16 random bytes (may be the sign-in secret: the salts differ).

        Raises:
            ValueError: When the secret is too short.
        """
        self._serializer = _serializer(secret, SESSION_SALT)

    def dump(self, session: Session) -> str:
        """The session as a cookie value (URL-safe ASCII).

        Raises:
            ValueError: For an empty or too long person, an unknown role, an empty CSRF token or a naive
                ``issued_at``.
        """
        _check_identity(session.person, session.role)
        if not session.csrf:
            raise ValueError("a session needs a CSRF token (new_csrf())")
        issued = _aware(session.issued_at)
        payload = {"p": session.person, "r": session.role, "c": session.csrf, "t": _stamp(issued)}
        return self._serializer.dumps(payload)

    def load(
        self, value: str | None, now: datetime, max_age: timedelta = timedelta(hours=12)
    ) -> Session | None:
        """The session in a cookie value, or None when it is missing, not genuine, malformed or too old.

        Args:
            value: The cookie value (None when there is no cookie).
            now: The current time (aware).
            max_age: Sessions older than this are refused.
        """
        now = _aware(now)
        data = _loads(self._serializer, value)
        if data is None:
            return None
        person, role, csrf, issued = _field(data, "p"), _role(data), _field(data, "c"), _when(data)
        if person is None or role is None or csrf is None or issued is None:
            return None
        if issued - now > CLOCK_SKEW or now - issued >= max_age:
            return None
        return Session(person=person, role=role, csrf=csrf, issued_at=issued)


def new_csrf() -> str:
    """A fresh CSRF token for a new session (URL-safe, 256 random bits)."""
    return secrets.token_urlsafe(32)


def csrf_matches(session: Session | None, submitted: str | None) -> bool:
    """Whether a submitted form's CSRF token is the session's, compared in constant time.

    False when either is missing or empty, or the submitted value is not a string.
    """
    if session is None or not session.csrf or not isinstance(submitted, str) or not submitted:
        return False
    expected = session.csrf.encode("utf-8", "surrogatepass")
    return hmac.compare_digest(expected, submitted.encode("utf-8", "surrogatepass"))
