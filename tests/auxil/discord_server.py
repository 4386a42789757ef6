"""A stand-in for Discord's REST API and gateway, served on 127.0.0.1 for end-to-end tests of the real
discord.py client.

REST: what discord.py calls to log in (``/users/@me``, ``/oauth2/applications/@me``), to sync slash
commands, to answer interactions (callback, followups, edits) and to post to channels. Every request is
recorded; answers are JSON with Content-Type exactly ``application/json`` (discord.py parses nothing
else). Gateway: HELLO, IDENTIFY -> READY and GUILD_CREATE, heartbeat ACKs, in plain-text JSON frames
(discord.py asks for zlib-stream but reads text frames as they are). A test plays the members with
:meth:`FakeDiscord.slash` and :meth:`FakeDiscord.press`, and the network with
:meth:`FakeDiscord.fail_channel`.

Point discord.py at it with :meth:`FakeDiscord.patch` (``discord.http.Route.BASE`` and
``DiscordWebSocket.DEFAULT_GATEWAY``).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import yarl
from aiohttp import WSMsgType, web

JSON = dict[str, Any]

APP_ID = 900_000_000_000_000_001
BOT_ID = APP_ID
GUILD_ID = 910_000_000_000_000_001
CHANNEL_ID = 920_000_000_000_000_001
OTHER_CHANNEL_ID = 920_000_000_000_000_002
DM_CHANNEL_ID = 930_000_000_000_000_001
MANAGE_GUILD = 1 << 5
MEMBER_PERMISSIONS = (1 << 10) | (1 << 11) | (1 << 31)
"""View Channel, Send Messages, Use Application Commands."""
EPHEMERAL = 1 << 6
TIMESTAMP = "2026-01-01T00:00:00.000000+00:00"


@dataclass
class Call:
    """One REST request the bot made."""

    method: str
    path: str
    body: Any
    query: dict[str, str]
    at: float
    status: int = 200


@dataclass
class Posted:
    """A message the bot made visible: a callback (4), a followup, an edit or a channel post."""

    where: str
    """"callback", "followup", "edit" or "channel"."""
    channel_id: int | None
    interaction_id: int | None
    content: str
    components: list[JSON]
    flags: int
    raw: JSON = field(repr=False, default_factory=dict)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    @property
    def custom_ids(self) -> list[tuple[str, str]]:
        """(label, custom_id) of every button."""
        return [
            (item.get("label", ""), item["custom_id"])
            for row in self.components
            for item in row.get("components", [])
            if "custom_id" in item
        ]


def message_payload(
    message_id: int,
    channel_id: int | None,
    author: JSON,
    content: str,
    *,
    flags: int = 0,
    components: list | None = None,
) -> JSON:
    """A message object as Discord's REST API and gateway send it."""
    return {
        "id": str(message_id),
        "channel_id": str(channel_id),
        "author": author,
        "content": content,
        "timestamp": TIMESTAMP,
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "pinned": False,
        "type": 0,
        "flags": flags,
        "components": components or [],
    }


def user_payload(user_id: int, name: str, *, bot: bool = False) -> JSON:
    return {
        "id": str(user_id),
        "username": name,
        "discriminator": "0",
        "global_name": None if bot else name,
        "avatar": None,
        "bot": bot,
    }


