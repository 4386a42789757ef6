"""bot.services.campaigns.plan: a campaign's runs, when each starts (one zone or each chat's), its texts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.content.models import Tip
from bot.core.timezones import BadZone
from bot.services.campaigns.models import SUBSCRIBER_ZONE, CampaignFile
from bot.services.campaigns.plan import (
    EARLIEST_ZONE,
    Run,
    local_start,
    run_start,
    runs,
    snapshot_texts,
    upcoming,
)


def campaign(schedule: dict, messages: list[dict] | None = None, **extra) -> CampaignFile:
    return CampaignFile.model_validate(
        {
            "name": "Test campaign",
            "schedule": schedule,
            "messages": messages or [{"tip": "tip-a"}],
            **extra,
        }
    )


def daily(first: str, last: str, at: str = "09:00", timezone: str = SUBSCRIBER_ZONE) -> dict:
    return {"daily": {"time": at, "from": first, "to": last}, "timezone": timezone}


# runs -------------------------------------------------------------------------------------------------


def test_a_one_off_campaign_has_one_run_with_seconds_dropped():
    plan = runs(campaign({"at": "2027-02-09T09:30:45.123", "timezone": "Europe/Madrid"}))
    assert plan == [Run(0, date(2027, 2, 9), time(9, 30), 0)]


def test_a_daily_window_has_a_run_a_day_inclusive_cycling_through_messages():
    messages = [{"tip": "tip-a"}, {"tip": "tip-b"}, {"text": {"en": "Hello there"}}]
    plan = runs(campaign(daily("2027-02-06", "2027-02-12"), messages))
    assert [run.index for run in plan] == list(range(7))
    assert [run.day for run in plan] == [date(2027, 2, day) for day in range(6, 13)]
    assert {run.wall for run in plan} == {time(9, 0)}
    assert [run.message_index for run in plan] == [0, 1, 2, 0, 1, 2, 0]


def test_a_window_of_one_day_has_one_run():
    assert runs(campaign(daily("2027-02-06", "2027-02-06", at="7:05"))) == [
        Run(0, date(2027, 2, 6), time(7, 5), 0)
    ]


def test_a_daily_window_crosses_month_year_and_leap_days():
    plan = runs(campaign(daily("2027-12-30", "2028-03-01")))
    assert plan[0].day == date(2027, 12, 30)
    assert plan[-1].day == date(2028, 3, 1)
    assert len(plan) == 2 + 31 + 29 + 1
    assert date(2028, 2, 29) in {run.day for run in plan}


@settings(deadline=None)
@given(
    st.dates(min_value=date(2020, 1, 1), max_value=date(2040, 1, 1)),
    st.integers(0, 366),
    st.integers(1, 9),
)
def test_runs_are_consecutive_days_and_messages_go_round(first, length, message_count):
    last = date.fromordinal(first.toordinal() + length)
    messages = [{"tip": f"tip-{n}"} for n in range(message_count)]
    plan = runs(campaign(daily(first.isoformat(), last.isoformat()), messages))
    assert len(plan) == length + 1
    for index, run in enumerate(plan):
        assert run.index == index
        assert run.day.toordinal() == first.toordinal() + index
        assert run.message_index == index % message_count


# run_start / local_start ------------------------------------------------------------------------------


def test_the_earliest_zone_is_utc_plus_14():
    assert EARLIEST_ZONE == "Etc/GMT-14"
    run = Run(0, date(2027, 2, 9), time(9, 0), 0)
    assert run_start(run, SUBSCRIBER_ZONE) == datetime(2027, 2, 8, 19, 0, tzinfo=UTC)


def test_a_subscriber_local_run_starts_before_any_chat_receives_it():
    run = Run(0, date(2027, 2, 9), time(9, 0), 0)
    start = run_start(run, SUBSCRIBER_ZONE)
    for zone_name in ("Pacific/Kiritimati", "Pacific/Auckland", "Europe/Madrid", "Pacific/Pago_Pago", "UTC"):
        assert local_start(run, zone_name) >= start
    assert local_start(run, "Pacific/Kiritimati") == start


def test_a_fixed_zone_run_starts_at_that_zones_local_time():
    run = Run(0, date(2027, 2, 9), time(9, 0), 0)
    assert run_start(run, "Europe/Madrid") == datetime(2027, 2, 9, 8, 0, tzinfo=UTC)
    assert run_start(run, "europe/madrid") == datetime(2027, 2, 9, 8, 0, tzinfo=UTC)
    assert run_start(run, "UTC") == datetime(2027, 2, 9, 9, 0, tzinfo=UTC)


def test_local_start_is_each_chats_own_local_time():
    run = Run(0, date(2027, 7, 1), time(9, 0), 0)
    assert local_start(run, "Europe/Madrid") == datetime(2027, 7, 1, 7, 0, tzinfo=UTC)
    assert local_start(run, "America/New_York") == datetime(2027, 7, 1, 13, 0, tzinfo=UTC)
    assert local_start(run, "Asia/Kolkata") == datetime(2027, 7, 1, 3, 30, tzinfo=UTC)


def test_a_run_in_a_dst_gap_starts_at_the_next_valid_minute():
    run = Run(0, date(2027, 3, 28), time(2, 30), 0)  # Madrid jumps from 02:00 to 03:00 that night
    assert run_start(run, "Europe/Madrid") == datetime(2027, 3, 28, 1, 0, tzinfo=UTC)
    assert local_start(run, "Europe/Madrid") == datetime(2027, 3, 28, 1, 0, tzinfo=UTC)


def test_a_run_in_a_dst_overlap_starts_at_the_first_occurrence():
    run = Run(0, date(2027, 10, 31), time(2, 30), 0)
    assert run_start(run, "Europe/Madrid") == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)


@pytest.mark.parametrize("zone_name", ["Mars/Olympus", "../etc", ""])
def test_an_unknown_zone_is_refused(zone_name):
    run = Run(0, date(2027, 2, 9), time(9, 0), 0)
    with pytest.raises(BadZone):
        run_start(run, zone_name)
    with pytest.raises(BadZone):
        local_start(run, zone_name)


def test_a_subscriber_zone_is_not_a_zone_for_one_chat():
    with pytest.raises(BadZone):
        local_start(Run(0, date(2027, 2, 9), time(9, 0), 0), SUBSCRIBER_ZONE)


# upcoming ---------------------------------------------------------------------------------------------


def test_upcoming_keeps_runs_that_have_not_started():
    window = campaign(daily("2027-02-06", "2027-02-08", timezone="UTC"))
    assert [run.index for run in upcoming(window, datetime(2027, 2, 1, tzinfo=UTC))] == [0, 1, 2]
    assert [run.index for run in upcoming(window, datetime(2027, 2, 7, 8, 59, tzinfo=UTC))] == [1, 2]
    # A run starting exactly now has started.
    assert [run.index for run in upcoming(window, datetime(2027, 2, 7, 9, 0, tzinfo=UTC))] == [2]
    assert upcoming(window, datetime(2027, 2, 8, 9, 0, tzinfo=UTC)) == []


def test_upcoming_compares_instants_not_wall_times():
    window = campaign(daily("2027-02-06", "2027-02-06", timezone="UTC"))
    assert [run.index for run in upcoming(window, datetime.fromisoformat("2027-02-06T09:59:00+01:00"))] == [0]
    assert upcoming(window, datetime.fromisoformat("2027-02-06T10:00:00+01:00")) == []


def test_a_subscriber_local_run_stops_being_upcoming_when_it_starts_in_utc_plus_14():
    window = campaign(daily("2027-02-09", "2027-02-09"))
    assert upcoming(window, datetime(2027, 2, 8, 18, 59, tzinfo=UTC)) == runs(window)
    assert upcoming(window, datetime(2027, 2, 8, 19, 0, tzinfo=UTC)) == []


# snapshot_texts ---------------------------------------------------------------------------------------


@dataclass
class FakeContent:
    """The two things snapshot_texts reads from a content library: shipped languages and tips."""

    shipped: list[str]
    tips: dict[tuple[str, str], Tip]

    def tip(self, lang: str, tip_id: str) -> Tip | None:
        return self.tips.get((lang, tip_id))


class FakeTexts:
    """Renders a tip as "[language] text", so a test sees which language's heading and which tip were used."""

    def tip(self, lang: str, tip: Tip) -> str:
        return f"[{lang}] {tip.text}"


