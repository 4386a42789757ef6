"""Misinformation-spotting challenges: the arithmetic, whole rounds through the real core, groups and
leaderboards, stale/duplicate/forged presses, /forget, the content checks, and the console chat."""

from __future__ import annotations

import random
import shutil
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.app.wiring import Core
from bot.content.checks import cross_check
from bot.content.checks.completeness import counts
from bot.content.library import ContentLibrary
from bot.content.loader import load_content
from bot.content.models import ChallengeItem
from bot.content.problems import ContentError
from bot.content.reading import DEFAULT_CONTENT_DIR, read_content
from bot.core.discernment import (
    MANIPULATIVE,
    RELIABLE,
    Answer,
    Lean,
    current_streak,
    deal,
    discernment,
    most_missed_technique,
    next_streak,
    technique_options,
)
from bot.core.markup import plain_text
from bot.core.replies import Outgoing
from bot.storage.tables import challenge_results, challenge_seen, challenge_votes
from tests.auxil.core import (
    FakeClock,
    Person,
    group_member,
    labels_of,
    make_core,
    private_person,
    text_of,
)
from tests.auxil.postgres import throwaway_database
from tests.auxil.rows import ChallengeRows
from tests.test_console_chat import chat

ENDED = "That round has ended. /challenge starts a new one."
EXPIRED = "Sorry, that button has expired. Type /topics or /help to start again."


def store_of(core: Core) -> ChallengeRows:
    return ChallengeRows(core.db)


def shown_item(replies: list[Outgoing], content: ContentLibrary) -> ChallengeItem:
    """The challenge item shown in the last reply that shows one."""
    for outgoing in reversed(replies):
        for item in content.lang("en").challenges:
            if item.item.strip() in plain_text(outgoing.reply.text):
                return item
    raise AssertionError(f"no challenge item in {text_of(replies)!r}")


def technique_name(content: ContentLibrary, technique: str | None) -> str:
    assert technique is not None
    return content.lang("en").techniques[technique].name


async def only_unseen(core: Core, person: Person, keep: list[str], content: ContentLibrary) -> None:
    """Mark every item but ``keep`` as dealt, so the next round deals exactly these."""
    async with core.db.begin() as connection:
        user_row = await core.services.people.ensure_user(connection, person.user, core.services.clock.now())
        await connection.execute(
            challenge_seen.insert(),
            [
                {"user_id": user_row, "item_id": item.id}
                for item in content.lang("en").challenges
                if item.id not in keep
            ],
        )


async def play_round(
    person: Person, content: ContentLibrary, *, answer: str | None = None
) -> tuple[list, list]:
    """Play one private round to its end: the right answer (and technique) unless ``answer`` is given.

    Returns the items in the order shown and the last replies (with the summary).
    """
    replies = await person.command("challenge")
    shown: list[ChallengeItem] = []
    while "Round over" not in text_of(replies):
        item = shown_item(replies, content)
        shown.append(item)
        said = answer or item.verdict
        replies = await person.press_label(replies, "Reliable" if said == RELIABLE else "Manipulative")
        if "Which technique" in text_of(replies):
            replies = await person.press_label(replies, technique_name(content, item.technique))
    return shown, replies


# The arithmetic


def test_all_manipulative_leans_to_distrust() -> None:
    answers = [Answer(RELIABLE, MANIPULATIVE)] * 3 + [
        Answer(MANIPULATIVE, MANIPULATIVE, "clickbait", "clickbait"),
        Answer(MANIPULATIVE, MANIPULATIVE, "fake-expert", "clickbait"),
    ]
    figures = discernment(answers)
    assert (figures.reliable_right, figures.reliable_shown) == (0, 3)
    assert (figures.manipulative_right, figures.manipulative_shown) == (2, 2)
    assert (figures.techniques_right, figures.techniques_asked) == (1, 2)
    assert (figures.right, figures.shown) == (2, 5)
    assert figures.lean is Lean.DISTRUST
    assert most_missed_technique(answers) == "fake-expert"


