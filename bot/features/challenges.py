"""/challenge, /stats, /leaderboard and /reveal: misinformation-spotting challenges.

In a private chat /challenge deals a round of items, one at a time: "Reliable" or "Manipulative", then
(for a manipulative item called manipulative) which technique it uses, with feedback at once and a
discernment summary at the end. In a group it posts one item everyone can answer once, privately; an
admin's /reveal, or the reveal time (checked every minute by bot.jobs.challenge_posts, and on any challenge
interaction), shows the answer and the vote.

Button payloads carry only the round (or post) id, the item's position and the choice; whether an
answer is right, whether it counts and whether the round is still running is decided from stored state.
"""

from __future__ import annotations

import random
import re
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta

from bot.content.models import ChallengeItem
from bot.core.events import ButtonPress, Command
from bot.core.payloads import Payload
from bot.core.replies import Outgoing
from bot.features.base import Feature, Turn
from bot.services.challenges.discernment import (
    MANIPULATIVE,
    RELIABLE,
    Lean,
    discernment,
    most_missed_technique,
)
from bot.services.challenges.discernment import technique_options as pick_options
from bot.storage.challenges import ACTIVE, ENDED, ChallengeStore, Post, Round, answers_of

_CODES = {"r": RELIABLE, "m": MANIPULATIVE}
_NAME_NOISE = re.compile(r"[*_\[\]()`~\n\r\t]+")
LEADERBOARD_SIZE = 10


def _store(turn: Turn) -> ChallengeStore:
    return ChallengeStore(turn.services.db, turn.services.people)


def _timeout(turn: Turn) -> timedelta:
    return timedelta(minutes=turn.services.settings.safetybot_challenge_round_minutes)


def _now(turn: Turn) -> datetime:
    return turn.services.clock.now()


def _item(turn: Turn, item_id: str) -> ChallengeItem | None:
    return turn.services.content.challenge_item(turn.lang, item_id)


def _technique_name(turn: Turn, technique_id: str | None) -> str:
    technique = turn.services.content.technique(turn.lang, technique_id) if technique_id else None
    return technique.name if technique is not None else (technique_id or "")


def _numbers(args: tuple[str, ...], count: int) -> tuple[int, ...] | None:
    """The first ``count`` arguments as numbers, or None when any is not one."""
    if len(args) < count or not all(arg.isdigit() and len(arg) <= 12 for arg in args[:count]):
        return None
    return tuple(int(arg) for arg in args[:count])


def _expired(turn: Turn) -> list[Outgoing]:
    return [turn.reply(turn.say("error.expired_button"), private=True)]


def _ended(turn: Turn) -> list[Outgoing]:
    return [turn.reply(turn.say("challenge.ended"), private=True)]


def _already(turn: Turn) -> list[Outgoing]:
    return [turn.reply(turn.say("challenge.already_answered"), private=True)]


def _verdict_buttons(turn: Turn, action: str, *args: str, personal: bool) -> list:
    return [
        turn.button(turn.say("button.reliable"), action, *args, "r", personal=personal),
        turn.button(turn.say("button.manipulative"), action, *args, "m", personal=personal),
    ]


# Private rounds


async def _start_round(turn: Turn) -> list[Outgoing]:
    content = turn.services.content
    items = content.challenges(turn.lang)
    if not items:
        return [turn.reply(turn.say("challenge.none"))]
    event = turn.event
    current = await _store(turn).start_round(
        event.user,
        event.chat,
        content.challenge_language(turn.lang),
        [item.id for item in items],
        turn.services.settings.safetybot_challenge_round_size,
        _now(turn),
        random.Random(),
    )
    return [_item_reply(turn, current)]


def _item_reply(turn: Turn, current: Round) -> Outgoing:
    item = _item(turn, current.items[current.position])
    text = turn.say(
        "challenge.item",
        number=current.position + 1,
        total=len(current.items),
        item=item.item.strip() if item else "",
    )
    args = (str(current.id), str(current.position))
    return turn.reply(text, _verdict_buttons(turn, "cv", *args, personal=True), per_row=2)


