"""Group challenges: one item posted for everyone, answered once per person privately, revealed by an
admin or when its time comes; and the group's leaderboard."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from bot.content.library import ContentLibrary
from bot.content.models import ChallengeItem
from bot.core.clock import Clock
from bot.core.events import ChatRef, UserRef
from bot.storage.challenge_posts import DueGroup, GroupPosts, Post, Standing


@dataclass(frozen=True, slots=True)
class Reveal:
    """A post just revealed, its item (None if the item no longer exists) and the votes per answer."""

    post: Post
    item: ChallengeItem | None
    votes: dict[str, int]


class Posting(StrEnum):
    """What asking for a group challenge led to."""

    POSTED = "posted"
    OPEN = "open"
    """An item is still open in the group."""
    NONE = "none"
    """The language has no challenge items."""


@dataclass(frozen=True, slots=True)
class PostOutcome:
    status: Posting
    post: Post | None = None
    item: ChallengeItem | None = None
    revealed: list[Reveal] = field(default_factory=list)


class Voting(StrEnum):
    COUNTED = "counted"
    ALREADY = "already"
    CLOSED = "closed"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class VoteOutcome:
    status: Voting
    revealed: list[Reveal] = field(default_factory=list)


class GroupChallenges:
    """Items stay open for ``open_for`` (then the clock, or any interaction, reveals them)."""

    def __init__(
        self, posts: GroupPosts, content: ContentLibrary, clock: Clock, *, open_for: timedelta
    ) -> None:
        self._posts = posts
        self._content = content
        self._clock = clock
        self.open_for = open_for

    def _reveal_of(self, post: Post, votes: dict[str, int]) -> Reveal:
        return Reveal(post, self._content.challenge_item(post.language, post.item_id), votes)

    async def reveal_due(self, chat: ChatRef) -> list[Reveal]:
        """Reveal the group's posts whose time has passed (each once, whoever asks first)."""
        revealed = []
        for post in await self._posts.due_posts(chat, self._clock.now()):
            votes = await self._posts.reveal(post, self._clock.now())
            if votes is not None:
                revealed.append(self._reveal_of(post, votes))
        return revealed

    async def post(self, chat: ChatRef, lang: str) -> PostOutcome:
        """Post a new item, unless one is open (revealing first any whose time has passed)."""
        revealed = await self.reveal_due(chat)
        if await self._posts.open_post(chat) is not None:
            return PostOutcome(Posting.OPEN, revealed=revealed)
        items = self._content.challenges(lang)
        if not items:
            return PostOutcome(Posting.NONE, revealed=revealed)
        now = self._clock.now()
        post = await self._posts.create_post(
            chat,
            self._content.challenge_language(lang),
            [item.id for item in items],
            now,
            now + self.open_for,
            random.Random(),
        )
        item = self._content.challenge_item(lang, post.item_id)
        return PostOutcome(Posting.POSTED, post, item, revealed)

    async def vote(
        self, chat: ChatRef, user: UserRef, post_id: int, answer: str, display_name: str | None
    ) -> VoteOutcome:
        """A person's answer to a group item (counted once)."""
        revealed = await self.reveal_due(chat)
        post = await self._posts.post(chat, post_id)
        if post is None:
            return VoteOutcome(Voting.EXPIRED, revealed)
        if post.revealed:
            return VoteOutcome(Voting.CLOSED, revealed)
        item = self._content.challenge_item(post.language, post.item_id)
        if item is None:
            return VoteOutcome(Voting.EXPIRED, revealed)
        counted = await self._posts.vote(
            post, user, display_name, answer, item.verdict == answer, self._clock.now()
        )
        return VoteOutcome(Voting.COUNTED if counted else Voting.ALREADY, revealed)

    async def reveal_open(self, chat: ChatRef) -> Reveal | None:
        """Reveal the group's open item now (an admin asked)."""
        post = await self._posts.open_post(chat)
        if post is None:
            return None
        votes = await self._posts.reveal(post, self._clock.now())
        return None if votes is None else self._reveal_of(post, votes)

    async def leaderboard(self, chat: ChatRef, since: datetime | None, limit: int) -> list[Standing]:
        return await self._posts.leaderboard(chat, since, limit)

    async def due_groups(self) -> list[DueGroup]:
        """Groups with items whose reveal time has passed (the clock's reveal round)."""
        return await self._posts.due_groups(self._clock.now())
