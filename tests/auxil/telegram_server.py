"""A stand-in for Telegram's Bot API, served over HTTP on 127.0.0.1 for end-to-end tests.

It speaks the wire format python-telegram-bot uses (form-encoded or multipart POSTs to
``/bot{token}/{method}``, JSON answers ``{"ok": ..., "result": ...}``), keeps just enough state to
behave like Telegram (long polling, message ids, webhook, commands, chat admins), records every call,
and lets a test play the user (:meth:`FakeBotApi.user_message`, :meth:`FakeBotApi.press_button`) or
the network (:meth:`FakeBotApi.fail_next`).

    async with FakeBotApi() as api:
        bot = telegram.Bot(token="123:TEST", base_url=api.base_url)
        api.user_message("/start")
        ...
        await api.wait_for_sent(1001)
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from http import HTTPStatus
from types import TracebackType
from typing import Any

import aiohttp
from aiohttp import web

JSON = dict[str, Any]
Handler = Callable[[JSON], Awaitable[Any]]

# Fields whose value is free text: never JSON-decoded, even when they look like JSON.
PLAIN_TEXT_FIELDS = frozenset(
    {"text", "caption", "title", "description", "short_description", "name", "query"}
)
# Fields Telegram types as numbers (chat_id may also be "@channelname", which stays a string).
NUMERIC_FIELDS = frozenset(
    {
        "chat_id",
        "from_chat_id",
        "user_id",
        "message_id",
        "message_thread_id",
        "offset",
        "limit",
        "timeout",
        "cache_time",
        "until_date",
        "max_connections",
    }
)
# Telegram's update types, in the order an update object is inspected for its type.
UPDATE_TYPES = (
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "callback_query",
    "inline_query",
    "my_chat_member",
    "chat_member",
    "chat_join_request",
    "message_reaction",
)

ADMIN_RIGHTS: JSON = {
    "can_be_edited": False,
    "is_anonymous": False,
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": True,
    "can_restrict_members": True,
    "can_promote_members": False,
    "can_change_info": True,
    "can_invite_users": True,
    "can_post_stories": True,
    "can_edit_stories": True,
    "can_delete_stories": True,
    "can_pin_messages": True,
}


GROUP_ANONYMOUS_BOT = 1087968824
"""The user id Telegram gives every anonymous group admin's message."""


@dataclass
class Call:
    """One request the bot made, with its decoded parameters."""

    method: str
    params: JSON
    token: str
    at: float
    failed: bool = False


@dataclass
class _Failure:
    method: str
    status: int
    times: int
    retry_after: int | None
    description: str | None
    chat_id: int | str | None


def decode_params(raw: dict[str, Any]) -> JSON:
    """Turn form values (all strings) back into what the bot passed: objects, lists, numbers, booleans."""
    params: JSON = {}
    for key, value in raw.items():
        if isinstance(value, str) and key not in PLAIN_TEXT_FIELDS:
            value = _decode_value(key, value)
        params[key] = value
    return params


def _decode_value(key: str, value: str) -> Any:
    looks_json = value[:1] in "{[" or key in NUMERIC_FIELDS or value in ("true", "false")
    if not looks_json:
        return value
    try:
        decoded = json.loads(value)
    except ValueError:
        return value
    if isinstance(decoded, dict | list | bool) or (
        key in NUMERIC_FIELDS and isinstance(decoded, int | float)
    ):
        return decoded
    return value