async def _current_round(turn: Turn, round_id: int, position: int) -> Round | list[Outgoing]:
    """The person's round if this press belongs to its current item, else the reply explaining why not."""
    store = _store(turn)
    current = await store.round_of(turn.event.user, round_id)
    if current is None or position >= len(current.items):
        return _expired(turn)
    if current.status == ENDED:
        return _ended(turn)
    if current.status == ACTIVE and _now(turn) - current.active_at > _timeout(turn):
        await store.end_round(current)
        return _ended(turn)
    if position < current.position:
        return _already(turn)
    if position > current.position or current.status != ACTIVE:
        return _expired(turn)
    return current


async def verdict(turn: Turn, press: ButtonPress, payload: Payload) -> list[Outgoing]:
    numbers = _numbers(payload.args, 2)
    answer = _CODES.get(payload.args[2]) if len(payload.args) == 3 else None
    if numbers is None or answer is None:
        return _expired(turn)
    current = await _current_round(turn, *numbers)
    if not isinstance(current, Round):
        return current
    item = _item(turn, current.items[current.position])
    if item is None:
        await _store(turn).end_round(current)
        return _ended(turn)
    ask_technique = answer == MANIPULATIVE and item.verdict == MANIPULATIVE and item.technique is not None
    stored = await _store(turn).record_verdict(
        current,
        answer=answer,
        correct=item.verdict == answer,
        technique=item.technique if item.verdict == MANIPULATIVE else None,
        now=_now(turn),
    )
    if not stored:
        return _already(turn)
    if ask_technique:
        assert item.technique is not None
        return [_technique_question(turn, current, item.technique)]
    return await _after_answer(turn, current, item, answer, None)


def _technique_question(turn: Turn, current: Round, right: str) -> Outgoing:
    known = list(turn.services.content.catalog.techniques) or [right]
    options = pick_options(right, known, random.Random())
    args = (str(current.id), str(current.position))
    buttons = [
        turn.button(_technique_name(turn, option), "ct", *args, option, personal=True) for option in options
    ]
    return turn.reply(turn.say("challenge.which_technique"), buttons)


async def technique(turn: Turn, press: ButtonPress, payload: Payload) -> list[Outgoing]:
    numbers = _numbers(payload.args, 2)
    picked = payload.args[2] if len(payload.args) == 3 else ""
    if numbers is None or picked not in turn.services.content.catalog.techniques:
        return _expired(turn)
    current = await _current_round(turn, *numbers)
    if not isinstance(current, Round):
        return current
    store = _store(turn)
    result = await store.result_at(current.id, current.position)
    if result is None or result.answer != MANIPULATIVE or result.technique is None:
        return _expired(turn)
    item = _item(turn, result.item_id)
    if item is None:
        await store.end_round(current)
        return _ended(turn)
    if not await store.record_technique(current, picked, _now(turn)):
        return _already(turn)
    return await _after_answer(turn, current, item, MANIPULATIVE, picked)


def _feedback(turn: Turn, item: ChallengeItem, answer: str, picked: str | None) -> str:
    name = _technique_name(turn, item.technique)
    if item.verdict == RELIABLE:
        key = "challenge.right_reliable" if answer == RELIABLE else "challenge.wrong_reliable"
        lines = [turn.say(key)]
    elif answer == MANIPULATIVE:
        lines = [turn.say("challenge.right_manipulative")]
    else:
        lines = [turn.say("challenge.wrong_manipulative", technique=name)]
    if picked is not None:
        if picked == item.technique:
            lines.append(turn.say("challenge.technique_right", technique=name))
        else:
            lines.append(
                turn.say("challenge.technique_wrong", technique=name, picked=_technique_name(turn, picked))
            )
    lines += [
        "",
        item.explanation.strip(),
        "",
        turn.say("challenge.what_you_can_do", action=item.what_you_can_do),
    ]
    return "\n".join(lines)


