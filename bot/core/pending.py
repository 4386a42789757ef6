"""Questions held back while the person says which language to use: in this process's memory only.

Never written to the database or a log; each is gone once answered, after ``HOLD`` or on a restart (the
person is then asked to send it again). At most ``LIMIT`` are held, the oldest dropped first.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime, timedelta

HOLD = timedelta(minutes=10)
LIMIT = 10_000


class PendingQuestions:
    """Person key -> (their last question, when it was asked)."""

    def __init__(self) -> None:
        self._held: OrderedDict[str, tuple[str, datetime]] = OrderedDict()

    def hold(self, person: str, text: str, now: datetime) -> None:
        self._held.pop(person, None)
        self._held[person] = (text, now)
        while len(self._held) > LIMIT:
            self._held.popitem(last=False)

    def take(self, person: str, now: datetime) -> str | None:
        """The held question (once), unless it is older than HOLD."""
        held = self._held.pop(person, None)
        if held is None or now - held[1] > HOLD:
            return None
        return held[0]

    def forget(self, person: str) -> None:
        self._held.pop(person, None)