def _utf16_len(text: str) -> int:
    """Telegram measures entity offsets and lengths in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def update_type(update: JSON) -> str | None:
    return next((kind for kind in UPDATE_TYPES if kind in update), None)


class FakeBotApi:
    """An in-process Telegram Bot API server; see the module docstring."""

    def __init__(self, bot_username: str = "safetybot_test_bot", bot_id: int = 777000) -> None:
        self.bot_username = bot_username
        self.bot_id = bot_id
        self.calls: list[Call] = []
        self.sent: list[JSON] = []
        self.webhook_url: str | None = None
        self.webhook_secret: str | None = None
        self.commands: dict[str, list[JSON]] = {}
        self._pending: list[JSON] = []
        self._update_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._wakeup = asyncio.Event()
        self._closing = False
        self._message_ids: dict[int | str, itertools.count[int]] = {}
        self._bot_messages: dict[tuple[int | str, int], JSON] = {}
        self._last_bot_message: dict[int | str, int] = {}
        self._chat_types: dict[int | str, str] = {}
        self._users: dict[int, JSON] = {}
        self._admins: dict[int | str, list[int]] = {}
        self._failures: list[_Failure] = []
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._handlers: dict[str, Handler] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message,
            "editMessageReplyMarkup": self._edit_message,
            "deleteMessage": self._delete_message,
            "getChat": self._get_chat,
            "getChatMember": self._get_chat_member,
            "getChatAdministrators": self._get_chat_administrators,
        }
        for method in ("answerCallbackQuery", "sendChatAction", "leaveChat", "setMyDescription"):
            self._handlers[method] = self._true

    # --- lifecycle -------------------------------------------------------------------------------

    async def start(self) -> None:
        self._closing = False
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        self._closing = True
        self._wake()  # long polls answer [] at once instead of holding the shutdown
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeBotApi:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        if self._port is None:
            raise RuntimeError("FakeBotApi is not started")
        return f"http://127.0.0.1:{self._port}/bot"

    @property
    def bot_user(self) -> JSON:
        return {"id": self.bot_id, "is_bot": True, "first_name": "SafetyBot", "username": self.bot_username}

    # --- what the bot did ------------------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    def sent_to(self, chat_id: int | str) -> list[JSON]:
        return [message for message in self.sent if message["chat_id"] == chat_id]

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0, *, what: str = "") -> None:
        """Poll ``predicate`` every 10 ms until it holds; fail the test after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() >= deadline:
                waited_for = what or getattr(predicate, "__name__", "a condition")
                recent = [f"{c.method}{' (failed)' if c.failed else ''}" for c in self.calls[-10:]]
                last_sent = [(m["chat_id"], m["text"]) for m in self.sent[-5:]]
                raise AssertionError(
                    f"timed out after {timeout}s waiting for {waited_for}; "
                    f"last calls: {recent}; last sent: {last_sent}"
                )
            await asyncio.sleep(0.01)

    async def wait_for_sent(self, chat_id: int | str, count: int = 1, timeout: float = 10.0) -> list[JSON]:
        """Wait until the bot has sent at least ``count`` messages to the chat; return all of them."""
        await self.wait_for(
            lambda: len(self.sent_to(chat_id)) >= count,
            timeout,
            what=f"{count} message(s) to chat {chat_id} (have {len(self.sent_to(chat_id))})",
        )
        return self.sent_to(chat_id)

    # --- what the test sets up -------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        status: int,
        *,
        times: int = 1,
        retry_after: int | None = None,
        description: str | None = None,
        chat_id: int | str | None = None,
    ) -> None:
        """Make the next ``times`` calls to ``method`` (for ``chat_id`` only, if given) fail."""
        self._failures.append(_Failure(method, status, times, retry_after, description, chat_id))

    def set_admins(self, chat_id: int | str, user_ids: Iterable[int]) -> None:
        """The first user is the chat's creator, the others administrators."""
        self._admins[chat_id] = list(user_ids)

    # --- what users do ---------------------------------------------------------------------------

    def push_update(self, update: JSON) -> JSON:
        """Queue an update for getUpdates (numbering it if needed) and wake waiting long polls."""
        update.setdefault("update_id", next(self._update_ids))
        for kind in UPDATE_TYPES:
            chat = (update.get(kind) or {}).get("chat")
            if chat:
                self._chat_types[chat["id"]] = chat["type"]
        self._pending.append(update)
        self._wake()
        return update

    def user_message(
        self,
        text: str,
        *,
        user_id: int = 1001,
        chat_id: int | None = None,
        chat_type: str = "private",
        first_name: str = "Ada",
        language_code: str = "en",
        reply_to_bot_message_id: int | None = None,
        username: str | None = None,
        thread_id: int | None = None,
        anonymous_admin: bool = False,
    ) -> JSON:
        """A person's text message. ``thread_id``: sent in that forum topic; ``anonymous_admin``: sent by
        an anonymous group admin (Telegram's GroupAnonymousBot, with the group as ``sender_chat``)."""
        chat_id = user_id if chat_id is None else chat_id
        user = self._user(user_id, first_name, language_code, username)
        if anonymous_admin:
            user = {
                "id": GROUP_ANONYMOUS_BOT,
                "is_bot": True,
                "first_name": "Group",
                "username": "GroupAnonymousBot",
            }
        message: JSON = {
            "message_id": self._next_message_id(chat_id),
            "date": int(time.time()),
            "chat": self._chat(chat_id, chat_type),
            "from": user,
            "text": text,
        }
        if anonymous_admin:
            message["sender_chat"] = self._chat(chat_id, chat_type)
        if thread_id is not None:
            message["message_thread_id"] = thread_id
            message["is_topic_message"] = True
        entities = self._entities(text)
        if entities:
            message["entities"] = entities
        if reply_to_bot_message_id is not None:
            message["reply_to_message"] = self._bot_message(chat_id, reply_to_bot_message_id)
        return self.push_update({"message": message})

    def press_button(
        self,
        data: str,
        *,
        user_id: int = 1001,
        chat_id: int | None = None,
        message_id: int | None = None,
        chat_type: str = "private",
    ) -> JSON:
        chat_id = user_id if chat_id is None else chat_id
        self._chat_types.setdefault(chat_id, chat_type)
        if message_id is None:
            if chat_id not in self._last_bot_message:
                raise AssertionError(f"the bot has sent nothing to chat {chat_id}; pass message_id")
            message_id = self._last_bot_message[chat_id]
        query = {
            "id": str(next(self._callback_ids)),
            "from": self._users.get(user_id) or self._user(user_id, "Ada", "en", None),
            "chat_instance": f"instance-{chat_id}",
            "data": data,
            "message": self._bot_message(chat_id, message_id),
        }
        return self.push_update({"callback_query": query})

    def my_chat_member_blocked(self, user_id: int) -> JSON:
        """The user blocked the bot in their private chat."""
        change = {
            "chat": self._chat(user_id, "private"),
            "from": self._users.get(user_id) or self._user(user_id, "Ada", "en", None),
            "date": int(time.time()),
            "old_chat_member": {"status": "member", "user": self.bot_user},
            "new_chat_member": {"status": "kicked", "user": self.bot_user, "until_date": 0},
        }
        return self.push_update({"my_chat_member": change})

    async def deliver_webhook(self, update: JSON, url: str | None = None) -> int:
        """POST the update to the registered webhook (with its secret header); return the HTTP status."""
        target = url or self.webhook_url
        if not target:
            raise AssertionError("no webhook registered (setWebhook was not called) and no url given")
        headers = {"X-Telegram-Bot-Api-Secret-Token": self.webhook_secret} if self.webhook_secret else {}
        async with (
            aiohttp.ClientSession() as session,
            session.post(target, json=update, headers=headers) as r,
        ):
            return r.status

    # --- HTTP ------------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        method, token = request.match_info["method"], request.match_info["token"]
        raw: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            raw.update(await request.json())
        elif request.can_read_body:
            for key, value in (await request.post()).items():
                if isinstance(value, web.FileField):
                    value = {"filename": value.filename, "size": len(value.file.read())}
                raw[key] = value
        params = decode_params(raw)
        call = Call(method, params, token, time.time())
        self.calls.append(call)

        handler = self._handlers.get(method)
        if handler is None:
            call.failed = True
            return _error(404, "Not Found: method not found")
        failure = self._take_failure(method, params)
        if failure is not None:
            call.failed = True
            return _failure_response(failure)
        try:
            result = await handler(params)
        except KeyError as missing:  # a required parameter was not sent
            call.failed = True
            return _error(400, f"Bad Request: {missing.args[0]} is empty")
        except _ApiError as exc:
            call.failed = True
            return _error(exc.status, exc.description)
        return web.json_response({"ok": True, "result": result})

    def _take_failure(self, method: str, params: JSON) -> _Failure | None:
        for failure in self._failures:
            if failure.method == method and failure.chat_id in (None, params.get("chat_id")):
                failure.times -= 1
                if failure.times <= 0:
                    self._failures.remove(failure)
                return failure
        return None

    # --- methods ---------------------------------------------------------------------------------

    async def _true(self, params: JSON) -> bool:
        return True

    async def _get_me(self, params: JSON) -> JSON:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, params: JSON) -> list[JSON]:
        if self.webhook_url:
            raise _ApiError(409, "Conflict: can't use getUpdates method while webhook is active")
        offset = int(params.get("offset", 0))
        if offset > 0:
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
        elif offset < 0:
            self._pending = self._pending[offset:]
        allowed = params.get("allowed_updates") or list(UPDATE_TYPES)
        limit = min(max(int(params.get("limit", 100)), 1), 100)
        deadline = time.monotonic() + float(params.get("timeout", 0))

        def ready() -> list[JSON]:
            return [u for u in self._pending if update_type(u) in allowed][:limit]

        while not (batch := ready()) and not self._closing and (left := deadline - time.monotonic()) > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), left)
        return batch

    async def _set_webhook(self, params: JSON) -> bool:
        self.webhook_url = params["url"] or None
        self.webhook_secret = params.get("secret_token")
        if params.get("drop_pending_updates"):
            self._pending.clear()
        return True

    async def _delete_webhook(self, params: JSON) -> bool:
        self.webhook_url = self.webhook_secret = None
        if params.get("drop_pending_updates"):
            self._pending.clear()
        return True

    async def _get_webhook_info(self, params: JSON) -> JSON:
        return {
            "url": self.webhook_url or "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }

    async def _set_my_commands(self, params: JSON) -> bool:
        self.commands[_commands_key(params)] = params["commands"]
        return True

    async def _get_my_commands(self, params: JSON) -> list[JSON]:
        return self.commands.get(_commands_key(params), [])

    async def _delete_my_commands(self, params: JSON) -> bool:
        self.commands.pop(_commands_key(params), None)
        return True

    async def _send_message(self, params: JSON) -> JSON:
        chat_id = params["chat_id"]
        message: JSON = {
            "message_id": self._next_message_id(chat_id),
            "date": int(time.time()),
            "chat": self._chat(chat_id, self._chat_types.get(chat_id, "private")),
            "from": self.bot_user,
            "text": params["text"],
        }
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:  # Telegram echoes inline keyboards only
            message["reply_markup"] = markup
        self._bot_messages[(chat_id, message["message_id"])] = message
        self._last_bot_message[chat_id] = message["message_id"]
        self.sent.append(
            {
                "chat_id": chat_id,
                "text": params["text"],
                "parse_mode": params.get("parse_mode"),
                "reply_markup": markup,
                "message_id": message["message_id"],
                **(
                    {"message_thread_id": params["message_thread_id"]}
                    if "message_thread_id" in params
                    else {}
                ),
            }
        )
        return message

    async def _edit_message(self, params: JSON) -> JSON | bool:
        """editMessageText and editMessageReplyMarkup: an edit without reply_markup drops the keyboard."""
        if "inline_message_id" in params:
            return True
        message = dict(self._bot_message(params["chat_id"], params["message_id"]))
        if "text" in params:
            message["text"] = params["text"]
        message.pop("reply_markup", None)
        if isinstance(params.get("reply_markup"), dict):
            message["reply_markup"] = params["reply_markup"]
        message["edit_date"] = int(time.time())
        self._bot_messages[(params["chat_id"], params["message_id"])] = message
        return message

    async def _delete_message(self, params: JSON) -> bool:
        self._bot_messages.pop((params["chat_id"], params["message_id"]), None)
        return True

    async def _get_chat(self, params: JSON) -> JSON:
        chat_id = params["chat_id"]
        gifts = dict.fromkeys(
            (
                "unlimited_gifts",
                "limited_gifts",
                "unique_gifts",
                "premium_subscription",
                "gifts_from_channels",
            ),
            False,
        )
        return {
            **self._chat(chat_id, self._chat_types.get(chat_id, "private")),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": gifts,
        }

    async def _get_chat_member(self, params: JSON) -> JSON:
        return self._member(params["chat_id"], int(params["user_id"]))

    async def _get_chat_administrators(self, params: JSON) -> list[JSON]:
        return [
            self._member(params["chat_id"], user_id) for user_id in self._admins.get(params["chat_id"], [])
        ]

    # --- building blocks -------------------------------------------------------------------------

    def _wake(self) -> None:
        self._wakeup.set()
        self._wakeup = asyncio.Event()

    def _next_message_id(self, chat_id: int | str) -> int:
        return next(self._message_ids.setdefault(chat_id, itertools.count(1)))

    def _chat(self, chat_id: int | str, chat_type: str) -> JSON:
        chat: JSON = {"id": chat_id, "type": chat_type}
        if chat_type != "private":
            chat["title"] = f"Test {chat_type} {chat_id}"
        return chat

    def _user(self, user_id: int, first_name: str, language_code: str, username: str | None) -> JSON:
        user: JSON = {
            "id": user_id,
            "is_bot": False,
            "first_name": first_name,
            "language_code": language_code,
        }
        if username:
            user["username"] = username
        self._users[user_id] = user
        return user

    def _bot_message(self, chat_id: int | str, message_id: int) -> JSON:
        """A message the bot sent (a minimal stand-in if the bot never sent it); its date is never 0."""
        chat = self._chat(chat_id, self._chat_types.get(chat_id, "private"))
        fallback = {"message_id": message_id, "date": int(time.time()), "chat": chat, "from": self.bot_user}
        return self._bot_messages.get((chat_id, message_id), fallback)

    def _entities(self, text: str) -> list[JSON]:
        entities: list[JSON] = []
        searched_from = 0
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            entities.append({"type": "bot_command", "offset": 0, "length": _utf16_len(command)})
            searched_from = len(command)
        mention = f"@{self.bot_username}"
        at = text.find(mention, searched_from)
        if at >= 0:
            entities.append(
                {"type": "mention", "offset": _utf16_len(text[:at]), "length": _utf16_len(mention)}
            )
        return entities

    def _member(self, chat_id: int | str, user_id: int) -> JSON:
        user = self._users.get(user_id) or {"id": user_id, "is_bot": False, "first_name": f"User {user_id}"}
        if user_id == self.bot_id:
            user = self.bot_user
        admins = self._admins.get(chat_id, [])
        if user_id not in admins:
            return {"status": "member", "user": user}
        if user_id == admins[0]:
            return {"status": "creator", "user": user, "is_anonymous": False}
        return {"status": "administrator", "user": user, **ADMIN_RIGHTS}


class _ApiError(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def _commands_key(params: JSON) -> str:
    scope = params.get("scope") or {"type": "default"}
    return json.dumps([scope, params.get("language_code", "")], sort_keys=True)


def _error(status: int, description: str, parameters: JSON | None = None) -> web.Response:
    body: JSON = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=status)


def _failure_response(failure: _Failure) -> web.Response:
    if failure.status == 429:
        retry_after = failure.retry_after or 1
        description = failure.description or f"Too Many Requests: retry after {retry_after}"
        return _error(429, description, {"retry_after": retry_after})
    defaults = {
        400: "Bad Request: injected failure",
        403: "Forbidden: bot was blocked by the user",
    }
    description = failure.description or defaults.get(failure.status) or HTTPStatus(failure.status).phrase
    return _error(failure.status, description)