def test_all_reliable_leans_to_naivety_and_perfect_is_balanced() -> None:
    trusting = [Answer(RELIABLE, RELIABLE)] * 2 + [
        Answer(MANIPULATIVE, RELIABLE, "clickbait"),
        Answer(MANIPULATIVE, RELIABLE, "scapegoating"),
        Answer(MANIPULATIVE, RELIABLE, "scapegoating"),
    ]
    figures = discernment(trusting)
    assert (figures.reliable_right, figures.reliable_shown) == (2, 2)
    assert (figures.manipulative_right, figures.manipulative_shown) == (0, 3)
    assert figures.lean is Lean.NAIVE
    assert most_missed_technique(trusting) == "scapegoating"
    perfect = [Answer(RELIABLE, RELIABLE), Answer(MANIPULATIVE, MANIPULATIVE, "clickbait", "clickbait")]
    assert discernment(perfect).lean is Lean.BALANCED
    assert most_missed_technique(perfect) is None
    assert discernment([]).lean is Lean.BALANCED


def test_lean_compares_error_rates_not_counts() -> None:
    # One of four reliable doubted (25%) against one of one manipulative missed (100%): naive.
    answers = (
        [Answer(RELIABLE, MANIPULATIVE)]
        + [Answer(RELIABLE, RELIABLE)] * 3
        + [Answer(MANIPULATIVE, RELIABLE, "clickbait")]
    )
    assert discernment(answers).lean is Lean.NAIVE
    # Half and half on both sides: balanced.
    even = [Answer(RELIABLE, RELIABLE), Answer(RELIABLE, MANIPULATIVE)] * 2 + [
        Answer(MANIPULATIVE, RELIABLE, "clickbait"),
        Answer(MANIPULATIVE, MANIPULATIVE, "clickbait"),
    ]
    assert discernment(even).lean is Lean.BALANCED


def test_streaks() -> None:
    monday, tuesday, thursday = date(2026, 11, 23), date(2026, 11, 24), date(2026, 11, 26)
    assert next_streak(0, None, monday) == 1
    assert next_streak(1, monday, monday) == 1
    assert next_streak(1, monday, tuesday) == 2
    assert next_streak(5, monday, thursday) == 1
    assert current_streak(2, tuesday, date(2026, 11, 25)) == 2
    assert current_streak(2, monday, thursday) == 0
    assert current_streak(0, None, monday) == 0


def test_deal_and_technique_options() -> None:
    rng = random.Random(7)
    items = [f"i{n}" for n in range(12)]
    first = deal(items, set(), 5, rng)
    assert len(set(first.items)) == 5 and not first.new_cycle
    tail = deal(items, set(items) - {"i3", "i9"}, 5, rng)
    assert tail.new_cycle and set(tail.items[:2]) == {"i3", "i9"} and len(set(tail.items)) == 5
    assert len(deal(items[:3], set(), 5, rng).items) == 3
    options = technique_options("clickbait", ["clickbait", "a", "b", "c", "d", "e"], rng)
    assert len(options) == 4 and len(set(options)) == 4 and "clickbait" in options


# Private rounds


async def test_a_whole_round_through_the_buttons(
    core: Core, clock: FakeClock, content: ContentLibrary
) -> None:
    person = private_person(core, clock)
    items = content.lang("en").challenges
    reliable = [item.id for item in items if item.verdict == RELIABLE][:3]
    manipulative = [item.id for item in items if item.verdict == MANIPULATIVE][:2]
    await only_unseen(core, person, reliable + manipulative, content)

    replies = await person.command("challenge")
    assert "Challenge 1 of 5" in text_of(replies)
    for number in range(1, 6):
        item = shown_item(replies, content)
        assert labels_of(replies)[-2:] == ["Reliable", "Manipulative"]
        replies = await person.press_label(replies, "Manipulative")
        text = text_of(replies)
        if item.verdict == MANIPULATIVE:
            # The second question: which technique, the right one among 3 or 4 choices.
            assert "Which technique does it use?" in text
            labels = labels_of(replies)
            assert 3 <= len(labels) <= 4
            right = technique_name(content, item.technique)
            assert right in labels
            wrong = next(label for label in labels if label != right)
            pick = right if number % 2 else wrong
            replies = await person.press_label(replies, pick)
            text = text_of(replies)
            assert "✅ Right: this one is manipulative." in text
            if pick == right:
                assert f"You named the technique too: {right}." in text
            else:
                assert f"The technique is {right}, not {wrong}." in text
        else:
            assert "❌ Not quite: this one is reliable." in text
        assert item.explanation.strip() in text
        assert f"What you can do: {item.what_you_can_do}" in text
        if number < 5:
            assert f"Challenge {number + 1} of 5" in text
    summary = text_of(replies)
    assert "Round over: 2 of 5 right." in summary
    assert "Reliable posts you trusted: 0 of 3" in summary
    assert "Manipulative posts you caught: 2 of 2" in summary
    assert "Techniques you named:" in summary
    assert "You lean to distrust" in summary
    assert "Daily streak: 1" in summary
    assert labels_of(replies) == ["Play again", "My stats"]
    stats = text_of(await person.press_label(replies, "My stats"))
    assert "Rounds played: 1" in stats
    assert "Items right: 2 of 5" in stats
    again = await person.press_label(replies, "Play again")
    assert "Challenge 1 of 5" in text_of(again)


