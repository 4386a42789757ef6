"""The Telegram adapter's lifecycle: python-telegram-bot's Application run by hand inside our own loop.

``initialize`` (getMe), register the command lists, start polling or the webhook server, ``start``;
then the reverse on the way out. Updates become core events; replies go back through TelegramSender.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

from telegram import BotCommand, ChatMember, Update
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes, TypeHandler

from adapters.telegram.admins import AdminCache
from adapters.telegram.inbound import chat_ref, private_chat, thread_of, to_event
from adapters.telegram.messenger import TelegramMessenger
from adapters.telegram.outbound import TelegramSender
from adapters.telegram.settings import TelegramSettings
from adapters.telegram.updates_request import ReadableUpdatesRequest
from bot.app.platforms import ChatPort
from bot.core.events import ButtonPress
from bot.core.markup import plain_text

_log = logging.getLogger(__name__)

CALLBACK_ALERT_LIMIT = 200
"""Telegram's limit on the text of a callback answer (shown only to the person who pressed)."""
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER]


class TelegramAdapter:
    """Connects the core to Telegram."""

    def __init__(self, port: ChatPort, settings: TelegramSettings) -> None:
        self.port = port
        self.settings = settings
        assert settings.telegram_bot_token is not None
        builder: Any = (
            ApplicationBuilder()
            .token(settings.telegram_bot_token.get_secret_value())
            .concurrent_updates(settings.telegram_concurrent_updates)
            .get_updates_request(ReadableUpdatesRequest(connection_pool_size=1))
        )
        if settings.telegram_api_base_url:
            base = settings.telegram_api_base_url
            builder = builder.base_url(base).base_file_url(base.removesuffix("/bot") + "/file/bot")
        if settings.telegram_rate_limit:
            builder = builder.rate_limiter(
                AIORateLimiter(
                    overall_max_rate=settings.telegram_messages_per_second,
                    overall_time_period=1,
                    group_max_rate=settings.telegram_group_messages_per_minute,
                    group_time_period=60,
                    max_retries=0,
                )
            )
        self.application: Application = builder.build()
        self.application.add_handler(TypeHandler(Update, self.on_update))
        self.application.add_error_handler(self.on_error)
        self.sender = TelegramSender(self.application.bot, port)
        self.admins = AdminCache(self.application.bot, settings.telegram_admin_cache_seconds)

    async def register_commands(self) -> None:
        """setMyCommands: one list per shipped language, plus the default language's for everyone else."""
        texts = self.port.texts
        content = self.port.content
        for lang in content.shipped:
            commands = [
                BotCommand(texts.command_name(lang, name), text[:256])
                for name, text in texts.command_descriptions(lang).items()
            ]
            await self.application.bot.set_my_commands(commands, language_code=lang)
            if lang == content.default_language:
                await self.application.bot.set_my_commands(commands)

    async def on_update(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Every update: map it to a core event, let the core answer, send the answer."""
        if not isinstance(update, Update):
            return
        if update.my_chat_member is not None:
            await self.on_membership(update)
            return
        bot = self.application.bot
        event = to_event(update, bot.username, bot.id)
        query = update.callback_query
        if event is None:
            if query is not None:
                await self.sender.answer_press(query.id, private_chat(query.from_user.id), None)
            return
        replies = await self.port.handle(event, admin_check=self.admins.is_admin)
        context_label = f"update {update.update_id}"
        thread = thread_of(update)
        if query is None or not isinstance(event, ButtonPress):
            await self.sender.send_all(replies, context=context_label, origin=event.chat, thread_id=thread)
            return
        notice = None
        remaining = []
        for outgoing in replies:
            reply = outgoing.reply
            text = plain_text(reply.text)
            if notice is None and reply.private and not reply.choices and len(text) <= CALLBACK_ALERT_LIMIT:
                notice = text
            else:
                remaining.append(outgoing)
        await self.sender.answer_press(query.id, event.chat, notice)
        await self.sender.send_all(remaining, context=context_label, origin=event.chat, thread_id=thread)

    async def on_membership(self, update: Update) -> None:
        """The bot was blocked/removed (stop sending there) or unblocked/re-added (reachable again)."""
        change = update.my_chat_member
        assert change is not None
        chat = chat_ref(change.chat) or private_chat(change.chat.id)
        if change.new_chat_member.status in (ChatMember.BANNED, ChatMember.LEFT):
            await self.port.chat_unreachable(chat, datetime.now(UTC))
        else:
            await self.port.chat_reachable(chat)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log a failure with the update id only (never message text or the token); the bot goes on."""
        update_id = update.update_id if isinstance(update, Update) else "-"
        error = context.error
        _log.error(
            "telegram update %s failed: %s",
            update_id,
            type(error).__name__ if error else "unknown",
            extra={"platform": "telegram", "update_id": update_id},
        )

    async def run(self) -> None:
        """Run until cancelled: long polling, or the webhook server when TELEGRAM_WEBHOOK_URL is set."""
        settings = self.settings
        app = self.application
        await app.initialize()
        assert settings.telegram_bot_token is not None
        messenger = TelegramMessenger.for_token(
            settings.telegram_bot_token.get_secret_value(),
            settings.telegram_api_base_url,
            paid_broadcast=settings.telegram_paid_broadcast,
        )
        try:
            await messenger.start()
        except BaseException:
            await messenger.stop()
            await app.shutdown()
            raise
        self.port.register_messenger(messenger)
        try:
            await self.register_commands()
            updater = app.updater
            assert updater is not None
            if settings.telegram_webhook_url:
                secret = settings.telegram_webhook_secret
                path = settings.telegram_webhook_url.split("://", 1)[1].partition("/")[2]
                await updater.start_webhook(
                    listen=settings.telegram_webhook_listen,
                    port=settings.telegram_webhook_port,
                    url_path=path,
                    webhook_url=settings.telegram_webhook_url,
                    secret_token=secret.get_secret_value() if secret else None,
                    allowed_updates=ALLOWED_UPDATES,
                    bootstrap_retries=3,
                )
                _log.info("telegram webhook server listening on port %s", settings.telegram_webhook_port)
            else:
                await updater.start_polling(allowed_updates=ALLOWED_UPDATES, bootstrap_retries=3)
                _log.info("telegram long polling started as @%s", app.bot.username)
            await app.start()
            try:
                await asyncio.Event().wait()
            finally:
                if updater.running:
                    await updater.stop()
                if app.running:
                    await app.stop()
        finally:
            self.port.unregister_messenger(messenger.platform)
            await messenger.stop()
            await app.shutdown()
