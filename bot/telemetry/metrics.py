"""Every metric safetybot exposes, defined once, on a registry the caller passes.

``Metrics(registry)`` creates them all on that ``CollectorRegistry`` (never on prometheus-client's
global default registry), so each process, and each test, has its own. Labels only ever take values
from the closed sets below: a value outside its set is counted as ``other`` and never exposed, so a
user id, a chat id or a piece of text passed by mistake cannot become a time series (and cannot make
the number of series grow without bound).

Two families describe state that lives in the database rather than in the process: the outbox
(``safetybot_outbox_depth``, ``safetybot_outbox_oldest_due_seconds``) and the deliveries of active
campaigns (``safetybot_campaign_deliveries{state}``). They are read at scrape time from callbacks the
caller registers with ``watch_outbox`` and ``watch_campaigns``. Scrapes are synchronous, so the
callbacks must be cheap and must not block: return a snapshot an async task refreshes (e.g. after each
clock round), or ``None`` while nothing has been measured yet.

``render(registry)`` gives the body and content type for a ``/metrics`` endpoint.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping

from prometheus_client import (
    CONTENT_TYPE_PLAIN_0_0_4,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric

_log = logging.getLogger(__name__)

OTHER = "other"
"""The label value anything outside a label's known set is counted as."""

PLATFORMS: tuple[str, ...] = ("telegram", "discord", "whatsapp", "console")
UPDATE_KINDS: tuple[str, ...] = ("text", "command", "button")
ANSWER_KINDS: tuple[str, ...] = ("answer", "clarify", "fallback", "crisis")
"""The engine's ``AnswerKind`` values."""
CRISIS_LEVELS: tuple[str, ...] = ("urgent", "check_in")
"""The understanding layer's ``CrisisLevel`` values."""
DELIVERY_OUTCOMES: tuple[str, ...] = ("sent", "retry", "failed", "gone", "opted_out")
"""``gone``: the chat cannot be reached any more (blocked, 403, deleted); ``opted_out``: the person
asked not to be messaged (e.g. a WhatsApp opt-out)."""
SCHEDULER_JOBS: tuple[str, ...] = (
    "dispatcher",
    "campaigns",
    "daily-challenges",
    "challenge-reveals",
    "sqlite-checkpoint",
)
"""The clock's APScheduler job ids (``bot.app.runner.start_clock``)."""
CAMPAIGN_STATES: tuple[str, ...] = ("queued", "sent", "failed")

ANSWER_BUCKETS: tuple[float, ...] = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)
"""1 ms to 1 s: a median answer takes about 1-2 ms; the goal is under 5 ms."""
TICK_BUCKETS: tuple[float, ...] = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
"""5 ms to a minute: a dispatcher tick with 1,000 due chats takes about 50 ms; a big campaign run longer."""

OutboxProbe = Callable[[], tuple[int, float] | None]
"""Returns (deliveries due and not yet sent, seconds since the oldest of them was due), or None."""
CampaignProbe = Callable[[], Mapping[str, int] | None]
"""Returns deliveries of active campaigns per state (``queued``, ``sent``, ``failed``), or None."""