async def test_trusting_everything_leans_to_naivety_with_a_tip(
    core: Core, clock: FakeClock, content: ContentLibrary
) -> None:
    person = private_person(core, clock)
    items = content.lang("en").challenges
    manipulative = [item for item in items if item.verdict == MANIPULATIVE][:3]
    reliable = [item.id for item in items if item.verdict == RELIABLE][:2]
    await only_unseen(core, person, [item.id for item in manipulative] + reliable, content)
    _, replies = await play_round(person, content, answer=RELIABLE)
    summary = text_of(replies)
    assert "Round over: 2 of 5 right." in summary
    assert "Reliable posts you trusted: 2 of 2" in summary
    assert "Manipulative posts you caught: 0 of 3" in summary
    assert "You lean to trust too easily" in summary
    tips = {technique_name(content, item.technique) for item in manipulative}
    assert any(f"Tip ({name}):" in summary for name in tips)


async def test_no_item_repeats_until_every_item_was_seen(
    core: Core, clock: FakeClock, content: ContentLibrary
) -> None:
    person = private_person(core, clock)
    total = len(content.lang("en").challenges)
    order: list[str] = []
    while len(order) < total + 5:
        shown, _ = await play_round(person, content, answer=RELIABLE)
        order += [item.id for item in shown]
        clock.advance(minutes=1)  # stay under the flood limit
    assert len(set(order[:total])) == total, "an item came back before every item was seen"
    assert len(set(order[total : total + 5])) == 5


async def test_expired_round_says_so_and_changes_nothing(core: Core, clock: FakeClock) -> None:
    person = private_person(core, clock)
    replies = await person.command("challenge")
    clock.advance(minutes=31)
    late = await person.press_label(replies, "Reliable")
    assert text_of(late) == ENDED
    assert late[0].reply.private
    async with core.db.begin() as connection:
        assert (
            await connection.execute(select(func.count()).select_from(challenge_results))
        ).scalar_one() == 0


async def test_a_new_round_ends_the_old_one(core: Core, clock: FakeClock) -> None:
    person = private_person(core, clock)
    old = await person.command("challenge")
    new = await person.command("challenge")
    assert text_of(await person.press_label(old, "Reliable")) == ENDED
    assert "Challenge 2 of 5" in text_of(await person.press_label(new, "Reliable"))


async def test_pressing_twice_or_an_old_button_counts_once(
    core: Core, clock: FakeClock, content: ContentLibrary
) -> None:
    person = private_person(core, clock)
    first = await person.command("challenge")
    assert "Challenge 2 of 5" in text_of(await person.press_label(first, "Reliable"))
    assert text_of(await person.press_label(first, "Reliable")) == "You already answered that one."
    assert text_of(await person.press_label(first, "Manipulative")) == "You already answered that one."
    async with core.db.begin() as connection:
        count = (await connection.execute(select(func.count()).select_from(challenge_results))).scalar_one()
    assert count == 1

    # A technique button pressed twice, too.
    items = content.lang("en").challenges
    manipulative = [item.id for item in items if item.verdict == MANIPULATIVE][:5]
    other = private_person(core, clock, user_id="1002")
    await only_unseen(core, other, manipulative, content)
    replies = await other.command("challenge")
    item = shown_item(replies, content)
    question = await other.press_label(replies, "Manipulative")
    answered = await other.press_label(question, technique_name(content, item.technique))
    assert "Challenge 2 of 5" in text_of(answered)
    again = await other.press_label(question, technique_name(content, item.technique))
    assert text_of(again) == "You already answered that one."