async def _after_answer(
    turn: Turn, current: Round, item: ChallengeItem, answer: str, picked: str | None
) -> list[Outgoing]:
    """Feedback on the answer, then the next item or the round's summary."""
    if not await _store(turn).advance(current, _now(turn)):
        return _already(turn)
    replies = [turn.reply(_feedback(turn, item, answer, picked))]
    following = replace(current, position=current.position + 1)
    if following.position < len(current.items):
        replies.append(_item_reply(turn, following))
    else:
        replies.append(await _summary(turn, current))
    return replies


async def _summary(turn: Turn, finished: Round) -> Outgoing:
    store = _store(turn)
    verdicts = {
        item_id: item.verdict for item_id in finished.items if (item := _item(turn, item_id)) is not None
    }
    answers = answers_of(await store.results(finished.id), verdicts)
    figures = discernment(answers)
    lines = [
        turn.say("challenge.summary", right=figures.right, total=figures.shown),
        "",
        turn.say(
            "challenge.discernment_reliable", right=figures.reliable_right, shown=figures.reliable_shown
        ),
        turn.say(
            "challenge.discernment_manipulative",
            right=figures.manipulative_right,
            shown=figures.manipulative_shown,
        ),
    ]
    if figures.techniques_asked:
        lines.append(
            turn.say(
                "challenge.discernment_techniques",
                right=figures.techniques_right,
                asked=figures.techniques_asked,
            )
        )
    lean_keys = {
        Lean.DISTRUST: "challenge.lean_distrust",
        Lean.NAIVE: "challenge.lean_naive",
        Lean.BALANCED: "challenge.lean_balanced",
    }
    lines += ["", turn.say(lean_keys[figures.lean])]
    missed = most_missed_technique(answers)
    technique_info = turn.services.content.technique(turn.lang, missed) if missed else None
    if technique_info is not None:
        lines += ["", turn.say("challenge.tip", technique=technique_info.name, tip=technique_info.tip)]
    streak = await store.finish_day(finished.user_row_id, _now(turn).date())
    lines += ["", turn.say("challenge.streak", days=streak)]
    buttons = [
        turn.button(turn.say("button.play_again"), "cn", personal=True),
        turn.button(turn.say("button.my_stats"), "cs", personal=True),
    ]
    return turn.reply("\n".join(lines), buttons, per_row=2)


async def play_again(turn: Turn, press: ButtonPress, payload: Payload) -> list[Outgoing]:
    if not turn.event.chat.is_private:
        return _expired(turn)
    return await _start_round(turn)


# Stats


async def _stats_text(turn: Turn) -> str:
    figures = await _store(turn).stats(turn.event.user, _now(turn).date())
    text = turn.say(
        "stats.text",
        rounds=figures.rounds,
        right=figures.right,
        answered=figures.answered,
        named=figures.techniques_right,
        asked=figures.techniques_asked,
        group=figures.group_right,
        streak=figures.streak,
        best=figures.best_streak,
    )
    if figures.hidden:
        text += "\n\n" + turn.say("stats.hidden")
    return text


async def stats(turn: Turn, command: Command) -> list[Outgoing]:
    return [turn.reply(await _stats_text(turn))]


async def stats_button(turn: Turn, press: ButtonPress, payload: Payload) -> list[Outgoing]:
    return [turn.reply(await _stats_text(turn))]


# Groups


def _display_name(turn: Turn) -> str | None:
    """The name shown on leaderboards: the platform's display name with markup characters removed."""
    name = " ".join(_NAME_NOISE.sub(" ", turn.event.user.display_name).split())[:32]
    return name or None


def _reveal_text(turn: Turn, post: Post, votes: dict[str, int]) -> str:
    item = _item(turn, post.item_id)
    reliable, manipulative = votes.get(RELIABLE, 0), votes.get(MANIPULATIVE, 0)
    if item is None:
        return turn.say(
            "challenge.reveal_votes", reliable=reliable, manipulative=manipulative, right=0, total=0
        )
    verdict_label = (
        turn.say("button.reliable") if item.verdict == RELIABLE else turn.say("button.manipulative")
    )
    if item.technique:
        verdict_label = turn.say(
            "challenge.reveal_with_technique",
            verdict=verdict_label,
            technique=_technique_name(turn, item.technique),
        )
    return "\n".join(
        [
            turn.say("challenge.reveal", verdict=verdict_label),
            "",
            item.item.strip(),
            "",
            item.explanation.strip(),
            "",
            turn.say("challenge.what_you_can_do", action=item.what_you_can_do),
            "",
            turn.say(
                "challenge.reveal_votes",
                reliable=reliable,
                manipulative=manipulative,
                right=votes.get(item.verdict, 0),
                total=reliable + manipulative,
            ),
        ]
    )


