"""bot.core.timezones: parsing wall-clock times and zone names, DST gaps and overlaps, next occurrences."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, available_timezones

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.timezones import (
    BadTime,
    BadZone,
    local_date,
    looks_like_zone,
    next_occurrence,
    occurrence,
    parse_local_time,
    zone,
)

MADRID = ZoneInfo("Europe/Madrid")
NEW_YORK = ZoneInfo("America/New_York")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")  # DST moves the clock by 30 minutes
ARABIC_INDIC = "٠١٢٣٤٥٦٧٨٩"
PERSIAN = "۰۱۲۳۴۵۶۷۸۹"
SAMPLE_ZONES = [
    "UTC",
    "Europe/Madrid",
    "America/New_York",
    "America/Santiago",
    "Australia/Lord_Howe",
    "Asia/Tehran",
    "Asia/Kolkata",
    "Pacific/Chatham",
    "Africa/Casablanca",
]


def wall_of(instant: datetime, tz: ZoneInfo) -> str:
    return instant.astimezone(tz).strftime("%Y-%m-%d %H:%M %z")


# parse_local_time -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("9:30", time(9, 30)),
        ("09:30", time(9, 30)),
        ("21.05", time(21, 5)),
        ("7h15", time(7, 15)),
        ("7H15", time(7, 15)),
        ("  9:30 ", time(9, 30)),
        ("9:30\n", time(9, 30)),
        ("0:00", time(0, 0)),
        ("00:00", time(0, 0)),
        ("23:59", time(23, 59)),
        ("٠٨:٣٠", time(8, 30)),
        ("۰۸:۳۰", time(8, 30)),
        ("٠٨٫٣٠", time(8, 30)),
        ("٢٣:٥٩", time(23, 59)),
    ],
)
def test_wall_clock_times_in_every_accepted_spelling(text, expected):
    assert parse_local_time(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        ":",
        "9",
        "930",
        "0930",
        "24:00",
        "23:60",
        "9:5",
        "12:5",
        "9 :30",
        "09:30:00",
        "-1:00",
        "9:30pm",
        "nine",
        "٢٤:٠٠",
    ],
)
def test_anything_else_is_a_bad_time(text):
    with pytest.raises(BadTime) as caught:
        parse_local_time(text)
    assert isinstance(caught.value, ValueError)
    assert caught.value.args == (text,)


@settings(deadline=None)
@given(
    st.integers(0, 23),
    st.integers(0, 59),
    st.sampled_from([":", ".", "h"]),
    st.booleans(),
    st.sampled_from(["0123456789", ARABIC_INDIC, PERSIAN]),
)
def test_every_valid_time_parses_in_every_separator_and_digit_script(hour, minute, sep, padded, digits):
    written = f"{hour:02d}" if padded else str(hour)
    text = f"{written}{sep}{minute:02d}".translate(str.maketrans("0123456789", digits))
    assert parse_local_time(text) == time(hour, minute)


# zone / looks_like_zone -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Europe/Madrid", "Europe/Madrid"),
        ("europe/madrid", "Europe/Madrid"),
        ("EUROPE/MADRID", "Europe/Madrid"),
        ("utc", "UTC"),
        ("UTC", "UTC"),
        ("America/Argentina/Buenos_Aires", "America/Argentina/Buenos_Aires"),
        ("america/argentina/buenos_aires", "America/Argentina/Buenos_Aires"),
        ("America/Port-au-Prince", "America/Port-au-Prince"),
        ("Etc/GMT-14", "Etc/GMT-14"),
    ],
)
def test_known_zones_in_common_spellings(name, key):
    assert zone(name).key == key


def test_every_iana_zone_is_found_under_its_own_name():
    names = sorted(available_timezones())
    assert len(names) > 300
    assert all(zone(name).key == name for name in names)


@pytest.mark.parametrize(
    "name",
    [
        "",
        "Mars/Olympus",
        "Europe/Nowhere",
        "Europe/",
        "America/Argentina/",
        "/etc/passwd",
        "/Europe/Madrid",
        "../etc",
        "../etc/passwd",
        "Europe/../Europe/Madrid",
        "Europe//Madrid",
        "Europe/./Madrid",
        " Europe/Madrid",
        "Europe/Madrid ",
        "Europe/Madrid\x00",
        "Z",
    ],
)
def test_unknown_or_malformed_zones_are_refused(name):
    with pytest.raises(BadZone):
        zone(name)


@pytest.mark.parametrize(
    "name",
    [
        "America/Argentina",  # a folder of zones, not a zone
        "Europe",
        pytest.param("Europe/" + "x" * 300, id="Europe/x*300"),  # longer than a file name may be
    ],
)
def test_folders_and_overlong_names_are_refused_as_bad_zones(name):
    """The docstring promises BadZone for any name that is not a zone (callers catch only BadZone)."""
    with pytest.raises(BadZone):
        zone(name)


@pytest.mark.parametrize(
    ("token", "meant"),
    [
        ("Europe/Madrid", True),
        ("mars/olympus", True),
        ("utc", True),
        ("GMT", True),
        ("z", True),
        ("09:30", False),
        ("weekdays", False),
        ("Madrid", False),
        ("", False),
    ],
)
def test_what_looks_like_a_zone_argument(token, meant):
    assert looks_like_zone(token) is meant


# occurrence: DST gaps and overlaps --------------------------------------------------------------------


def test_an_ordinary_day_in_winter_and_summer():
    assert occurrence(date(2026, 1, 15), time(9, 30), MADRID) == datetime(2026, 1, 15, 8, 30, tzinfo=UTC)
    assert occurrence(date(2026, 7, 15), time(9, 30), MADRID) == datetime(2026, 7, 15, 7, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("wall", "expected_local"),
    [
        (time(1, 59), "2026-03-29 01:59 +0100"),  # the last minute before the jump
        (time(2, 0), "2026-03-29 03:00 +0200"),  # 02:00 itself does not exist
        (time(2, 30), "2026-03-29 03:00 +0200"),
        (time(2, 59), "2026-03-29 03:00 +0200"),
        (time(3, 0), "2026-03-29 03:00 +0200"),
        (time(3, 1), "2026-03-29 03:01 +0200"),
    ],
)
def test_a_time_in_the_spring_gap_happens_at_the_next_valid_minute(wall, expected_local):
    instant = occurrence(date(2026, 3, 29), wall, MADRID)
    assert instant.tzinfo is UTC
    assert wall_of(instant, MADRID) == expected_local


@pytest.mark.parametrize(
    ("wall", "expected_utc"),
    [
        (time(1, 59), datetime(2026, 10, 24, 23, 59, tzinfo=UTC)),
        (time(2, 0), datetime(2026, 10, 25, 0, 0, tzinfo=UTC)),  # first 02:00, still CEST
        (time(2, 30), datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
        (time(2, 59), datetime(2026, 10, 25, 0, 59, tzinfo=UTC)),
        (time(3, 0), datetime(2026, 10, 25, 2, 0, tzinfo=UTC)),  # CET from here
    ],
)
def test_a_time_that_occurs_twice_in_autumn_happens_at_its_first_occurrence(wall, expected_utc):
    assert occurrence(date(2026, 10, 25), wall, MADRID) == expected_utc


def test_other_zones_gaps_and_overlaps():
    assert wall_of(occurrence(date(2026, 3, 8), time(2, 0), NEW_YORK), NEW_YORK) == "2026-03-08 03:00 -0400"
    assert occurrence(date(2026, 11, 1), time(1, 30), NEW_YORK) == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    # Lord Howe's spring gap lasts only half an hour: 02:15 becomes 02:30, not 03:00.
    gap = occurrence(date(2026, 10, 4), time(2, 15), LORD_HOWE)
    assert wall_of(gap, LORD_HOWE) == "2026-10-04 02:30 +1100"
    # Its autumn overlap (01:30-02:00 twice): the first one, still on daylight time.
    overlap = occurrence(date(2026, 4, 5), time(1, 45), LORD_HOWE)
    assert overlap == datetime(2026, 4, 4, 14, 45, tzinfo=UTC)


@settings(deadline=None, max_examples=300)
@given(
    st.sampled_from(SAMPLE_ZONES),
    st.dates(min_value=date(2000, 1, 1), max_value=date(2037, 12, 31)),
    st.times().map(lambda moment: moment.replace(second=0, microsecond=0)),
)
def test_occurrence_is_the_wall_time_or_the_first_valid_minute_after_it(zone_name, day, wall):
    tz = ZoneInfo(zone_name)
    instant = occurrence(day, wall, tz)
    assert instant.tzinfo is UTC
    local = instant.astimezone(tz)
    assert local.fold == 0, "the first of two occurrences"
    wanted = datetime.combine(day, wall)
    shown = local.replace(tzinfo=None)
    assert shown >= wanted
    # Every minute between the wanted wall time and the one shown does not exist on that day.
    minute = wanted
    while minute < shown:
        round_trip = minute.replace(tzinfo=tz).astimezone(UTC).astimezone(tz).replace(tzinfo=None)
        assert round_trip != minute, f"{minute} exists, so it should have been chosen"
        minute += timedelta(minutes=1)


# next_occurrence / local_date -------------------------------------------------------------------------


def test_next_occurrence_is_strictly_after():
    at = datetime(2026, 1, 15, 8, 30, tzinfo=UTC)  # 09:30 in Madrid
    assert next_occurrence(time(9, 30), MADRID, at - timedelta(microseconds=1)) == at
    assert next_occurrence(time(9, 30), MADRID, at) == at + timedelta(days=1)


def test_next_occurrence_keeps_local_time_across_the_spring_change():
    first = next_occurrence(time(9, 30), MADRID, datetime(2026, 3, 28, 12, tzinfo=UTC))
    assert first == datetime(2026, 3, 29, 7, 30, tzinfo=UTC)
    assert first - datetime(2026, 3, 28, 8, 30, tzinfo=UTC) == timedelta(hours=23)


def test_next_occurrence_in_the_gap_and_in_the_overlap():
    gap = next_occurrence(time(2, 30), MADRID, datetime(2026, 3, 28, 12, tzinfo=UTC))
    assert wall_of(gap, MADRID) == "2026-03-29 03:00 +0200"
    first = next_occurrence(time(2, 30), MADRID, datetime(2026, 10, 24, 12, tzinfo=UTC))
    assert first == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    # The second 02:30 of that night is not another occurrence: the next one is the following day.
    assert wall_of(next_occurrence(time(2, 30), MADRID, first), MADRID) == "2026-10-26 02:30 +0100"


def test_next_occurrence_accepts_an_instant_in_any_zone():
    after_in_tokyo = datetime(2026, 1, 15, 17, 0, tzinfo=ZoneInfo("Asia/Tokyo"))  # 08:00 UTC
    assert next_occurrence(time(9, 30), MADRID, after_in_tokyo) == datetime(2026, 1, 15, 8, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("after", "expected_day"),
    [
        (datetime(2026, 11, 27, 6, 0, tzinfo=UTC), date(2026, 11, 27)),  # Friday before 08:00
        (datetime(2026, 11, 27, 20, 0, tzinfo=UTC), date(2026, 11, 30)),  # Friday evening -> Monday
        (datetime(2026, 11, 28, 6, 0, tzinfo=UTC), date(2026, 11, 30)),  # Saturday -> Monday
        (datetime(2026, 11, 29, 23, 0, tzinfo=UTC), date(2026, 11, 30)),  # Sunday night -> Monday
    ],
)
def test_weekdays_only_skips_the_weekend(after, expected_day):
    due = next_occurrence(time(8, 0), ZoneInfo("UTC"), after, weekdays_only=True)
    assert due == datetime.combine(expected_day, time(8, 0), tzinfo=UTC)


def test_weekdays_are_judged_in_the_local_zone_not_in_utc():
    # Friday 12:00 UTC is Saturday 02:00 in Kiritimati (UTC+14): Saturday's 09:00 there (still Friday in
    # UTC) is skipped, Monday's is next.
    kiritimati = ZoneInfo("Pacific/Kiritimati")
    friday_noon_utc = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    assert wall_of(next_occurrence(time(9, 0), kiritimati, friday_noon_utc), kiritimati) == (
        "2026-11-28 09:00 +1400"
    )
    due = next_occurrence(time(9, 0), kiritimati, friday_noon_utc, weekdays_only=True)
    assert wall_of(due, kiritimati) == "2026-11-30 09:00 +1400"


@settings(deadline=None, max_examples=300)
@given(
    st.sampled_from(SAMPLE_ZONES),
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2037, 12, 31), timezones=st.just(UTC)),
    st.times().map(lambda moment: moment.replace(second=0, microsecond=0)),
    st.booleans(),
)
def test_next_occurrence_is_the_first_matching_instant_after(zone_name, after, wall, weekdays_only):
    tz = ZoneInfo(zone_name)
    due = next_occurrence(wall, tz, after, weekdays_only=weekdays_only)
    assert due > after
    local_day = due.astimezone(tz).date()
    assert due == occurrence(local_day, wall, tz)
    if weekdays_only:
        assert local_day.weekday() < 5
    # No earlier day in between had an occurrence after ``after`` (on a weekday, when asked).
    day = local_day - timedelta(days=1)
    while day >= after.astimezone(tz).date() - timedelta(days=1):
        if not (weekdays_only and day.weekday() >= 5):
            assert occurrence(day, wall, tz) <= after
        day -= timedelta(days=1)


@pytest.mark.parametrize(
    ("zone_name", "expected"),
    [
        ("UTC", date(2026, 1, 1)),
        ("Europe/Madrid", date(2026, 1, 2)),
        ("America/Los_Angeles", date(2026, 1, 1)),
        ("Pacific/Kiritimati", date(2026, 1, 2)),
        ("Pacific/Pago_Pago", date(2026, 1, 1)),
    ],
)
def test_local_date_is_the_calendar_day_in_the_zone(zone_name, expected):
    assert local_date(datetime(2026, 1, 1, 23, 30, tzinfo=UTC), ZoneInfo(zone_name)) == expected