class Metrics:
    """safetybot's metrics on one registry, with methods that keep every label inside its known set.

    The metric objects are public attributes for callers that need prometheus-client's own API (e.g.
    ``metrics.scheduler_tick_seconds.labels("dispatcher").time()``); the methods are the safe way in.

    Args:
        registry: where the metrics are registered. Creating a second ``Metrics`` on the same registry
            raises ``ValueError`` (prometheus-client refuses duplicate names).
    """

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self._warned: set[str] = set()
        self.updates = Counter(
            "safetybot_updates",
            "Updates received from people, by platform and kind (text, command, button).",
            ["platform", "kind"],
            registry=registry,
        )
        self.replies = Counter(
            "safetybot_replies",
            "Replies sent in answer to updates, by platform.",
            ["platform"],
            registry=registry,
        )
        self.answer_seconds = Histogram(
            "safetybot_answer_seconds",
            "Time to answer one question (crisis check included).",
            buckets=ANSWER_BUCKETS,
            registry=registry,
        )
        self.answers = Counter(
            "safetybot_answers",
            "Questions answered, by what the engine chose (answer, clarify, fallback, crisis).",
            ["kind"],
            registry=registry,
        )
        self.crisis = Counter(
            "safetybot_crisis",
            "Messages that got crisis resources, by level (urgent, check_in).",
            ["level"],
            registry=registry,
        )
        self.flood_throttled = Counter(
            "safetybot_flood_throttled",
            "Messages dropped because their sender went over SAFETYBOT_FLOOD_LIMIT_PER_MINUTE.",
            registry=registry,
        )
        self.deliveries = Counter(
            "safetybot_deliveries",
            "Outbox delivery attempts, by platform and outcome (sent, retry, failed, gone, opted_out).",
            ["platform", "outcome"],
            registry=registry,
        )
        self.rate_limited = Counter(
            "safetybot_rate_limited",
            "Times a platform asked us to slow down (HTTP 429 or its equivalent), by platform.",
            ["platform"],
            registry=registry,
        )
        self.rate_limit_wait_seconds = Counter(
            "safetybot_rate_limit_wait_seconds",
            "Seconds spent waiting because a platform asked us to slow down, by platform.",
            ["platform"],
            registry=registry,
        )
        self.scheduler_tick_seconds = Histogram(
            "safetybot_scheduler_tick_seconds",
            "Duration of one clock round, by job.",
            ["job"],
            buckets=TICK_BUCKETS,
            registry=registry,
        )
        self.database_up = Gauge(
            "safetybot_database_up",
            "1 while the database answers, 0 while it is unreachable.",
            registry=registry,
        )
        self.database_unavailable = Counter(
            "safetybot_database_unavailable",
            "Times an operation found the database unreachable.",
            registry=registry,
        )
        self._start_known_series()

    def _start_known_series(self) -> None:
        """Create every known label combination at zero, so rates and alerts work from the first scrape."""
        for platform in PLATFORMS:
            for kind in UPDATE_KINDS:
                self.updates.labels(platform, kind)
            self.replies.labels(platform)
            for outcome in DELIVERY_OUTCOMES:
                self.deliveries.labels(platform, outcome)
            self.rate_limited.labels(platform)
            self.rate_limit_wait_seconds.labels(platform)
        for kind in ANSWER_KINDS:
            self.answers.labels(kind)
        for level in CRISIS_LEVELS:
            self.crisis.labels(level)
        for job in SCHEDULER_JOBS:
            self.scheduler_tick_seconds.labels(job)

    def _known(self, label: str, value: object, allowed: Iterable[str]) -> str:
        """``value`` as a label value when it is in ``allowed``, else ``other`` (logged once per label)."""
        text = str(value)
        if text in allowed:
            return text
        if label not in self._warned:
            self._warned.add(label)
            # Never the value itself: it may be exactly what must not be exposed (an id, some text).
            _log.warning("metrics: a value outside the known %s values was counted as %r", label, OTHER)
        return OTHER

    def count_update(self, platform: str, kind: str) -> None:
        """One update received from a person: ``kind`` is text, command or button."""
        self.updates.labels(
            self._known("platform", platform, PLATFORMS), self._known("kind", kind, UPDATE_KINDS)
        ).inc()

    def count_reply(self, platform: str) -> None:
        """One reply sent in answer to an update."""
        self.replies.labels(self._known("platform", platform, PLATFORMS)).inc()

    def observe_answer(self, kind: str, seconds: float) -> None:
        """One question answered: what the engine chose and how long it took."""
        self.answers.labels(self._known("kind", kind, ANSWER_KINDS)).inc()
        self.answer_seconds.observe(seconds)

    def count_crisis(self, level: str) -> None:
        """One message answered with crisis resources: ``level`` is urgent or check_in."""
        self.crisis.labels(self._known("level", level, CRISIS_LEVELS)).inc()

    def count_flood_throttled(self) -> None:
        """One message dropped by the flood gate."""
        self.flood_throttled.inc()

    def count_delivery(self, platform: str, outcome: str) -> None:
        """One outbox delivery attempt: sent, retry, failed, gone or opted_out."""
        self.deliveries.labels(
            self._known("platform", platform, PLATFORMS), self._known("outcome", outcome, DELIVERY_OUTCOMES)
        ).inc()

    def count_rate_limited(self, platform: str, wait_seconds: float) -> None:
        """A platform asked us to slow down and we waited ``wait_seconds``."""
        known = self._known("platform", platform, PLATFORMS)
        self.rate_limited.labels(known).inc()
        if wait_seconds > 0:
            self.rate_limit_wait_seconds.labels(known).inc(wait_seconds)

    def observe_tick(self, job: str, seconds: float) -> None:
        """One clock round of ``job`` (an APScheduler job id of the runner) took ``seconds``."""
        self.scheduler_tick_seconds.labels(self._known("job", job, SCHEDULER_JOBS)).observe(seconds)

    def set_database_up(self, up: bool) -> None:
        """Record whether the database answers (set it after the first connection, then on each change)."""
        self.database_up.set(1 if up else 0)

    def count_database_unavailable(self) -> None:
        """An operation found the database unreachable; also marks it down."""
        self.database_unavailable.inc()
        self.database_up.set(0)

    def watch_outbox(self, probe: OutboxProbe) -> None:
        """Expose ``safetybot_outbox_depth`` and ``safetybot_outbox_oldest_due_seconds`` from ``probe``.

        Args:
            probe: called at each scrape; returns (depth, seconds since the oldest due delivery was due)
                or None when not measured yet. It must not block (see the module docstring).

        Raises:
            ValueError: when the outbox is already watched on this registry.
        """
        self.registry.register(_OutboxCollector(probe))

    def watch_campaigns(self, probe: CampaignProbe) -> None:
        """Expose ``safetybot_campaign_deliveries{state}`` over active campaigns from ``probe``.

        One series per state (queued, sent, failed), summed over every active campaign: never one
        series per campaign, whose number would only grow.

        Args:
            probe: called at each scrape; returns a count per state, or None when not measured yet.

        Raises:
            ValueError: when campaigns are already watched on this registry.
        """
        self.registry.register(_CampaignCollector(probe))