class FakeDiscord:
    """The REST API and the gateway on one loopback port."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.posted: list[Posted] = []
        self.callbacks: list[JSON] = []
        self.command_syncs: list[tuple[int | None, list[JSON]]] = []
        self.identified: list[JSON] = []
        self.failures: dict[int, int] = {}
        self._fail_times = 0
        self.fail_callbacks: list[int] = []
        """Statuses for the next interaction callbacks (popped one per callback)."""
        self._interactions: dict[int, JSON] = {}
        self.bot_user = user_payload(BOT_ID, "safetybot", bot=True)
        self.preferred_locale = "en-US"
        self._ids = itertools.count(1_000_000_000_000_000_001)
        self._sockets: list[web.WebSocketResponse] = []
        self._sequence = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._changed = asyncio.Event()
        self.port = 0

    # lifecycle

    async def __aenter__(self) -> FakeDiscord:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{path:.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        for socket in list(self._sockets):
            await socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    def patch(self, monkeypatch: Any) -> None:
        """Point discord.py's REST base and default gateway here (undone by the monkeypatch fixture)."""
        import discord.gateway
        import discord.http

        monkeypatch.setattr(discord.http.Route, "BASE", self.base_url)
        monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(self.gateway_url))

    # waiting

    def _touch(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_for(
        self, check: Callable[[], bool], *, what: str = "condition", timeout: float = 10
    ) -> None:
        deadline = time.monotonic() + timeout
        while not check():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"timed out waiting for {what}")
            event = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), min(remaining, 0.1))

    async def wait_posted(self, count: int, *, timeout: float = 10) -> list[Posted]:
        await self.wait_for(lambda: len(self.posted) >= count, what=f"{count} messages", timeout=timeout)
        return self.posted

    # the test plays the network

    def fail_channel(self, channel_id: int, status: int, times: int = 1) -> None:
        """The next ``times`` posts to this channel fail with ``status`` (403 Missing Access, 404...)."""
        self.failures[channel_id] = status
        self._fail_times = times

    # REST

    def _json(self, data: Any, status: int = 200) -> web.Response:
        return web.Response(
            status=status, body=json.dumps(data).encode(), headers={"Content-Type": "application/json"}
        )

    async def _body(self, request: web.Request) -> Any:
        if not request.can_read_body:
            return None
        if request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            while (part := await reader.next()) is not None:
                if getattr(part, "name", None) == "payload_json":
                    return json.loads(await part.text())  # type: ignore[union-attr]
            return None
        raw = await request.read()
        return json.loads(raw) if raw else None

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["path"]
        body = await self._body(request)
        call = Call(request.method, path, body, dict(request.query), time.monotonic())
        self.calls.append(call)
        try:
            response = self._route(request.method, path.split("/")[1:], body)
        finally:
            self._touch()
        call.status = response.status
        return response

    def _route(self, method: str, parts: list[str], body: Any) -> web.Response:
        match method, parts:
            case "GET", ["users", "@me"]:
                return self._json(self.bot_user)
            case "GET", ["oauth2", "applications", "@me"]:
                return self._json(self._application())
            case "GET", ["gateway", "bot"]:
                limit = {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}
                return self._json({"url": self.gateway_url, "shards": 1, "session_start_limit": limit})
            case "GET", ["gateway"]:
                return self._json({"url": self.gateway_url})
            case "PUT", ["applications", _, "commands"]:
                return self._json(self._sync(None, body))
            case "PUT", ["applications", _, "guilds", guild, "commands"]:
                return self._json(self._sync(int(guild), body))
            case "POST", ["interactions", interaction_id, _, "callback"] if self.fail_callbacks:
                status = self.fail_callbacks.pop(0)
                return self._json({"message": "Invalid Form Body", "code": 50035}, status)
            case "POST", ["interactions", interaction_id, _, "callback"]:
                return self._json(self._callback(int(interaction_id), body))
            case "POST", ["webhooks", _, token]:
                return self._json(self._post("followup", self._interaction_by_token(token), body))
            case "PATCH", ["webhooks", _, token, "messages", _]:
                return self._json(self._post("edit", self._interaction_by_token(token), body))
            case "DELETE", ["webhooks", _, _, "messages", _]:
                return web.Response(status=204)
            case "GET", ["users", user_id]:
                return self._json(
                    {"id": user_id, "username": f"user{user_id}", "discriminator": "0", "avatar": None}
                )
            case "POST", ["users", "@me", "channels"]:
                recipient = str(body.get("recipient_id"))
                channel = {
                    "id": str(DM_CHANNEL_ID + int(recipient)),
                    "type": 1,
                    "recipients": [
                        {
                            "id": recipient,
                            "username": f"user{recipient}",
                            "discriminator": "0",
                            "avatar": None,
                        }
                    ],
                }
                return self._json(channel)
            case "GET", ["channels", channel_id]:
                return self._json(self._channel(int(channel_id)))
            case "POST", ["channels", channel_id, "messages"]:
                channel = int(channel_id)
                if channel in self.failures:
                    status = self.failures[channel]
                    self._fail_times -= 1
                    if self._fail_times <= 0:
                        del self.failures[channel]
                    codes = {403: 50001, 404: 10003}
                    return self._json({"message": "failure", "code": codes.get(status, 0)}, status)
                return self._json(self._post("channel", None, body, channel_id=channel))
        return self._json({"message": "404: Not Found", "code": 0}, 404)

    def _application(self) -> JSON:
        return {
            "id": str(APP_ID),
            "name": "safetybot",
            "description": "",
            "icon": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "owner": user_payload(1, "owner"),
            "verify_key": "0" * 64,
            "flags": 0,
            "summary": "",
            "team": None,
        }

    def _sync(self, guild: int | None, commands: list[JSON]) -> list[JSON]:
        self.command_syncs.append((guild, commands))
        out = []
        for command in commands:
            item = {
                "id": str(next(self._ids)),
                "application_id": str(APP_ID),
                "version": "1",
                "default_member_permissions": None,
                "type": 1,
                "options": [],
                **command,
            }
            if guild is not None:
                item["guild_id"] = str(guild)
            out.append(item)
        return out

    @property
    def command_names(self) -> list[str]:
        return [command["name"] for _, commands in self.command_syncs[-1:] for command in commands]

    # interactions

    def _interaction_by_token(self, token: str) -> JSON:
        return next(item for item in self._interactions.values() if item["token"] == token)

    def _callback(self, interaction_id: int, body: JSON) -> JSON:
        interaction = self._interactions[interaction_id]
        self.callbacks.append({"interaction_id": interaction_id, **body})
        kind = body["type"]
        data = body.get("data") or {}
        response: JSON = {
            "interaction": {
                "id": str(interaction_id),
                "type": interaction["type"],
                "response_message_loading": kind == 5,
                "response_message_ephemeral": bool(data.get("flags", 0) & EPHEMERAL),
            }
        }
        if kind == 4:
            message = self._post("callback", interaction, data)
            response["interaction"]["response_message_id"] = message["id"]
            response["resource"] = {"type": kind, "message": message}
        else:
            response["resource"] = {"type": kind}
        return response

    def _post(
        self, where: str, interaction: JSON | None, body: JSON, *, channel_id: int | None = None
    ) -> JSON:
        body = body or {}
        if interaction is not None:
            channel_id = int(interaction["channel_id"])
        message = message_payload(
            next(self._ids),
            channel_id,
            self.bot_user,
            body.get("content") or "",
            flags=body.get("flags", 0) or 0,
            components=body.get("components"),
        )
        self.posted.append(
            Posted(
                where,
                channel_id,
                int(interaction["id"]) if interaction else None,
                message["content"],
                message["components"],
                message["flags"],
                body,
            )
        )
        return message

    def _channel(self, channel_id: int) -> JSON:
        return {
            "id": str(channel_id),
            "type": 0,
            "guild_id": str(GUILD_ID),
            "name": f"channel-{channel_id}",
            "position": 0,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
        }

    def _member(self, user_id: int, name: str, permissions: int) -> JSON:
        return {
            "user": user_payload(user_id, name),
            "roles": [],
            "joined_at": TIMESTAMP,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "permissions": str(permissions),
        }

    def _push_interaction(
        self,
        kind: int,
        data: JSON,
        *,
        user_id: int,
        name: str,
        channel_id: int | None,
        permissions: int,
        locale: str,
    ) -> int:
        interaction_id = next(self._ids)
        payload: JSON = {
            "id": str(interaction_id),
            "application_id": str(APP_ID),
            "type": kind,
            "data": data,
            "token": f"token-{interaction_id}",
            "version": 1,
            "locale": locale,
            "attachment_size_limit": 8 * 1024 * 1024,
            "app_permissions": str(MEMBER_PERMISSIONS),
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(GUILD_ID)},
        }
        if channel_id is None:  # a DM with the bot
            payload["channel_id"] = str(DM_CHANNEL_ID)
            payload["channel"] = {
                "id": str(DM_CHANNEL_ID),
                "type": 1,
                "recipients": [user_payload(user_id, name)],
            }
            payload["user"] = user_payload(user_id, name)
            payload["context"] = 1
        else:
            payload["guild_id"] = str(GUILD_ID)
            payload["guild_locale"] = self.preferred_locale
            payload["channel_id"] = str(channel_id)
            payload["channel"] = self._channel(channel_id)
            payload["member"] = self._member(user_id, name, permissions)
            payload["context"] = 0
        self._interactions[interaction_id] = payload
        self.dispatch("INTERACTION_CREATE", payload)
        return interaction_id

    def slash(
        self,
        name: str,
        options: dict[str, Any] | None = None,
        *,
        user_id: int = 2001,
        user_name: str = "Ada",
        channel_id: int | None = CHANNEL_ID,
        permissions: int = MEMBER_PERMISSIONS,
        locale: str = "en-US",
    ) -> int:
        """A member runs a slash command (``channel_id=None`` for a DM); returns the interaction id."""
        option_list = [
            {"name": key, "type": 5 if isinstance(value, bool) else 3, "value": value}
            for key, value in (options or {}).items()
        ]
        data = {"id": str(next(self._ids)), "name": name, "type": 1, "options": option_list}
        if channel_id is not None:
            data["guild_id"] = str(GUILD_ID)
        return self._push_interaction(
            2,
            data,
            user_id=user_id,
            name=user_name,
            channel_id=channel_id,
            permissions=permissions,
            locale=locale,
        )

    def press(
        self,
        custom_id: str,
        *,
        user_id: int = 2001,
        user_name: str = "Ada",
        channel_id: int | None = CHANNEL_ID,
        permissions: int = MEMBER_PERMISSIONS,
        locale: str = "en-US",
    ) -> int:
        """A member presses a button carrying ``custom_id``; returns the interaction id."""
        data = {"custom_id": custom_id, "component_type": 2}
        return self._push_interaction(
            3,
            data,
            user_id=user_id,
            name=user_name,
            channel_id=channel_id,
            permissions=permissions,
            locale=locale,
        )

    def direct_message(self, text: str, *, user_id: int = 2001, user_name: str = "Ada") -> None:
        """A person writes to the bot in a DM (MESSAGE_CREATE without a guild)."""
        author = user_payload(user_id, user_name)
        self.dispatch("MESSAGE_CREATE", message_payload(next(self._ids), DM_CHANNEL_ID, author, text))

    def replies_to(self, interaction_id: int) -> list[Posted]:
        return [item for item in self.posted if item.interaction_id == interaction_id]

    def callback_of(self, interaction_id: int) -> JSON | None:
        return next((item for item in self.callbacks if item["interaction_id"] == interaction_id), None)

    def in_channel(self, channel_id: int) -> list[Posted]:
        return [item for item in self.posted if item.where == "channel" and item.channel_id == channel_id]

    # gateway

    def dispatch(self, event: str, data: JSON) -> None:
        frame = json.dumps({"op": 0, "t": event, "s": next(self._sequence), "d": data})
        for socket in self._sockets:
            asyncio.get_running_loop().create_task(socket.send_str(frame))

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        await socket.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 41250}}))
        async for message in socket:
            if message.type is not WSMsgType.TEXT:
                continue
            frame = json.loads(message.data)
            op = frame.get("op")
            if op == 1:
                await socket.send_str(json.dumps({"op": 11}))
            elif op == 2:
                self.identified.append(frame["d"])
                await self._ready(socket, frame["d"])
        if socket in self._sockets:
            self._sockets.remove(socket)
        return socket

    async def _ready(self, socket: web.WebSocketResponse, identify: JSON) -> None:
        ready: JSON = {
            "v": 10,
            "user": self.bot_user,
            "guilds": [{"id": str(GUILD_ID), "unavailable": True}],
            "session_id": "session-1",
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(APP_ID), "flags": 0},
            "private_channels": [],
            "relationships": [],
        }
        if "shard" in identify:
            ready["shard"] = identify["shard"]
        await socket.send_str(json.dumps({"op": 0, "t": "READY", "s": next(self._sequence), "d": ready}))
        await socket.send_str(
            json.dumps({"op": 0, "t": "GUILD_CREATE", "s": next(self._sequence), "d": self._guild()})
        )
        self._sockets.append(socket)
        self._touch()

    def _guild(self) -> JSON:
        everyone = {
            "id": str(GUILD_ID),
            "name": "@everyone",
            "permissions": str(MEMBER_PERMISSIONS),
            "position": 0,
            "color": 0,
            "hoist": False,
            "managed": False,
            "mentionable": False,
            "flags": 0,
        }
        return {
            "id": str(GUILD_ID),
            "name": "Safer Internet Club",
            "icon": None,
            "owner_id": "1",
            "preferred_locale": self.preferred_locale,
            "features": [],
            "roles": [everyone],
            "emojis": [],
            "stickers": [],
            "channels": [self._channel(CHANNEL_ID), self._channel(OTHER_CHANNEL_ID)],
            "threads": [],
            "members": [self._member(BOT_ID, "safetybot", MEMBER_PERMISSIONS) | {"user": self.bot_user}],
            "member_count": 3,
            "large": False,
            "unavailable": False,
            "joined_at": TIMESTAMP,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "system_channel_flags": 0,
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }
