"""Proactive sends to Discord channels for the delivery outbox: platform errors become the core's outcomes.

Forbidden (no access to the channel, bot removed) and NotFound (channel deleted) mean the recipient is
gone; 5xx and network errors RetryLater with the outbox's backoff; any other HTTP error is a permanent
failure. 429s are waited out by discord.py's own rate limit handling. No retry loop here: the outbox
owns retries.
"""

from __future__ import annotations

import aiohttp
import discord

from adapters.discord.render import pieces
from bot.core.events import ChatRef
from bot.core.messenger import DeliveryFailed, RecipientGone, RetryLater
from bot.core.replies import Reply

NO_MENTIONS = discord.AllowedMentions.none()


class DiscordMessenger:
    """Posts outbox deliveries to a channel (server channel or DM channel) by its id."""

    platform = "discord"

    def __init__(self, client: discord.Client) -> None:
        self.client = client

    def connected(self) -> bool:
        """Whether the gateway connection is up (``/readyz``); a sender-only client has none and is
        ready once logged in."""
        if self.client.ws is None:
            return not self.client.is_closed() and self.client.user is not None
        return self.client.is_ready() and not self.client.is_closed()

    async def deliver(self, chat: ChatRef, reply: Reply) -> str:
        try:
            channel_id = int(chat.chat_id)
        except ValueError:
            raise DeliveryFailed("discord: the chat id is not a channel id") from None
        channel = self.client.get_partial_messageable(channel_id)
        message_id = ""
        try:
            for piece in pieces(reply):
                options = {"view": piece.view} if piece.view is not None else {}
                message = await channel.send(
                    piece.content, allowed_mentions=NO_MENTIONS, suppress_embeds=True, **options
                )
                message_id = str(message.id)
        except (discord.Forbidden, discord.NotFound) as error:
            raise RecipientGone(f"discord {error.status} {error.code}") from None
        except discord.HTTPException as error:
            if error.status >= 500:
                raise RetryLater(f"discord {error.status}") from None
            raise DeliveryFailed(f"discord {error.status} {error.code}") from None
        except (TimeoutError, aiohttp.ClientError, OSError) as error:
            raise RetryLater(f"discord {type(error).__name__}") from None
        return message_id

    async def tell_admin(self, user_id: str, chat: ChatRef, text: str) -> None:
        """DM the person who set a channel's subscription that it was paused (if their DMs are open)."""
        user = await self.client.fetch_user(int(user_id))
        await user.send(text.format(place=f"<#{chat.chat_id}>"), allowed_mentions=NO_MENTIONS)