class _OutboxCollector:
    """Reads the outbox snapshot at scrape time."""

    def __init__(self, probe: OutboxProbe) -> None:
        self._probe = probe

    @staticmethod
    def _families() -> tuple[GaugeMetricFamily, GaugeMetricFamily]:
        return (
            GaugeMetricFamily("safetybot_outbox_depth", "Deliveries due and not yet sent."),
            GaugeMetricFamily(
                "safetybot_outbox_oldest_due_seconds",
                "Seconds since the oldest delivery that is due and not yet sent was due (0 when none).",
            ),
        )

    def describe(self) -> Iterator[Metric]:
        yield from self._families()

    def collect(self) -> Iterator[Metric]:
        try:
            snapshot = self._probe()
        except Exception as error:  # a failing probe must not break the whole scrape
            _log.warning("metrics: the outbox probe failed (%s)", type(error).__name__)
            return
        if snapshot is None:
            return
        depth, oldest = snapshot
        depth_family, oldest_family = self._families()
        depth_family.add_metric([], float(depth))
        oldest_family.add_metric([], max(0.0, float(oldest)))
        yield depth_family
        yield oldest_family


class _CampaignCollector:
    """Reads the active campaigns' delivery counts at scrape time."""

    def __init__(self, probe: CampaignProbe) -> None:
        self._probe = probe

    @staticmethod
    def _family() -> GaugeMetricFamily:
        return GaugeMetricFamily(
            "safetybot_campaign_deliveries",
            "Deliveries of active campaigns, by state (queued, sent, failed).",
            labels=["state"],
        )

    def describe(self) -> Iterator[Metric]:
        yield self._family()

    def collect(self) -> Iterator[Metric]:
        try:
            counts = self._probe()
        except Exception as error:  # a failing probe must not break the whole scrape
            _log.warning("metrics: the campaign probe failed (%s)", type(error).__name__)
            return
        if counts is None:
            return
        family = self._family()
        for state in CAMPAIGN_STATES:
            family.add_metric([state], float(counts.get(state, 0)))
        yield family


def render(registry: CollectorRegistry) -> tuple[bytes, str]:
    """The Prometheus text exposition of ``registry``: (body, content type) for a ``/metrics`` response.

    The content type is text format 0.0.4, the one every Prometheus version reads and the one
    prometheus-client itself answers with when a scraper does not negotiate (its ``CONTENT_TYPE_LATEST``,
    version 1.0.0, is only meant together with an ``escaping`` parameter the scraper asked for).
    """
    return generate_latest(registry), CONTENT_TYPE_PLAIN_0_0_4
