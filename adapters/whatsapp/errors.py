"""WhatsApp Cloud API errors sorted into what the sender should do about them.

Meta asks integrations to act on the error ``code`` (and the ``details``), not on the HTTP status or
the deprecated ``error_subcode``. The mapping follows Meta's "WhatsApp error codes" page,
https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes/
(formerly https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes), and for the
waits its "Throughput" page, https://developers.facebook.com/documentation/business-messaging/whatsapp/throughput
(80 messages a second per business number by default, error 130429 above it; an upgrade makes the
number unusable for up to a minute). The pair rate limit (131056: too many messages from the business
number to one WhatsApp user in a short time; "wait and retry ... you can still send to a different
phone number") allows about one message every 6 seconds to the same person.

The same codes arrive asynchronously in the ``errors`` of a failed status webhook: classify those with
:func:`classify_code`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

_log = logging.getLogger(__name__)

NO_RESPONSE = 0
"""The status to pass to :func:`classify` when no HTTP answer came (connection refused, reset, timeout)."""
PAIR_RATE_WAIT = 6.0
"""Seconds between two messages to the same person under the pair rate limit (131056)."""


class Outcome(StrEnum):
    """What to do with a message the Cloud API refused."""

    RETRY = "retry"
    """Temporary: send it again after the suggested wait."""
    PACE = "pace"
    """The same person was written to too often: send again after about 6 seconds."""
    GONE = "gone"
    """The person cannot be reached on WhatsApp (not a user, blocked us, invalid or not allowed number)."""
    NEEDS_TEMPLATE = "needs_template"
    """Outside the 24-hour customer service window: only a template message can re-engage the person."""
    FAILED = "failed"
    """Permanent for this message (malformed, not allowed, or a configuration problem)."""


@dataclass(frozen=True, slots=True)
class Classified:
    """An error's outcome, its Cloud API code (None when there was none) and the suggested wait in
    seconds (None: no suggestion, or not a retry)."""

    outcome: Outcome
    code: int | None
    wait: float | None = None


class _Concern(StrEnum):
    """Who must act, for the log: the message itself, or the people who run the bot."""

    MESSAGE = "message"
    CONFIGURATION = "configuration"
    ACCOUNT = "account"


@dataclass(frozen=True, slots=True)
class _Rule:
    outcome: Outcome
    wait: float | None = None
    concern: _Concern = _Concern.MESSAGE


_RETRY_SERVICE = _Rule(Outcome.RETRY, 10.0)
_FAILED_CONFIGURATION = _Rule(Outcome.FAILED, concern=_Concern.CONFIGURATION)

_RULES: dict[int, _Rule] = {
    # Authorization: the access token or the app's permissions (configuration, never the message).
    0: _FAILED_CONFIGURATION,  # AuthException
    3: _FAILED_CONFIGURATION,  # API method: capability or permissions issue
    10: _FAILED_CONFIGURATION,  # permission denied
    190: _FAILED_CONFIGURATION,  # access token has expired
    # Throttling.
    4: _Rule(Outcome.RETRY, 60.0),  # API too many calls: the app's call rate limit
    80007: _Rule(Outcome.RETRY, 60.0),  # the WhatsApp Business Account's rate limit
    130429: _Rule(Outcome.RETRY, 1.0),  # Cloud API throughput (messages per second) reached
    131048: _Rule(Outcome.FAILED, concern=_Concern.ACCOUNT),  # spam rate limit: check quality status
    131056: _Rule(Outcome.PACE, PAIR_RATE_WAIT),  # (business, consumer) pair rate limit
    # Integrity: the business account is restricted.
    368: _Rule(Outcome.FAILED, concern=_Concern.ACCOUNT),  # temporarily blocked for policy violations
    131031: _Rule(Outcome.FAILED, concern=_Concern.ACCOUNT),  # account has been locked
    # Service.
    1: _Rule(Outcome.RETRY, 10.0),  # API unknown: invalid request or possible server error
    2: _RETRY_SERVICE,  # API service: temporary downtime or overload
    131000: _RETRY_SERVICE,  # something went wrong ("try again")
    131016: _RETRY_SERVICE,  # service temporarily unavailable
    131057: _Rule(Outcome.RETRY, 60.0),  # account in maintenance mode (e.g. a throughput upgrade)
    # The request.
    100: _Rule(Outcome.FAILED),  # invalid parameter
    131008: _Rule(Outcome.FAILED),  # required parameter is missing
    131009: _Rule(Outcome.FAILED),  # parameter value is not valid
    131051: _Rule(Outcome.FAILED),  # unsupported message type
    131042: _Rule(Outcome.FAILED, concern=_Concern.ACCOUNT),  # business eligibility payment issue
    131045: _FAILED_CONFIGURATION,  # incorrect certificate: phone number registration error
    # The recipient.
    131021: _Rule(Outcome.GONE),  # recipient cannot be sender
    131026: _Rule(Outcome.GONE),  # message undeliverable (not on WhatsApp, blocked us, old client...)
    131030: _Rule(Outcome.GONE),  # recipient not in the allowed list (test business numbers)
    131047: _Rule(Outcome.NEEDS_TEMPLATE),  # re-engagement message: more than 24 hours since their reply
    # Templates: missing, paused, disabled or filled wrongly; a person must fix the template or the code.
    **{code: _FAILED_CONFIGURATION for code in range(132000, 132017)},
}


def _code_of(error: Any) -> int | None:
    """The error's code as an int (proxies sometimes send it as a string); None when there is none."""
    if not isinstance(error, dict):
        return None
    code = error.get("code")
    if isinstance(code, bool):
        return None
    if isinstance(code, int):
        return code
    if isinstance(code, str) and code.strip().isdigit():
        return int(code.strip())
    return None


def _from_rule(code: int, rule: _Rule) -> Classified:
    match rule.concern:
        case _Concern.CONFIGURATION:
            _log.error("WhatsApp error %d is a configuration problem (token, registration or template)", code)
        case _Concern.ACCOUNT:
            _log.warning(
                "WhatsApp error %d: the business account is restricted; check WhatsApp Manager", code
            )
        case _Concern.MESSAGE:
            pass
    return Classified(rule.outcome, code, rule.wait)


def classify_code(code: int | None) -> Classified:
    """The outcome of an error code reported without an HTTP answer, e.g. in a failed status webhook;
    an unknown or missing code is FAILED (the message is already lost)."""
    if code is not None and (rule := _RULES.get(code)) is not None:
        return _from_rule(code, rule)
    return Classified(Outcome.FAILED, code)


def classify(status: int, body: dict[str, Any] | None) -> Classified:
    """The outcome of a failed send.

    Args:
        status: the HTTP status of the answer, or :data:`NO_RESPONSE` when none came.
        body: the decoded JSON answer (``{"error": {"code": ...}}``), or None when it was not JSON. A bare
            error object (``{"code": ...}``, as in webhooks) is accepted too.

    Returns:
        A known code's outcome; otherwise RETRY for no answer, HTTP 429 and HTTP 5xx, FAILED for the rest.
    """
    error = body.get("error", body) if isinstance(body, dict) else None
    code = _code_of(error)
    if code is not None and (rule := _RULES.get(code)) is not None:
        return _from_rule(code, rule)
    if status == NO_RESPONSE or status == 429 or status >= 500:
        return Classified(Outcome.RETRY, code, 5.0)
    return Classified(Outcome.FAILED, code)
