"""Clock jobs for group challenges: each day's posts at the groups' chosen times, and reveals on time.

They call the same services a person's /challenge and /reveal use (bot.services.challenges) and send
through the delivery outbox: the post (text and buttons) is snapshotted into drop_messages and sent like
any other proactive message, once, even when several scheduler processes tick at once (a post is taken
by the process that moves its schedule; a reveal by the process that marks it revealed).
"""

from __future__ import annotations

from collections.abc import Callable

from bot.content.library import ContentLibrary
from bot.core.clock import Clock
from bot.core.replies import Reply
from bot.core.timezones import local_date, zone
from bot.messages import challenges as say
from bot.messages.speaker import Speaker
from bot.services.challenges.group import GroupChallenges, Posting
from bot.services.challenges.schedules import DailyChallenges
from bot.services.stop_buttons import with_stop
from bot.storage.consent import MessageKind
from bot.storage.deliveries import DeliveryOutbox


class ChallengePosts:
    """The two clock jobs: ``tick`` posts the due daily challenges, ``reveal_tick`` reveals due items."""

    def __init__(
        self,
        daily: DailyChallenges,
        groups: GroupChallenges,
        outbox: DeliveryOutbox,
        content: ContentLibrary,
        speaker: Callable[[str], Speaker],
        clock: Clock,
    ) -> None:
        self.daily = daily
        self.groups = groups
        self.outbox = outbox
        self.content = content
        self.speaker = speaker
        self.clock = clock

    async def _send(self, drop_id: str, chat_row_id: int, lang: str, replies: list[Reply]) -> None:
        for number, reply in enumerate(replies):
            await self.outbox.enqueue_reply(
                f"{drop_id}:{number}", chat_row_id, lang, reply, not_before=self.clock.now()
            )

    async def tick(self) -> int:
        """Post every daily challenge that is due; the number of posts enqueued."""
        posted = 0
        for schedule in await self.daily.take_due():
            lang = self.content.resolve_language(schedule.language)
            speaker = self.speaker(lang)
            outcome = await self.groups.post(schedule.chat, lang)
            replies = [Reply(say.reveal_text(speaker, reveal)) for reveal in outcome.revealed]
            if outcome.status is Posting.POSTED and outcome.post is not None:
                minutes = self.groups.open_for.total_seconds() / 60
                replies.append(say.group_post(speaker, outcome.post, outcome.item, minutes))
            else:
                key = "challenge.group_open" if outcome.status is Posting.OPEN else "challenge.none"
                replies.append(Reply(speaker.say(key)))
            replies[-1] = with_stop(replies[-1], speaker.texts, speaker.signer, lang, MessageKind.CHALLENGES)
            day = local_date(schedule.next_due_at, zone(schedule.timezone)).isoformat()
            await self._send(f"challenge:{schedule.id}:{day}", schedule.chat_row_id, lang, replies)
            posted += 1
        return posted

    async def reveal_tick(self) -> int:
        """Reveal every group item whose reveal time has passed; the number of groups told."""
        told = 0
        for group in await self.groups.due_groups():
            lang = self.content.resolve_language(group.language)
            reveals = await self.groups.reveal_due(group.chat)
            if reveals:
                speaker = self.speaker(lang)
                replies = [Reply(say.reveal_text(speaker, reveal)) for reveal in reveals]
                await self._send(
                    f"reveal:{group.chat_row_id}:{group.first_post}", group.chat_row_id, lang, replies
                )
                told += 1
        return told
