"""Stopping what the bot sends unprompted: the "Stop these" button on every daily tip, campaign drop and
daily challenge post, and STOP, BAJA... (each language's words, from content) written in a private chat.

It takes effect at once (the sender checks again before each send), confirms in one line and says how to
come back: /subscribe for daily tips, /challenge daily for a group's challenge, and a "send them again"
button for campaign messages. In a group only its admins may stop or restart them; anyone else gets a
private notice. Each change is recorded as consent (``bot.storage.consent``).
"""

from __future__ import annotations

import re

from bot.content.library import ContentLibrary
from bot.core import actions
from bot.core.events import ButtonPress
from bot.core.folding import fold
from bot.core.payloads import Payload
from bot.core.replies import Choice, Outgoing
from bot.features.base import Feature, Turn
from bot.storage.consent import How, MessageKind

STOP_WORDS = "optout"
"""The ui.yaml ``words`` id whose words, written alone in a private chat, stop every proactive message."""
STOP_WORD_KINDS = (MessageKind.TIPS, MessageKind.CAMPAIGNS)
"""What a STOP word stops (a private chat has no daily challenge post)."""
_DONE = {
    MessageKind.TIPS: "optout.tips_done",
    MessageKind.CAMPAIGNS: "optout.campaigns_done",
    MessageKind.CHALLENGES: "optout.challenges_done",
}
_EDGES = re.compile(r"^[\W_]+|[\W_]+$")
_SPACES = re.compile(r"\s+")


def is_stop_word(content: ContentLibrary, text: str) -> bool:
    """Whether a message is only a STOP word of a shipped language ("STOP", "Baja.", "darme de baja")."""
    if len(text) > 64:
        return False
    folded = _SPACES.sub("-", _EDGES.sub("", fold(text.strip())))
    return any(folded in lang.ui.words.get(STOP_WORDS, ()) for lang in content.languages.values())


def _kind(payload: Payload) -> MessageKind | None:
    if not payload.args or payload.args[0] not in {kind.value for kind in MessageKind}:
        return None
    return MessageKind(payload.args[0])


def _send_again(turn: Turn) -> list[Choice]:
    return [turn.button(turn.say("button.send_again"), actions.RESUME, MessageKind.CAMPAIGNS.value)]


async def stop(turn: Turn, press: ButtonPress, payload: Payload) -> list[Outgoing]:
    """ "Stop these" on a proactive message: that kind of message stops for this chat now."""
    kind = _kind(payload)
    if kind is None or len(payload.args) > 2:
        return [turn.reply(turn.say("error.expired_button"), private=True)]
    if not await turn.may_change_chat_settings():
        return [turn.reply(turn.say("optout.admins_only"), private=True)]
    campaign_id = payload.args[1] if kind is MessageKind.CAMPAIGNS and len(payload.args) == 2 else None
    services = turn.services
    await services.consent.opt_out(
        press.chat, [kind], How.STOP_BUTTON, services.clock.now(), campaign_id=campaign_id
    )
    buttons = _send_again(turn) if kind is MessageKind.CAMPAIGNS else None
    return [turn.reply(turn.say(_DONE[kind]), buttons)]


async def resume(turn: Turn, press: ButtonPress, payload: Payload) -> list[Outgoing]:
    """ "Send them again" under a campaign opt-out's confirmation."""
    if _kind(payload) is not MessageKind.CAMPAIGNS:
        return [turn.reply(turn.say("error.expired_button"), private=True)]
    if not await turn.may_change_chat_settings():
        return [turn.reply(turn.say("optout.admins_only"), private=True)]
    services = turn.services
    await services.consent.opt_in(press.chat, MessageKind.CAMPAIGNS, How.RESUME_BUTTON, services.clock.now())
    return [turn.reply(turn.say("optout.campaigns_back"))]


async def stop_word(turn: Turn, text: str) -> list[Outgoing] | None:
    """STOP, BAJA... alone in a private chat: daily tips and campaign messages stop; None for any other
    message (it goes on to be answered)."""
    if not turn.event.chat.is_private or not is_stop_word(turn.services.content, text):
        return None
    services = turn.services
    await services.consent.opt_out(turn.event.chat, STOP_WORD_KINDS, How.STOP_WORD, services.clock.now())
    return [turn.reply(turn.say("optout.all_done"), _send_again(turn))]


FEATURE = Feature(commands={}, actions={actions.STOP: stop, actions.RESUME: resume})
