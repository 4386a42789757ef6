"""A stand-in for the WhatsApp Cloud API (Meta Graph API), served over HTTP on 127.0.0.1 for tests.

Sending: it answers ``POST /{version}/{phone-number-id}/messages`` like Meta (``{"messaging_product":
"whatsapp", "contacts": [...], "messages": [{"id": "wamid..."}]}``), records every request with the
access token of its ``Authorization: Bearer`` header, checks Meta's limits on interactive messages
(an error 131009 names what is too long, as Meta does), and fails on demand with Meta's error shape
(:meth:`FakeGraphApi.fail_next`, :meth:`FakeGraphApi.fail_for`).

Receiving: it plays WhatsApp towards the bot's webhook, building Meta's real payloads and signing them
with the app secret (``X-Hub-Signature-256``): :meth:`FakeGraphApi.send_text`, :meth:`FakeGraphApi.press`,
:meth:`FakeGraphApi.status`, and the GET handshake :meth:`FakeGraphApi.verify`.

    async with FakeGraphApi(app_secret="s3cret", phone_number_id="106540352242922") as api:
        url = f"{api.base_url}/v21.0/106540352242922/messages"
        ...
        await api.send_text(bot_webhook_url, "15551234567", "hello", name="Ada")
        await api.wait_for_sent("15551234567")
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Literal

import aiohttp
from aiohttp import web

JSON = dict[str, Any]

# Titles as Meta writes them in ``message`` ("(#<code>) <title>"), from the error codes page.
ERROR_TITLES: dict[int, str] = {
    0: "AuthException",
    2: "Service temporarily unavailable",
    4: "Application request limit reached",
    100: "Invalid parameter",
    190: "Error validating access token: Session has expired",
    80007: "Rate limit issues",
    130429: "Rate limit hit",
    131000: "Something went wrong",
    131008: "Required parameter is missing",
    131009: "Parameter value is not valid",
    131016: "Service unavailable",
    131021: "Recipient cannot be sender",
    131026: "Message undeliverable",
    131030: "Recipient phone number not in allowed list",
    131045: "Incorrect certificate",
    131047: "Re-engagement message",
    131048: "Spam rate limit hit",
    131051: "Unsupported message type",
    131056: "(Business Account, Consumer Account) pair rate limit hit",
    132000: "Number of parameters does not match the expected number of params",
    132001: "Template name does not exist in the translation",
    132015: "Template is Paused",
    132016: "Template is Disabled",
}
# Graph API subcodes seen with these codes. Meta stopped sending ``error_subcode`` in v16.0 and later for
# most errors, so it is left out for the others rather than made up.
ERROR_SUBCODES: dict[int, int] = {131030: 2655007}
LIMITS = {"body": 1024, "text": 4096, "button_title": 20, "button_id": 256, "row_title": 24, "row_id": 200}


@dataclass
class SendCall:
    """One POST to /messages: its path parts, the token it carried, its JSON body and what we answered."""

    version: str
    phone_number_id: str
    token: str | None
    payload: JSON
    at: float
    message_id: str | None = None
    error_code: int | None = None


@dataclass
class _Failure:
    code: int
    http_status: int
    times: int | None
    to: str | None


class FakeGraphApi:
    """An in-process WhatsApp Cloud API; see the module docstring."""

    def __init__(
        self,
        *,
        app_secret: str,
        phone_number_id: str,
        display_phone_number: str = "15550001234",
        waba_id: str = "102290129340398",
        access_token: str | None = None,
    ) -> None:
        """Args:
        app_secret: signs the webhooks this server posts to the bot.
        phone_number_id: the business number's id; sends to another id fail with code 100, as at Meta.
        display_phone_number: the business number, as webhooks show it.
        waba_id: the WhatsApp Business Account id, the webhooks' ``entry[].id``.
        access_token: when set, a send with another token fails with 401 and code 190.
        """
        self.app_secret = app_secret
        self.phone_number_id = phone_number_id
        self.display_phone_number = display_phone_number
        self.waba_id = waba_id
        self.access_token = access_token
        self.calls: list[SendCall] = []
        self.sent: list[JSON] = []
        self._failures: list[_Failure] = []
        self._last_sent_id: dict[str, str] = {}
        self._inbound_ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    # --- lifecycle -------------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/{version}/{phone_number_id}/messages", self._messages)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeGraphApi:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``; sends go to ``{base_url}/{version}/{phone-number-id}/messages``."""
        if self._port is None:
            raise RuntimeError("FakeGraphApi is not started")
        return f"http://127.0.0.1:{self._port}"

    def messages_url(self, version: str = "v21.0") -> str:
        """The URL of the messages endpoint for our phone number id."""
        return f"{self.base_url}/{version}/{self.phone_number_id}/messages"

    # --- what the bot did ------------------------------------------------------------------------

    def sent_to(self, wa_id: str) -> list[JSON]:
        """The payloads Meta accepted for this recipient, in order."""
        return [payload for payload in self.sent if payload.get("to") == wa_id]

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0, *, what: str = "") -> None:
        """Poll ``predicate`` every 10 ms until it holds; fail the test after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() >= deadline:
                recent = [(c.payload.get("to"), c.payload.get("type"), c.error_code) for c in self.calls[-5:]]
                raise AssertionError(f"timed out after {timeout}s waiting for {what}; last sends: {recent}")
            await asyncio.sleep(0.01)

    async def wait_for_sent(self, wa_id: str, count: int = 1, timeout: float = 10.0) -> list[JSON]:
        """Wait until at least ``count`` sends to ``wa_id`` were accepted; return all of them."""
        await self.wait_for(
            lambda: len(self.sent_to(wa_id)) >= count,
            timeout,
            what=f"{count} message(s) to {wa_id} (have {len(self.sent_to(wa_id))})",
        )
        return self.sent_to(wa_id)

    # --- failures --------------------------------------------------------------------------------

    def fail_next(self, code: int, count: int = 1, http_status: int = 400) -> None:
        """Make the next ``count`` sends (to anyone) fail with Meta's error for ``code``."""
        self._failures.append(_Failure(code, http_status, count, None))

    def fail_for(self, to: str, code: int, http_status: int = 400) -> None:
        """Make every send to ``to`` fail with Meta's error for ``code`` (until :meth:`clear_failures`)."""
        self._failures.append(_Failure(code, http_status, None, to))

    def clear_failures(self) -> None:
        self._failures.clear()

    def _take_failure(self, to: Any) -> _Failure | None:
        for failure in self._failures:
            if failure.to is not None and failure.to == to:
                return failure
        for failure in self._failures:
            if failure.to is None and failure.times is not None:
                failure.times -= 1
                if failure.times <= 0:
                    self._failures.remove(failure)
                return failure
        return None

    # --- HTTP: sending ---------------------------------------------------------------------------

    async def _messages(self, request: web.Request) -> web.Response:
        auth = request.headers.get("Authorization", "")
        token = auth[len("Bearer ") :] if auth.startswith("Bearer ") else None
        try:
            payload = await request.json()
        except ValueError:
            payload = None
        call = SendCall(
            request.match_info["version"],
            request.match_info["phone_number_id"],
            token,
            payload if isinstance(payload, dict) else {},
            time.time(),
        )
        self.calls.append(call)
        if self.access_token is not None and token != self.access_token:
            return self._error(call, 190, 401, "Invalid OAuth access token.")
        if call.phone_number_id != self.phone_number_id:
            details = f"Object with ID '{call.phone_number_id}' does not exist"
            return self._error(call, 100, 400, details, subcode=33)
        if not isinstance(payload, dict):
            return self._error(call, 100, 400, "The request body is not a JSON object")
        problem = _check(payload)
        if problem is not None:
            code = 100 if problem.startswith("missing") else 131009
            return self._error(call, code, 400, problem)
        failure = self._take_failure(payload.get("to"))
        if failure is not None:
            return self._error(call, failure.code, failure.http_status, None)
        message_id = _wamid()
        call.message_id = message_id
        self.sent.append(payload)
        self._last_sent_id[payload["to"]] = message_id
        to = payload["to"]
        return web.json_response(
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": to, "wa_id": to.lstrip("+")}],
                "messages": [{"id": message_id}],
            }
        )

    def _error(
        self, call: SendCall, code: int, http_status: int, details: str | None, *, subcode: int | None = None
    ) -> web.Response:
        call.error_code = code
        return web.json_response(error_body(code, details, subcode=subcode), status=http_status)

    # --- webhooks to the bot ---------------------------------------------------------------------

    def _envelope(self, value: JSON) -> JSON:
        value = {
            "messaging_product": "whatsapp",
            "metadata": {
                "display_phone_number": self.display_phone_number,
                "phone_number_id": self.phone_number_id,
            },
            **value,
        }
        return {
            "object": "whatsapp_business_account",
            "entry": [{"id": self.waba_id, "changes": [{"value": value, "field": "messages"}]}],
        }

    def _inbound(self, wa_id: str, name: str, message: JSON) -> JSON:
        message = {
            "from": wa_id,
            "id": f"wamid.IN{next(self._inbound_ids):06d}{secrets.token_hex(8).upper()}",
            "timestamp": str(int(time.time())),
            **message,
        }
        contacts = [{"profile": {"name": name}, "wa_id": wa_id}]
        return self._envelope({"contacts": contacts, "messages": [message]})

    async def post_webhook(
        self, to_url: str, payload: JSON, *, signed: bool = True, secret: str | None = None
    ) -> int:
        """POST a payload to the bot as Meta does (JSON with non-ASCII escaped, signed); the HTTP status.

        Args:
            signed: False leaves the ``X-Hub-Signature-256`` header out.
            secret: sign with this instead of the app secret (to test refusal).
        """
        body = json.dumps(payload).encode()
        headers = {"Content-Type": "application/json"}
        if signed:
            digest = hmac.new((secret or self.app_secret).encode(), body, hashlib.sha256).hexdigest()
            headers["X-Hub-Signature-256"] = f"sha256={digest}"
        async with aiohttp.ClientSession() as session, session.post(to_url, data=body, headers=headers) as r:
            return r.status

    async def send_text(
        self,
        to_url: str,
        wa_id: str,
        text: str,
        *,
        name: str = "Ada",
        signed: bool = True,
        secret: str | None = None,
    ) -> int:
        """The person ``wa_id`` writes ``text`` to the business; the bot's HTTP status."""
        payload = self._inbound(wa_id, name, {"type": "text", "text": {"body": text}})
        return await self.post_webhook(to_url, payload, signed=signed, secret=secret)

    async def press(
        self,
        to_url: str,
        wa_id: str,
        payload: str,
        kind: Literal["button", "list", "template"] = "button",
        *,
        title: str = "Option",
        name: str = "Ada",
        signed: bool = True,
        secret: str | None = None,
    ) -> int:
        """The person presses a reply button (``button``), picks a list row (``list``) or presses a
        template's quick-reply button (``template``) carrying ``payload``; the bot's HTTP status."""
        context = {"from": self.display_phone_number, "id": self._last_sent_id.get(wa_id) or _wamid()}
        message: JSON
        match kind:
            case "button":
                reply = {"type": "button_reply", "button_reply": {"id": payload, "title": title}}
                message = {"type": "interactive", "interactive": reply}
            case "list":
                reply = {"type": "list_reply", "list_reply": {"id": payload, "title": title}}
                message = {"type": "interactive", "interactive": reply}
            case "template":
                message = {"type": "button", "button": {"payload": payload, "text": title}}
        built = self._inbound(wa_id, name, {"context": context, **message})
        return await self.post_webhook(to_url, built, signed=signed, secret=secret)

    async def status(
        self,
        to_url: str,
        message_id: str,
        status: str,
        recipient: str,
        *,
        error_code: int | None = None,
        signed: bool = True,
        secret: str | None = None,
    ) -> int:
        """A status webhook (sent, delivered, read, failed) for a message we sent; ``error_code`` adds
        Meta's ``errors`` entry (for failed). The bot's HTTP status."""
        entry: JSON = {
            "id": message_id,
            "status": status,
            "timestamp": str(int(time.time())),
            "recipient_id": recipient,
        }
        if status in ("sent", "delivered"):
            entry["pricing"] = {"billable": False, "pricing_model": "PMP", "category": "service"}
        if error_code is not None:
            title = ERROR_TITLES.get(error_code, "Injected failure")
            entry["errors"] = [
                {
                    "code": error_code,
                    "title": title,
                    "message": title,
                    "error_data": {"details": title},
                    "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
                }
            ]
        payload = self._envelope({"statuses": [entry]})
        return await self.post_webhook(to_url, payload, signed=signed, secret=secret)

    async def verify(self, to_url: str, verify_token: str, challenge: str) -> tuple[int, str]:
        """Meta's GET handshake against the bot's webhook URL: the HTTP status and the body."""
        params = {"hub.mode": "subscribe", "hub.verify_token": verify_token, "hub.challenge": challenge}
        async with aiohttp.ClientSession() as session, session.get(to_url, params=params) as r:
            return r.status, await r.text()