async def test_forged_and_foreign_payloads_are_refused(core: Core, clock: FakeClock) -> None:
    owner = private_person(core, clock, user_id="1001")
    thief = private_person(core, clock, user_id="1002")
    replies = await owner.command("challenge")
    # Someone else pressing the owner's personal button.
    assert text_of(await thief.press_label(replies, "Reliable")) == EXPIRED
    round_id = replies[0].reply.flat_choices[0].payload.split("~")[0].split(":")[1]
    signer = core.services.signer
    # Validly signed for the thief, but the round is not theirs.
    foreign = signer.make("cv", round_id, "0", "r", owner="test:1002")
    assert text_of(await thief.press(foreign)) == EXPIRED
    # The owner's own round, but a position it has not reached, a bad answer, a bad technique.
    for payload in (
        signer.make("cv", round_id, "3", "r", owner="test:1001"),
        signer.make("cv", round_id, "99", "r", owner="test:1001"),
        signer.make("cv", round_id, "0", "x", owner="test:1001"),
        signer.make("cv", "abc", "0", "r", owner="test:1001"),
        signer.make("ct", round_id, "0", "clickbait", owner="test:1001"),
        signer.make("ct", round_id, "0", "not-a-technique", owner="test:1001"),
        "cv:" + round_id + ":0:r~p~AAAAAAAA",
    ):
        assert text_of(await owner.press(payload)) == EXPIRED, payload
    # None of it counted: the real button still works.
    assert "Challenge 2 of 5" in text_of(await owner.press_label(replies, "Reliable"))


async def test_streak_over_consecutive_days_and_stats(
    core: Core, clock: FakeClock, content: ContentLibrary
) -> None:
    person = private_person(core, clock)
    assert "Rounds played: 0" in text_of(await person.command("stats"))
    _, replies = await play_round(person, content)
    assert "Round over: 5 of 5 right." in text_of(replies)
    assert "Daily streak: 1" in text_of(replies)
    clock.advance(days=1)
    _, replies = await play_round(person, content)
    assert "Daily streak: 2" in text_of(replies)
    stats = text_of(await person.command("stats"))
    assert "Rounds played: 2" in stats
    assert "Items right: 10 of 10" in stats
    assert "Daily streak: 2 (best: 2)" in stats
    clock.advance(days=2)
    assert "Daily streak: 0 (best: 2)" in text_of(await person.command("stats"))
    _, replies = await play_round(person, content)
    assert "Daily streak: 1" in text_of(replies)


# Groups


async def post_challenge(member: Person, content: ContentLibrary) -> tuple[list[Outgoing], ChallengeItem]:
    replies = await member.command("challenge")
    return replies, shown_item(replies, content)


def label_for(verdict: str) -> str:
    return "Reliable" if verdict == RELIABLE else "Manipulative"


def other_verdict(verdict: str) -> str:
    return MANIPULATIVE if verdict == RELIABLE else RELIABLE


async def test_group_answers_count_once_and_admin_reveals_the_vote(
    core: Core, clock: FakeClock, content: ContentLibrary
) -> None:
    admin = group_member(core, clock, "2001", admin=True)
    alice = group_member(core, clock, "2002", admin=False)
    bob = group_member(core, clock, "2003", admin=False)
    post, item = await post_challenge(alice, content)
    assert "Group challenge" in text_of(post)
    assert labels_of(post) == ["Reliable", "Manipulative"]
    assert "There's already a challenge open here" in text_of(await bob.command("challenge"))

    first = await alice.press_label(post, label_for(item.verdict))
    assert first[0].reply.private
    assert "Got it: you said" in text_of(first)
    again = await alice.press_label(post, label_for(other_verdict(item.verdict)))
    assert again[0].reply.private
    assert text_of(again) == "You already answered this one."
    await bob.press_label(post, label_for(other_verdict(item.verdict)))
    await admin.press_label(post, label_for(item.verdict))

    refused = await bob.command("reveal")
    assert text_of(refused) == "Only this group's admins can reveal the answer early."
    revealed = text_of(await admin.command("reveal"))
    verdict_name = label_for(item.verdict)
    assert f"The answer: {verdict_name}" in revealed
    assert item.explanation.strip() in revealed
    reliable_votes = 2 if item.verdict == RELIABLE else 1
    assert (
        f"How the group voted: Reliable {reliable_votes}, Manipulative {3 - reliable_votes}. "
        "2 of 3 got it right." in revealed
    )
    closed = await bob.press_label(post, "Reliable")
    assert text_of(closed) == "This challenge is closed: its answer has been revealed."
    assert "no open challenge" in text_of(await admin.command("reveal"))
    async with core.db.begin() as connection:
        assert (await connection.execute(select(func.count()).select_from(challenge_votes))).scalar_one() == 3


