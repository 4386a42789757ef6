"""How challenges read: an item with its buttons, feedback, a round's summary, a group item and its reveal,
stats and leaderboards. Used by the challenge features and by the clock's challenge posts and reveals."""

from __future__ import annotations

import random
import re

from bot.content.models import ChallengeItem
from bot.core import actions
from bot.core.discernment import MANIPULATIVE, RELIABLE, Lean
from bot.core.discernment import technique_options as pick_options
from bot.core.replies import Choice, Reply
from bot.messages.speaker import Speaker
from bot.services.challenges.group import Reveal
from bot.services.challenges.rounds import Dealt, Summary
from bot.storage.challenge_players import PlayerStats
from bot.storage.challenge_posts import Post, Standing

VERDICT_CODES = {actions.VERDICT_RELIABLE: RELIABLE, actions.VERDICT_MANIPULATIVE: MANIPULATIVE}
"""How a verdict is written in a button payload."""
_NAME_NOISE = re.compile(r"[*_\[\]()`~\n\r\t]+")
_LEAN_KEYS = {
    Lean.DISTRUST: "challenge.lean_distrust",
    Lean.NAIVE: "challenge.lean_naive",
    Lean.BALANCED: "challenge.lean_balanced",
}


def technique_name(speaker: Speaker, technique_id: str | None) -> str:
    technique = speaker.content.technique(speaker.lang, technique_id) if technique_id else None
    return technique.name if technique is not None else (technique_id or "")


def verdict_label(speaker: Speaker, verdict: str) -> str:
    return speaker.say("button.reliable") if verdict == RELIABLE else speaker.say("button.manipulative")


def verdict_buttons(speaker: Speaker, action: str, *args: str, owner: str | None) -> list[Choice]:
    return [
        speaker.button(speaker.say("button.reliable"), action, *args, actions.VERDICT_RELIABLE, owner=owner),
        speaker.button(
            speaker.say("button.manipulative"), action, *args, actions.VERDICT_MANIPULATIVE, owner=owner
        ),
    ]


def item_reply(speaker: Speaker, dealt: Dealt, owner: str) -> Reply:
    """A round's current item with its two buttons (only its player's presses count)."""
    current = dealt.round
    text = speaker.say(
        "challenge.item",
        number=current.position + 1,
        total=len(current.items),
        item=dealt.item.item.strip() if dealt.item else "",
    )
    args = (str(current.id), str(current.position))
    return speaker.reply(
        text, verdict_buttons(speaker, actions.CHALLENGE_VERDICT, *args, owner=owner), per_row=2
    )


def technique_question(speaker: Speaker, dealt: Dealt, right: str, owner: str) -> Reply:
    """Which technique does this manipulative item use? (the right one among a few)."""
    known = list(speaker.content.catalog.techniques) or [right]
    options = pick_options(right, known, random.Random())
    args = (str(dealt.round.id), str(dealt.round.position))
    buttons = [
        speaker.button(
            technique_name(speaker, option), actions.CHALLENGE_TECHNIQUE, *args, option, owner=owner
        )
        for option in options
    ]
    return speaker.reply(speaker.say("challenge.which_technique"), buttons)


def feedback(speaker: Speaker, item: ChallengeItem, answer: str, picked: str | None) -> str:
    """Right or wrong, the technique, the explanation and what the person can do."""
    name = technique_name(speaker, item.technique)
    if item.verdict == RELIABLE:
        lines = [
            speaker.say("challenge.right_reliable" if answer == RELIABLE else "challenge.wrong_reliable")
        ]
    elif answer == MANIPULATIVE:
        lines = [speaker.say("challenge.right_manipulative")]
    else:
        lines = [speaker.say("challenge.wrong_manipulative", technique=name)]
    if picked is not None:
        if picked == item.technique:
            lines.append(speaker.say("challenge.technique_right", technique=name))
        else:
            lines.append(
                speaker.say(
                    "challenge.technique_wrong", technique=name, picked=technique_name(speaker, picked)
                )
            )
    lines += [
        "",
        item.explanation.strip(),
        "",
        speaker.say("challenge.what_you_can_do", action=item.what_you_can_do),
    ]
    return "\n".join(lines)