def tip(tip_id: str, text: str) -> Tip:
    return Tip(id=tip_id, category="passwords", text=text)


def test_each_message_is_rendered_in_every_shipped_language():
    content = FakeContent(
        ["en", "es"],
        {
            ("en", "tip-a"): tip("tip-a", "Use a long passphrase for every account."),
            ("es", "tip-a"): tip("tip-a", "Usa una frase larga en cada cuenta."),
        },
    )
    window = campaign(
        daily("2027-02-06", "2027-02-07"),
        [{"tip": "tip-a"}, {"text": {"en": "Happy day!", "es": "¡Feliz día!"}}],
    )
    assert snapshot_texts(window, content, FakeTexts()) == [
        {
            "en": "[en] Use a long passphrase for every account.",
            "es": "[es] Usa una frase larga en cada cuenta.",
        },
        {"en": "Happy day!", "es": "¡Feliz día!"},
    ]


def test_a_missing_translation_falls_back_to_the_fallback_language():
    content = FakeContent(
        ["en", "es", "ar"],
        {("fr", "tip-a"): tip("tip-a", "Utilise une longue phrase secrète partout.")},
    )
    window = campaign(
        daily("2027-02-06", "2027-02-07"),
        [{"tip": "tip-a"}, {"text": {"fr": "Bonne journée !", "es": "¡Feliz día!"}}],
        fallback_language="fr",
    )
    snapshot = snapshot_texts(window, content, FakeTexts())
    # The fallback tip, still rendered for each language (its heading is that language's).
    assert snapshot[0] == {
        "en": "[en] Utilise une longue phrase secrète partout.",
        "es": "[es] Utilise une longue phrase secrète partout.",
        "ar": "[ar] Utilise une longue phrase secrète partout.",
    }
    assert snapshot[1] == {"en": "Bonne journée !", "es": "¡Feliz día!", "ar": "Bonne journée !"}


def test_a_tip_found_in_no_language_is_left_out():
    content = FakeContent(
        ["en", "es"], {("es", "tip-a"): tip("tip-a", "Usa una frase larga en cada cuenta.")}
    )
    window = campaign(daily("2027-02-06", "2027-02-07"), [{"tip": "tip-a"}, {"tip": "tip-gone"}])
    assert snapshot_texts(window, content, FakeTexts()) == [
        {"es": "[es] Usa una frase larga en cada cuenta."},
        {},
    ]