async def test_group_post_is_revealed_by_the_next_interaction_after_its_time(
    core: Core, clock: FakeClock, content: ContentLibrary
) -> None:
    member = group_member(core, clock, "2101", group_id="-600")
    post, item = await post_challenge(member, content)
    await member.press_label(post, label_for(item.verdict))
    clock.advance(minutes=31)
    replies = await member.command("challenge")
    text = text_of(replies)
    assert f"The answer: {label_for(item.verdict)}" in text
    assert "1 of 1 got it right." in text
    assert "Group challenge" in text, "a new challenge follows the reveal"
    late = await member.press_label(post, "Reliable")
    assert text_of(late) == "This challenge is closed: its answer has been revealed."


async def test_leaderboard_orders_hides_and_counts_the_week(
    core: Core, clock: FakeClock, content: ContentLibrary
) -> None:
    admin = group_member(core, clock, "3001", group_id="-700", admin=True)
    alice = group_member(core, clock, "3002", group_id="-700")
    bob = group_member(core, clock, "3003", group_id="-700")
    carol = group_member(core, clock, "3004", group_id="-700")

    async def one_post(right: list[Person], wrong: list[Person]) -> None:
        post, item = await post_challenge(admin, content)
        for person in right:
            await person.press_label(post, label_for(item.verdict))
        for person in wrong:
            await person.press_label(post, label_for(other_verdict(item.verdict)))
        assert "The answer" in text_of(await admin.command("reveal"))

    await one_post([alice, bob], [carol])
    await one_post([alice], [bob, carol])
    board = text_of(await carol.command("leaderboard"))
    week, all_time = board.split("This week", 1)[1].split("All time")
    assert week.index("user3002: 2") < week.index("user3003: 1")
    assert "user3004" not in board
    assert "1. user3002: 2" in all_time and "2. user3003: 1" in all_time

    hidden = await alice.command("leaderboard", "hide")
    assert "hidden from leaderboards" in text_of(hidden)
    board = text_of(await carol.command("leaderboard"))
    assert "user3002" not in board and "1. user3003: 1" in board
    assert "You're hidden from leaderboards" in text_of(await alice.command("stats"))
    await alice.command("leaderboard", "show")
    assert "user3002: 2" in text_of(await carol.command("leaderboard"))

    clock.advance(days=8)
    await one_post([carol], [alice])
    board = text_of(await admin.command("leaderboard"))
    week, all_time = board.split("This week", 1)[1].split("All time")
    assert "1. user3004: 1" in week and "user3002" not in week
    assert "1. user3002: 2" in all_time
    assert "Leaderboards belong to groups" in text_of(
        await private_person(core, clock, user_id="3002").command("leaderboard")
    )


async def test_forget_removes_challenge_data(core: Core, clock: FakeClock, content: ContentLibrary) -> None:
    person = private_person(core, clock, user_id="4001")
    neighbour = private_person(core, clock, user_id="4002")
    await play_round(person, content)
    await play_round(neighbour, content)
    in_group = group_member(core, clock, "4001", group_id="-800")
    post, item = await post_challenge(in_group, content)
    await in_group.press_label(post, label_for(item.verdict))
    store = store_of(core)
    user_row = await store.user_row_id(person.user)
    neighbour_row = await store.user_row_id(neighbour.user)
    assert user_row is not None and neighbour_row is not None
    assert await store.rows_about(user_row) > 5

    confirm = await person.command("forget")
    await person.press_label(confirm, "Yes, delete")
    assert await store.rows_about(user_row) == 0
    assert await store.user_row_id(person.user) is None
    assert await store.rows_about(neighbour_row) > 5
    assert "Rounds played: 0" in text_of(await person.command("stats"))