async def _reveal(turn: Turn, post: Post) -> list[Outgoing]:
    votes = await _store(turn).reveal(post, _now(turn))
    return [] if votes is None else [turn.reply(_reveal_text(turn, post, votes))]


async def reveal_due(turn: Turn) -> list[Outgoing]:
    """Reveal the group's posts whose time has passed (any challenge interaction checks, and the clock)."""
    if turn.event.chat.is_private:
        return []
    replies: list[Outgoing] = []
    for post in await _store(turn).due_posts(turn.event.chat, _now(turn)):
        replies += await _reveal(turn, post)
    return replies


async def _group_challenge(turn: Turn) -> list[Outgoing]:
    revealed = await reveal_due(turn)
    store = _store(turn)
    event = turn.event
    if await store.open_post(event.chat) is not None:
        return [*revealed, turn.reply(turn.say("challenge.group_open"))]
    content = turn.services.content
    items = content.challenges(turn.lang)
    if not items:
        return [*revealed, turn.reply(turn.say("challenge.none"))]
    now = _now(turn)
    post = await store.create_post(
        event.chat,
        event.user,
        content.challenge_language(turn.lang),
        [item.id for item in items],
        now,
        now + _timeout(turn),
        random.Random(),
    )
    item = _item(turn, post.item_id)
    minutes = turn.services.settings.safetybot_challenge_round_minutes
    text = turn.say("challenge.group_item", item=item.item.strip() if item else "", minutes=f"{minutes:g}")
    buttons = _verdict_buttons(turn, "gv", str(post.id), personal=False)
    return [*revealed, turn.reply(text, buttons, per_row=2)]


async def group_vote(turn: Turn, press: ButtonPress, payload: Payload) -> list[Outgoing]:
    numbers = _numbers(payload.args, 1)
    answer = _CODES.get(payload.args[1]) if len(payload.args) == 2 else None
    if numbers is None or answer is None or turn.event.chat.is_private:
        return _expired(turn)
    revealed = await reveal_due(turn)
    store = _store(turn)
    post = await store.post(turn.event.chat, numbers[0])
    if post is None:
        return [*_expired(turn), *revealed]
    if post.revealed:
        return [turn.reply(turn.say("challenge.group_closed"), private=True), *revealed]
    item = _item(turn, post.item_id)
    if item is None:
        return [*_expired(turn), *revealed]
    counted = await store.vote(
        post, turn.event.user, _display_name(turn), answer, item.verdict == answer, _now(turn)
    )
    if not counted:
        return [turn.reply(turn.say("challenge.group_already"), private=True), *revealed]
    label = turn.say("button.reliable") if answer == RELIABLE else turn.say("button.manipulative")
    return [turn.reply(turn.say("challenge.vote_recorded", answer=label), private=True), *revealed]


async def reveal(turn: Turn, command: Command) -> list[Outgoing]:
    if turn.event.chat.is_private:
        return [turn.reply(turn.say("challenge.reveal_private"))]
    revealed = await reveal_due(turn)
    if not await turn.may_change_chat_settings():
        return [*revealed, turn.reply(turn.say("challenge.reveal_admins_only"))]
    post = await _store(turn).open_post(turn.event.chat)
    if post is None:
        return revealed or [turn.reply(turn.say("challenge.reveal_none"))]
    return [*revealed, *await _reveal(turn, post)]


def _week_start(now: datetime) -> datetime:
    """Monday 00:00 UTC of this week."""
    today = now.astimezone(UTC).date()
    return datetime.combine(today - timedelta(days=today.weekday()), time(0), tzinfo=UTC)


