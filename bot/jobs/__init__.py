"""The clock's jobs: what the bot does unprompted, once a minute (daily tips, campaign runs, daily
challenge posts and their reveals).

A job calls the same services a person's command calls and sends through the delivery outbox; it never
builds a fake person's turn. The composition root lists the jobs (``Core.clock_jobs``); the runner runs
each round in one process at a time, so any number of scheduler processes may run.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

ClockJob = Callable[[], Awaitable[object]]
"""One round of a job: returns the number of deliveries enqueued (or a result with ``enqueued``)."""