async def test_rounds_groups_and_forget_on_postgres(
    tmp_path: Path, content: ContentLibrary, clock: FakeClock
) -> None:
    async for url in throwaway_database():
        core = await make_core(tmp_path, content, clock, database_url=url)
        try:
            person = private_person(core, clock, user_id="5001")
            _, replies = await play_round(person, content)
            assert "Round over: 5 of 5 right." in text_of(replies)
            clock.advance(minutes=1)  # a round can be 11 events: keep each under the flood limit
            _, replies = await play_round(person, content, answer=MANIPULATIVE)
            assert "Manipulative posts you caught:" in text_of(replies)
            clock.advance(minutes=1)
            stats = text_of(await person.command("stats"))
            assert "Rounds played: 2" in stats and "Daily streak: 1 (best: 1)" in stats
            clock.advance(minutes=1)

            admin = group_member(core, clock, "5001", group_id="-900", admin=True)
            other = group_member(core, clock, "5002", group_id="-900")
            post, item = await post_challenge(admin, content)
            await admin.press_label(post, label_for(item.verdict))
            await other.press_label(post, label_for(other_verdict(item.verdict)))
            assert text_of(await other.press_label(post, "Reliable")) == "You already answered this one."
            assert "1 of 2 got it right." in text_of(await admin.command("reveal"))
            board = text_of(await other.command("leaderboard"))
            assert "1. user5001: 1" in board and "user5002" not in board

            store = store_of(core)
            user_row = await store.user_row_id(person.user)
            assert user_row is not None and await store.rows_about(user_row) > 0
            await core.services.people.forget(person.user)
            assert await store.rows_about(user_row) == 0
            assert "user5001" not in text_of(await other.command("leaderboard"))
        finally:
            await core.close()


# Content


def test_shipped_challenges_are_valid_and_counted() -> None:
    result = read_content()
    cross_check(result)
    assert result.problems == []
    en = counts(result)["en"]
    assert en["challenge items"] == 57
    assert en["percent of challenge items reliable"] == 51
    techniques = set(result.catalog.techniques) if result.catalog else set()
    assert len(techniques) == 13


def test_broken_challenges_are_reported_with_lines(tmp_path: Path) -> None:
    root = tmp_path / "content"
    shutil.copytree(DEFAULT_CONTENT_DIR, root)
    path = root / "en" / "challenges.yaml"
    text = path.read_text()
    # A reliable item with a technique, a manipulative one without, an unknown technique, a duplicate id.
    shark = "  - id: ai-shark-fact-check\n    format: headline\n    verdict: reliable\n"
    text = text.replace(shark, shark + "    technique: clickbait\n")
    text = text.replace("    technique: incoherence\n", "", 1)
    text = text.replace("    technique: fake-expert\n", "    technique: horoscope\n", 1)
    text = text.replace("  - id: balanced-phone-review\n", "  - id: ai-shark-fact-check\n")
    path.write_text(text)
    with pytest.raises(ContentError) as caught:
        load_content(root)
    report = caught.value.report()
    assert "challenge 'ai-shark-fact-check' is reliable but names a technique ('clickbait')" in report
    assert "challenge 'flop-album-number-one' is manipulative but names no technique" in report
    assert "technique 'horoscope' is not in the catalog" in report
    assert "has no name and tip" in report
    assert "duplicate challenge id 'ai-shark-fact-check'" in report
    assert f"{path}:" in report


def test_too_few_items_or_too_few_reliable_are_problems(tmp_path: Path) -> None:
    import yaml

    root = tmp_path / "content"
    shutil.copytree(DEFAULT_CONTENT_DIR, root)
    path = root / "en" / "challenges.yaml"
    data = yaml.safe_load(path.read_text())
    data["items"] = [item for item in data["items"] if item["verdict"] == MANIPULATIVE] + [
        item for item in data["items"] if item["verdict"] == RELIABLE
    ][:14]
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    with pytest.raises(ContentError) as caught:
        load_content(root)
    assert "en has 14 reliable challenge items of 42 (33%); at least 40% are needed" in caught.value.report()
    data["items"] = data["items"][:30]
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    with pytest.raises(ContentError) as caught:
        load_content(root)
    assert "en has 30 challenge items; at least 40 are needed" in caught.value.report()


