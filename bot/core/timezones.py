"""Local wall-clock times in IANA time zones, and the next UTC instant they occur. All DST rules live here.

A daily time that does not exist on a day (the clock jumps from 02:00 to 03:00) happens at the next
minute that does (03:00). A time that occurs twice (the clock falls back) happens once, at its first
occurrence. Every datetime returned is aware and in UTC.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.core.folding import ascii_digits

_TIME = re.compile(r"^(?P<hour>[01]?\d|2[0-3])[:.h](?P<minute>[0-5]\d)$")
MAX_GAP_MINUTES = 24 * 60


class BadTime(ValueError):
    """Not a wall-clock time like 09:30."""


class BadZone(ValueError):
    """Not an IANA time zone name."""


def parse_local_time(text: str) -> time:
    """'9:30', '09:30', '21.05', '7h15' or '٠٨:٣٠' (digits of any script) as a time.

    Raises:
        BadTime: for anything else.
    """
    match = _TIME.match(ascii_digits(text.strip().lower()).replace("٫", ":"))
    if match is None:
        raise BadTime(text)
    return time(int(match.group("hour")), int(match.group("minute")))


MAX_ZONE_NAME = 64
"""No IANA zone name is longer (the longest is 32 characters)."""


@cache
def _zone_names() -> dict[str, str]:
    """Every IANA zone name this machine knows (tzdata), by its case-folded spelling."""
    return {name.casefold(): name for name in available_timezones()}


def zone(name: str) -> ZoneInfo:
    """The time zone called ``name`` (IANA, e.g. Europe/Madrid; any capitalisation).

    The name is looked up among the known zone names before any file is opened, so a folder
    ("America/Argentina"), a path ("Europe/__pycache__") or a name too long for the file system is
    simply not a zone.

    Raises:
        BadZone: when there is no such zone.
    """
    canonical = _zone_names().get(name.casefold()) if 0 < len(name) <= MAX_ZONE_NAME else None
    if canonical is None:
        raise BadZone(name[:MAX_ZONE_NAME])
    try:
        return ZoneInfo(canonical)
    except (ZoneInfoNotFoundError, ValueError, OSError) as error:  # a broken tzdata install
        raise BadZone(name[:MAX_ZONE_NAME]) from error


def looks_like_zone(token: str) -> bool:
    """Whether a command argument is meant as a time zone (Area/City, UTC, GMT...)."""
    return "/" in token or token.upper() in {"UTC", "GMT", "Z"}


def occurrence(day: date, wall: time, tz: ZoneInfo) -> datetime:
    """When ``wall`` happens on ``day`` in ``tz``, in UTC (next valid minute in a gap; first of two)."""
    naive = datetime.combine(day, wall)
    for minutes in range(MAX_GAP_MINUTES):
        candidate = naive + timedelta(minutes=minutes)
        aware = candidate.replace(tzinfo=tz, fold=0)
        instant = aware.astimezone(UTC)
        if instant.astimezone(tz).replace(tzinfo=None) == candidate:
            return instant
    raise AssertionError("no valid local time within a day")  # pragma: no cover - no zone has such a gap


def next_occurrence(wall: time, tz: ZoneInfo, after: datetime, *, weekdays_only: bool = False) -> datetime:
    """The first time strictly after ``after`` at which the wall clock in ``tz`` shows ``wall``."""
    day = after.astimezone(tz).date() - timedelta(days=1)
    for _ in range(10):
        instant = occurrence(day, wall, tz)
        if instant > after and not (weekdays_only and day.weekday() >= 5):
            return instant
        day += timedelta(days=1)
    raise AssertionError("unreachable")  # pragma: no cover


def local_date(instant: datetime, tz: ZoneInfo) -> date:
    """The calendar date in ``tz`` at ``instant``."""
    return instant.astimezone(tz).date()