async def leaderboard(turn: Turn, command: Command) -> list[Outgoing]:
    store = _store(turn)
    word = turn.services.content.canonical_word(command.args[0]) if command.args else ""
    if word in ("hide", "show"):
        await store.set_hidden(turn.event.user, word == "hide", _now(turn))
        key = "leaderboard.hidden" if word == "hide" else "leaderboard.shown"
        return [turn.reply(turn.say(key), private=True)]
    if word:
        return [turn.reply(turn.say("leaderboard.usage"))]
    if turn.event.chat.is_private:
        return [turn.reply(turn.say("leaderboard.private"))]
    revealed = await reveal_due(turn)
    lines = [turn.say("leaderboard.heading")]
    for heading, since in (
        ("leaderboard.week", _week_start(_now(turn))),
        ("leaderboard.all_time", None),
    ):
        standings = await store.leaderboard(turn.event.chat, since, LEADERBOARD_SIZE)
        lines += ["", turn.say(heading)]
        if not standings:
            lines.append(turn.say("leaderboard.empty"))
        for rank, standing in enumerate(standings, 1):
            name = standing.name or turn.say("leaderboard.anonymous")
            lines.append(turn.say("leaderboard.line", rank=rank, name=name, score=standing.score))
    lines += ["", turn.say("leaderboard.footer")]
    return [*revealed, turn.reply("\n".join(lines))]


async def _daily(turn: Turn, command: Command) -> list[Outgoing]:
    """/challenge daily [HH:MM] [Area/City] | /challenge daily off: a group's daily challenge post."""
    from bot.core.timezones import BadTime, BadZone, looks_like_zone, parse_local_time, zone
    from bot.jobs.challenge_posts import DailyChallengePosts

    if command.chat.is_private:
        return [turn.reply(turn.say("challenge.daily_groups_only"))]
    posts = DailyChallengePosts(turn.services)
    args = [arg.strip() for arg in command.args[1:] if arg.strip()]
    if not args:
        current = await posts.of(command.chat)
        if current is None or not current.active:
            return [turn.reply(turn.say("challenge.daily_none"))]
        local = current.next_due_at.astimezone(zone(current.timezone))
        return [
            turn.reply(
                turn.say(
                    "challenge.daily_current",
                    time=current.local_time,
                    zone=current.timezone,
                    next=local.strftime("%Y-%m-%d %H:%M"),
                )
            )
        ]
    if not await turn.may_change_chat_settings():
        return [turn.reply(turn.say("group.admins_only"), private=True)]
    if turn.services.content.canonical_word(args[0]) == "off":
        stopped = await posts.stop(command.chat)
        return [turn.reply(turn.say("challenge.daily_stopped" if stopped else "challenge.daily_none"))]
    try:
        wall = parse_local_time(args[0])
        zone_name = zone(args[1]).key if len(args) > 1 and looks_like_zone(args[1]) else None
    except (BadTime, BadZone):
        return [turn.reply(turn.say("challenge.daily_usage"))]
    if zone_name is None:
        chat = await turn.services.people.chat_settings(command.chat)
        zone_name = (chat.timezone if chat else None) or turn.services.settings.safetybot_default_tz
    daily = await posts.set(command.chat, command.user, wall, zone_name, turn.lang)
    local = daily.next_due_at.astimezone(zone(daily.timezone))
    return [
        turn.reply(
            turn.say(
                "challenge.daily_set",
                time=daily.local_time,
                zone=daily.timezone,
                next=local.strftime("%Y-%m-%d %H:%M"),
            )
        )
    ]


async def challenge(turn: Turn, command: Command) -> list[Outgoing]:
    if command.args and turn.services.content.canonical_word(command.args[0]) == "daily":
        return await _daily(turn, command)
    if turn.event.chat.is_private:
        return await _start_round(turn)
    return await _group_challenge(turn)


FEATURE = Feature(
    commands={"challenge": challenge, "stats": stats, "leaderboard": leaderboard, "reveal": reveal},
    actions={
        "cv": verdict,
        "ct": technique,
        "cn": play_again,
        "cs": stats_button,
        "gv": group_vote,
    },
)
