"""Telegram updates mapped to the core's platform-neutral events."""

from __future__ import annotations

from datetime import UTC, datetime

from telegram import Chat, Message, MessageEntity, Update, User

from bot.core.events import ButtonPress, ChatKind, ChatRef, Command, Incoming, TextMessage, UserRef

PLATFORM = "telegram"


def user_ref(user: User) -> UserRef:
    return UserRef(
        PLATFORM, str(user.id), display_name=user.first_name or "", language_hint=user.language_code
    )


def chat_ref(chat: Chat, *, sender_is_admin: bool | None = None) -> ChatRef | None:
    """The chat as the core sees it; None for channels, where the bot does not converse."""
    if chat.type == Chat.PRIVATE:
        return ChatRef(PLATFORM, str(chat.id), ChatKind.PRIVATE)
    if chat.type in (Chat.GROUP, Chat.SUPERGROUP):
        return ChatRef(PLATFORM, str(chat.id), ChatKind.GROUP, sender_is_admin=sender_is_admin)
    return None


def private_chat(user_id: int) -> ChatRef:
    """A person's private chat with the bot (on Telegram its id is the person's id)."""
    return ChatRef(PLATFORM, str(user_id), ChatKind.PRIVATE)


def _is_addressed(message: Message, bot_username: str, bot_id: int) -> bool:
    """A group message is for the bot when it mentions the bot or replies to one of the bot's messages."""
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == bot_id:
        return True
    mention = f"@{bot_username}".lower()
    for entity, text in message.parse_entities([MessageEntity.MENTION]).items():
        if entity.type == MessageEntity.MENTION and text.lower() == mention:
            return True
    return False


def _command(message: Message, bot_username: str) -> tuple[str, tuple[str, ...]] | None:
    """(name, args) when the message starts with a command for this bot; None otherwise."""
    text = message.text or ""
    entities = message.entities or ()
    first = entities[0] if entities else None
    if first is None or first.type != MessageEntity.BOT_COMMAND or first.offset != 0:
        return None
    token = text[1 : first.length]
    name, _, target = token.partition("@")
    if target and target.lower() != bot_username.lower():
        return None
    return name.lower(), tuple(text[first.length :].split())


def thread_of(update: Update) -> int | None:
    """The forum topic an update came from (replies go back there), or None outside forum topics."""
    message = update.message or (update.callback_query.message if update.callback_query is not None else None)
    if isinstance(message, Message) and message.is_topic_message:
        return message.message_thread_id
    return None


def to_event(update: Update, bot_username: str, bot_id: int) -> Incoming | None:
    """The core event for an update, or None when the update is not something the bot answers."""
    now = datetime.now(UTC)
    query = update.callback_query
    if query is not None:
        user = user_ref(query.from_user)
        message = query.message
        chat = chat_ref(message.chat) if message is not None else None
        chat = chat or ChatRef(PLATFORM, str(query.from_user.id), ChatKind.PRIVATE)
        return ButtonPress(user, chat, now, query.data or "")
    message = update.message
    if message is None or message.text is None or message.from_user is None:
        return None
    # An anonymous group admin writes as the group itself (sender_chat), through GroupAnonymousBot.
    anonymous_admin = message.sender_chat is not None and message.sender_chat.id == message.chat.id
    if message.from_user.is_bot and not anonymous_admin:
        return None
    chat = chat_ref(message.chat, sender_is_admin=True if anonymous_admin else None)
    if chat is None:
        return None
    user = user_ref(message.from_user)
    if anonymous_admin:
        user = UserRef(PLATFORM, user.user_id, display_name=message.sender_chat.title or "")
    at = message.date or now
    command = _command(message, bot_username)
    if command is not None:
        return Command(user, chat, at, command[0], command[1])
    if message.text.startswith("/"):
        return None
    addressed = chat.is_private or _is_addressed(message, bot_username, bot_id)
    return TextMessage(user, chat, at, message.text, addressed_to_bot=addressed)