def error_body(code: int, details: str | None = None, *, subcode: int | None = None) -> JSON:
    """Meta's error answer for ``code``: message, type, code, error_data, error_subcode (when one is
    known for the code) and fbtrace_id."""
    title = ERROR_TITLES.get(code, "Injected failure")
    error: JSON = {
        "message": f"(#{code}) {title}",
        "type": "OAuthException",
        "code": code,
        "error_data": {"messaging_product": "whatsapp", "details": details or title},
    }
    subcode = subcode if subcode is not None else ERROR_SUBCODES.get(code)
    if subcode is not None:
        error["error_subcode"] = subcode
    error["fbtrace_id"] = secrets.token_urlsafe(16)
    return {"error": error}


def _wamid() -> str:
    return "wamid." + secrets.token_urlsafe(36).replace("-", "A").replace("_", "B")


def _check(payload: JSON) -> str | None:
    """What Meta would refuse in a message request (missing fields, interactive limits), or None."""
    for key in ("messaging_product", "to", "type"):
        if not payload.get(key):
            return f"missing required parameter {key}"
    if payload["messaging_product"] != "whatsapp":
        return "messaging_product must be whatsapp"
    kind = payload["type"]
    if kind == "text":
        body = (payload.get("text") or {}).get("body")
        if not isinstance(body, str) or not 1 <= len(body) <= LIMITS["text"]:
            return "Text body length invalid. Min length: 1, Max length: 4096"
    elif kind == "interactive":
        return _check_interactive(payload.get("interactive") or {})
    elif kind == "template":
        template = payload.get("template") or {}
        if not template.get("name") or not (template.get("language") or {}).get("code"):
            return "missing required parameter template name or language"
    return None