def summary_reply(speaker: Speaker, summary: Summary, owner: str) -> Reply:
    """A finished round: discernment, the lean, a tip on the technique missed most, the streak."""
    figures = summary.figures
    lines = [
        speaker.say("challenge.summary", right=figures.right, total=figures.shown),
        "",
        speaker.say(
            "challenge.discernment_reliable", right=figures.reliable_right, shown=figures.reliable_shown
        ),
        speaker.say(
            "challenge.discernment_manipulative",
            right=figures.manipulative_right,
            shown=figures.manipulative_shown,
        ),
    ]
    if figures.techniques_asked:
        lines.append(
            speaker.say(
                "challenge.discernment_techniques",
                right=figures.techniques_right,
                asked=figures.techniques_asked,
            )
        )
    lines += ["", speaker.say(_LEAN_KEYS[figures.lean])]
    missed = (
        speaker.content.technique(speaker.lang, summary.missed_technique)
        if summary.missed_technique
        else None
    )
    if missed is not None:
        lines += ["", speaker.say("challenge.tip", technique=missed.name, tip=missed.tip)]
    lines += ["", speaker.say("challenge.streak", days=summary.streak)]
    buttons = [
        speaker.button(speaker.say("button.play_again"), actions.CHALLENGE_AGAIN, owner=owner),
        speaker.button(speaker.say("button.my_stats"), actions.CHALLENGE_STATS, owner=owner),
    ]
    return speaker.reply("\n".join(lines), buttons, per_row=2)


def stats_text(speaker: Speaker, figures: PlayerStats) -> str:
    text = speaker.say(
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
    return text + ("\n\n" + speaker.say("stats.hidden") if figures.hidden else "")


def group_post(speaker: Speaker, post: Post, item: ChallengeItem | None, minutes: float) -> Reply:
    """A group's item, with buttons anyone can press (each person's first press counts)."""
    text = speaker.say("challenge.group_item", item=item.item.strip() if item else "", minutes=f"{minutes:g}")
    return speaker.reply(
        text, verdict_buttons(speaker, actions.GROUP_VOTE, str(post.id), owner=None), per_row=2
    )


def reveal_text(speaker: Speaker, reveal: Reveal) -> str:
    """The answer to a group item, why, and how the group voted."""
    votes, item = reveal.votes, reveal.item
    reliable, manipulative = votes.get(RELIABLE, 0), votes.get(MANIPULATIVE, 0)
    if item is None:
        return speaker.say(
            "challenge.reveal_votes", reliable=reliable, manipulative=manipulative, right=0, total=0
        )
    label = verdict_label(speaker, item.verdict)
    if item.technique:
        label = speaker.say(
            "challenge.reveal_with_technique",
            verdict=label,
            technique=technique_name(speaker, item.technique),
        )
    return "\n".join(
        [
            speaker.say("challenge.reveal", verdict=label),
            "",
            item.item.strip(),
            "",
            item.explanation.strip(),
            "",
            speaker.say("challenge.what_you_can_do", action=item.what_you_can_do),
            "",
            speaker.say(
                "challenge.reveal_votes",
                reliable=reliable,
                manipulative=manipulative,
                right=votes.get(item.verdict, 0),
                total=reliable + manipulative,
            ),
        ]
    )


def leaderboard_text(speaker: Speaker, boards: list[tuple[str, list[Standing]]]) -> str:
    """The group's top players, for each (heading key, standings)."""
    lines = [speaker.say("leaderboard.heading")]
    for heading, standings in boards:
        lines += ["", speaker.say(heading)]
        if not standings:
            lines.append(speaker.say("leaderboard.empty"))
        for rank, standing in enumerate(standings, 1):
            name = standing.name or speaker.say("leaderboard.anonymous")
            lines.append(speaker.say("leaderboard.line", rank=rank, name=name, score=standing.score))
    lines += ["", speaker.say("leaderboard.footer")]
    return "\n".join(lines)


def display_name(name: str) -> str | None:
    """A name for leaderboards: the platform's display name with markup characters removed."""
    return " ".join(_NAME_NOISE.sub(" ", name).split())[:32] or None
