"""The "Stop these" button every proactive message carries (daily tips, campaign drops, daily challenge
posts): a signed payload naming the kind of message (and a drop's campaign), the same for everyone the
message reaches, with no expiry, so it works on old messages too."""

from __future__ import annotations

from dataclasses import replace

from bot.content.texts import Texts
from bot.core import actions
from bot.core.payloads import PayloadSigner
from bot.core.replies import Choice, Reply
from bot.storage.consent import MessageKind


def stop_choices(
    texts: Texts, signer: PayloadSigner, lang: str, kind: MessageKind, campaign_id: str | None = None
) -> tuple[tuple[Choice, ...], ...]:
    """One row with the "Stop these" button for this kind of message, in ``lang``."""
    args = (kind.value,) if campaign_id is None else (kind.value, campaign_id)
    return ((Choice(str(texts.say(lang, "button.stop_these")), signer.make(actions.STOP, *args)),),)


def with_stop(
    reply: Reply,
    texts: Texts,
    signer: PayloadSigner,
    lang: str,
    kind: MessageKind,
    campaign_id: str | None = None,
) -> Reply:
    """The reply with a "Stop these" row under its own buttons."""
    return replace(reply, choices=reply.choices + stop_choices(texts, signer, lang, kind, campaign_id))