def _check_interactive(interactive: JSON) -> str | None:
    body = (interactive.get("body") or {}).get("text")
    if not isinstance(body, str) or not 1 <= len(body) <= LIMITS["body"]:
        return "Body text length invalid. Min length: 1, Max length: 1024"
    action = interactive.get("action") or {}
    if interactive.get("type") == "button":
        buttons = action.get("buttons") or []
        if not 1 <= len(buttons) <= 3:
            return "Buttons count invalid. Min: 1, Max: 3"
        replies = [button.get("reply") or {} for button in buttons]
        titles = [reply.get("title") for reply in replies]
        if any(not isinstance(t, str) or not 1 <= len(t) <= LIMITS["button_title"] for t in titles):
            return "Button title length invalid. Min length: 1, Max length: 20"
        if len(set(titles)) != len(titles):
            return "Button title must be unique"
        ids = [reply.get("id") for reply in replies]
        if any(not isinstance(i, str) or not 1 <= len(i) <= LIMITS["button_id"] for i in ids):
            return "Button id length invalid. Min length: 1, Max length: 256"
        return None
    if interactive.get("type") == "list":
        label = action.get("button")
        if not isinstance(label, str) or not 1 <= len(label) <= 20:
            return "Button label length invalid. Min length: 1, Max length: 20"
        rows = [row for section in action.get("sections") or [] for row in section.get("rows") or []]
        if not 1 <= len(rows) <= 10:
            return "Total row count invalid. Min: 1, Max: 10"
        if any(not 1 <= len(row.get("title") or "") <= LIMITS["row_title"] for row in rows):
            return "Row title length invalid. Min length: 1, Max length: 24"
        if any(not 1 <= len(row.get("id") or "") <= LIMITS["row_id"] for row in rows):
            return "Row id length invalid. Min length: 1, Max length: 200"
        if any(len(row.get("description") or "") > 72 for row in rows):
            return "Row description length invalid. Max length: 72"
        return None
    return None