# The console chat


def test_a_round_in_the_console_chat(tmp_path: Path) -> None:
    result = chat(["/challenge", "1", "1", "1", "1", "1", "/stats"], tmp_path)
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "Challenge 1 of 5" in out
    assert "[1] Reliable" in out and "[2] Manipulative" in out
    assert "Round over:" in out
    assert "Reliable posts you trusted:" in out
    assert "Manipulative posts you caught:" in out
    assert "Rounds played: 1" in out


async def test_admin_schedules_a_daily_challenge_post_delivered_through_the_outbox(
    core, clock, tmp_path, content
) -> None:
    import asyncio

    from tests.auxil.core import group_member, make_core, text_of
    from tests.auxil.messengers import RecordingMessenger

    member = group_member(core, clock, "71", group_id="-700", admin=False)
    admin = group_member(core, clock, "72", group_id="-700", admin=True)
    assert text_of(await member.command("challenge", "daily", "18:00")) == (
        "Only this group's admins can change its settings."
    )
    assert "e.g. /challenge daily 18:00" in text_of(await admin.command("challenge", "daily", "25:99"))
    done = text_of(await admin.command("challenge", "daily", "09:30", "Europe/Madrid"))
    assert done == (
        "Done: a challenge will be posted here every day at 09:30 (Europe/Madrid). "
        "Next one: 2026-11-26 09:30."
    )
    assert "every day at 09:30" in text_of(await member.command("challenge", "daily"))
    other = await make_core(tmp_path / "other", content, clock, database_url=core.settings.database_url_text)
    try:
        # It is 10:00 in Madrid (09:00 UTC): today's 09:30 has passed, so the first post is tomorrow.
        assert await core.challenge_posts.tick() == 0
        clock.advance(days=1)
        posted = await asyncio.gather(core.challenge_posts.tick(), other.challenge_posts.tick())
        assert sum(posted) == 1, "one post a day, whichever process ticks"
    finally:
        await other.close()
    messenger = RecordingMessenger()
    core.messengers[messenger.platform] = messenger
    assert await core.make_sender().run_once() == 1
    ((chat_id, reply),) = messenger.replies
    assert chat_id == "-700"
    assert [choice.label for choice in reply.flat_choices] == ["Reliable", "Manipulative", "Stop these"]
    vote = await member.press(reply.flat_choices[0].payload)
    assert text_of(vote).startswith("Got it: you said Reliable.")
    assert text_of(await admin.command("challenge", "daily", "off")) == "Done: no more daily challenges here."
    clock.advance(days=1)
    assert await core.challenge_posts.tick() == 0
    private = text_of(await group_member(core, clock, "73").command("challenge", "daily"))
    assert private.startswith("This group has no daily challenge.")


async def test_group_item_is_revealed_on_time_without_anyone_writing(core, clock, tmp_path, content) -> None:
    import asyncio

    from tests.auxil.core import group_member, make_core, text_of
    from tests.auxil.messengers import RecordingMessenger

    admin = group_member(core, clock, "81", group_id="-800", admin=True)
    player = group_member(core, clock, "82", group_id="-800")
    post = await admin.command("challenge")
    await player.press(post[0].reply.flat_choices[0].payload)
    assert await core.challenge_posts.reveal_tick() == 0, "not time yet"
    clock.advance(minutes=core.settings.safetybot_challenge_round_minutes + 1)
    other = await make_core(tmp_path / "other", content, clock, database_url=core.settings.database_url_text)
    try:
        told = await asyncio.gather(core.challenge_posts.reveal_tick(), other.challenge_posts.reveal_tick())
    finally:
        await other.close()
    assert sum(told) == 1, "revealed once, whichever process ticks"
    messenger = RecordingMessenger()
    core.messengers[messenger.platform] = messenger
    assert await core.make_sender().run_once() == 1
    ((chat_id, text),) = messenger.sent
    assert chat_id == "-800" and text.startswith("The answer: ")
    assert "How the group voted: Reliable 1, Manipulative 0." in text
    assert await core.challenge_posts.reveal_tick() == 0
    assert text_of(await admin.command("reveal")).startswith("There's no open challenge here to reveal.")
