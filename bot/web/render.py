"""The dashboard's HTML: a Jinja2 environment with autoescape, the strings, filters and chart globals.

Every word a template shows comes from the strings file through ``t("dashboard.<key>", **params)``;
values (campaign names, counts, dates) are filled in as parameters and escaped like everything else.
Numbers, dates and durations are written with patterns from the same file, so another language's file
changes them too.

Template helpers, besides ``t``:

- filters: ``people`` (a count of people: ``"< 5"`` below 5), ``number`` (thousands separators),
  ``percent(whole)``, ``short_date``, ``moment`` (date and time with its zone), ``duration``,
  ``schedule_text``, ``language_name``, ``platform_name``, ``relabel(prefix)`` (a mapping's keys as
  strings), ``audience_labels`` (``"telegram:en"`` keys as "Telegram · English"), ``markup`` (the bot's
  markup as safe HTML);
- tests: ``few`` (a count of people below 5);
- globals: ``line_chart``, ``bar_chart``, ``progress_bar`` (SVG from :mod:`bot.web.charts`),
  ``preview_parts(text, platform)`` (a message as the platform's messages), ``csrf_input(token)``,
  ``base`` (the dashboard's path) and ``static`` (the static files' path).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Undefined
from markupsafe import Markup

from bot.core.markup import split_paragraphs
from bot.web import charts, svg
from bot.web.markup_html import markup_html
from bot.web.strings import Lenient, MissingString

_log = logging.getLogger(__name__)

PEOPLE_THRESHOLD = 5
"""A count of people below this is shown as "< 5" (privacy: no small groups can be singled out)."""
CSRF_FIELD = "csrf"
"""The form field that carries the session's CSRF token."""
SUBSCRIBER_ZONE = "subscriber"
"""A campaign schedule's zone meaning "each chat's own zone" (as in campaign files)."""
DEFAULT_MESSAGE_LIMITS: Mapping[str, int] = {"telegram": 3500, "discord": 1700}
"""Where each platform's adapter splits a long message (its ``_SPLIT_AT``); previews split the same way."""
TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"


def _get(source: object, *names: str) -> Any:
    """The first of ``names`` found as a key (mappings) or an attribute (objects), else None."""
    for name in names:
        if isinstance(source, Mapping):
            if name in source:
                return source[name]
        elif hasattr(source, name):
            return getattr(source, name)
    return None


class Renderer:
    """Renders the dashboard's templates with the strings of one language.

    Args:
        templates_dir: The folder of templates (``TEMPLATES_DIR``).
        strings: Key -> text (``load_strings(STRINGS_FILE)`` from :mod:`bot.web.strings`); ``{name}``
            placeholders are filled from ``t()``'s parameters (write ``{{`` and ``}}`` for literal braces).
        strict: Raise on a missing string key, a missing placeholder parameter or an undefined template
            variable (tests, development). When False, a missing key shows the key itself and is logged,
            and undefined variables render empty.
        base_path: The dashboard's URL prefix, used by every link and form.
        static_path: Where the static files are served (``style.css``, ``htmx.min.js``).
        message_limits: Platform -> the length at which its adapter splits a message, for previews.
    """

    def __init__(
        self,
        templates_dir: Path | str,
        strings: Mapping[str, str],
        *,
        strict: bool = True,
        base_path: str = "/dashboard",
        static_path: str = "/static",
        message_limits: Mapping[str, int] = DEFAULT_MESSAGE_LIMITS,
    ) -> None:
        self.strings = dict(strings)
        self.strict = strict
        self.message_limits = dict(message_limits)
        self.environment = Environment(
            loader=FileSystemLoader(str(templates_dir)),
            autoescape=True,
            undefined=StrictUndefined if strict else Undefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self.environment.globals.update(
            t=self.t,
            base=base_path.rstrip("/"),
            static=static_path.rstrip("/"),
            line_chart=self.line_chart,
            bar_chart=self.bar_chart,
            progress_bar=self.progress_bar,
            preview_parts=self.preview_parts,
            csrf_input=self.csrf_input,
        )
        self.environment.filters.update(
            people=self.people,
            number=self.number,
            percent=self.percent,
            short_date=self.short_date,
            moment=self.moment,
            duration=self.duration,
            schedule_text=self.schedule_text,
            language_name=self.language_name,
            platform_name=self.platform_name,
            relabel=self.relabel,
            audience_labels=self.audience_labels,
            markup=markup_html,
        )
        self.environment.tests["few"] = self.few

    # strings

    def has(self, key: str) -> bool:
        """Whether the strings have ``key``."""
        return key in self.strings

    def t(self, key: str, /, **params: object) -> str:
        """The text of ``key`` with its ``{placeholders}`` filled from ``params`` (escaped by the template).

        Raises:
            MissingString: In strict mode, when the key is missing.
            KeyError: In strict mode, when a placeholder has no parameter.
        """
        template = self.strings.get(key)
        if template is None:
            if self.strict:
                raise MissingString(key)
            _log.warning("dashboard string %r is missing", key)
            return key
        if "{" not in template and "}" not in template:
            return template
        if self.strict:
            try:
                return template.format_map(params)
            except KeyError as error:
                raise KeyError(f"dashboard string {key!r} needs the parameter {error}") from None
        return template.format_map(Lenient(params))

    def _name(self, key: str, fallback: str) -> str:
        return self.strings.get(key, fallback)

    # filters and tests

    def number(self, value: float | None, digits: int | None = None) -> str:
        """A number with the strings' group and decimal separators (``1,234`` or ``1,234.5``).

        Args:
            value: The number (None shows the strings' "no value" mark).
            digits: Decimals to show; by default none for whole numbers and up to two otherwise.
        """
        if value is None or (isinstance(value, float) and not math.isfinite(value)):
            return self.t("dashboard.value.none")
        text = svg.format_value(value) if digits is None else f"{value:,.{digits}f}"
        group = self._name("dashboard.number.group_separator", ",")
        decimal = self._name("dashboard.number.decimal_separator", ".")
        return text.replace(",", "\0").replace(".", decimal).replace("\0", group)

    def few(self, value: float | None) -> bool:
        """Whether a count of people is below the privacy threshold (None counts as few)."""
        return value is None or value < PEOPLE_THRESHOLD

    def people(self, value: float | None) -> str:
        """A count of people for a table cell: ``"< 5"`` below 5 (0 included), else the number."""
        if self.few(value):
            return self.t("dashboard.people.few", threshold=PEOPLE_THRESHOLD)
        return self.number(value)

    def percent(self, part: float | None, whole: float | None) -> str:
        """``part`` of ``whole`` as a rounded percentage, or the "no value" mark when ``whole`` is 0."""
        if part is None or not whole:
            return self.t("dashboard.value.none")
        return self.t("dashboard.number.percent", value=self.number(round(100 * part / whole)))

    def short_date(self, day: date) -> str:
        """A day and month (``Feb 6``), from the strings' month names."""
        return self.t("dashboard.date.short", day=day.day, month=self.t(f"dashboard.month.{day.month}"))

    def moment(self, when: datetime | date | None) -> str:
        """A date, or a date and time with its zone when it has one (``Feb 6, 2027, 09:00 UTC``)."""
        if when is None:
            return self.t("dashboard.value.none")
        month = self.t(f"dashboard.month.{when.month}")
        if not isinstance(when, datetime):
            return self.t("dashboard.date.day", day=when.day, month=month, year=when.year)
        zone = when.tzname() or ""
        clock = f"{when:%H:%M}"
        text = self.t(
            "dashboard.date.moment", day=when.day, month=month, year=when.year, time=clock, zone=zone
        )
        return text.strip()

    def duration(self, span: timedelta | float | None) -> str:
        """A rounded duration (``45 s``, ``12 min``, ``2 h 5 min``, ``3 d 4 h``) from timedelta or seconds."""
        if span is None:
            return self.t("dashboard.value.none")
        seconds = span.total_seconds() if isinstance(span, timedelta) else float(span)
        seconds = max(0, round(seconds))
        if seconds < 60:
            return self.t("dashboard.duration.seconds", seconds=seconds)
        minutes = round(seconds / 60)
        if minutes < 60:
            return self.t("dashboard.duration.minutes", minutes=minutes)
        if minutes < 24 * 60:
            return self.t("dashboard.duration.hours", hours=minutes // 60, minutes=minutes % 60)
        hours = round(minutes / 60)
        return self.t("dashboard.duration.days", days=hours // 24, hours=hours % 24)

    def _local(self, value: object) -> str:
        """A local date or date-time of a schedule, written without a zone."""
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value) if len(value) > 10 else date.fromisoformat(value)
            except ValueError:
                return value
        if isinstance(value, datetime):
            return self.moment(value.replace(tzinfo=None))
        if isinstance(value, date):
            return self.moment(value)
        if isinstance(value, time):
            return f"{value:%H:%M}"
        return str(value)

    def schedule_text(self, schedule: object) -> str:
        """A campaign's schedule in words: once at a moment, or every day at a time between two days.

        Args:
            schedule: A mapping or object with ``at`` (a local datetime, or None), ``daily`` (with
                ``time`` and ``from``/``first_day`` and ``to``/``last_day``, or None) and ``timezone``
                (a zone name or ``"subscriber"``), as in a campaign file or its stored spec.
        """
        zone_name = _get(schedule, "timezone") or SUBSCRIBER_ZONE
        zone = str(zone_name)
        if zone_name == SUBSCRIBER_ZONE:
            zone = self.t("dashboard.schedule.subscriber_zone")
        at = _get(schedule, "at")
        if at is not None:
            return self.t("dashboard.schedule.once", when=self._local(at), zone=zone)
        daily = _get(schedule, "daily")
        if daily is None:
            return self.t("dashboard.value.none")
        return self.t(
            "dashboard.schedule.daily",
            time=self._local(_get(daily, "time")),
            first=self._local(_get(daily, "first_day", "from")),
            last=self._local(_get(daily, "last_day", "to")),
            zone=zone,
        )

    def language_name(self, code: str) -> str:
        """A language's name from the strings (``dashboard.language.<code>``), else the code."""
        return self._name(f"dashboard.language.{code}", str(code))

    def platform_name(self, code: str) -> str:
        """A platform's name from the strings (``dashboard.platform.<code>``), else the code."""
        return self._name(f"dashboard.platform.{code}", str(code))

    def relabel(self, mapping: Mapping[str, Any], prefix: str) -> dict[str, Any]:
        """The mapping with each key replaced by the string ``prefix + key`` (e.g. outcome names)."""
        return {self.t(f"{prefix}{key}"): value for key, value in mapping.items()}

    def audience_labels(self, mapping: Mapping[str, Any]) -> dict[str, Any]:
        """The mapping with ``"platform:language"`` keys written as names ("Telegram · English")."""
        out: dict[str, Any] = {}
        for key, value in mapping.items():
            platform, _, language = str(key).partition(":")
            name = self.platform_name(platform)
            if language:
                name = self.t("dashboard.audience.pair", platform=name, language=self.language_name(language))
            out[name] = value
        return out

    # globals

    def csrf_input(self, token: str) -> Markup:
        """The hidden form field carrying the CSRF token."""
        return Markup('<input type="hidden" name="{}" value="{}">').format(CSRF_FIELD, token)

    def preview_parts(self, text: str, platform: str) -> list[Markup]:
        """A message as the platform will show it: split where its adapter splits, each part as HTML."""
        limit = self.message_limits.get(platform)
        parts = split_paragraphs(text, limit) if limit else [text]
        return [markup_html(part) for part in parts]

    def line_chart(self, series: Mapping[str, charts.Points], *, title: str, **options: Any) -> Markup:
        """:func:`bot.web.charts.line_chart` with this language's dates and numbers."""
        options.setdefault("date_label", self.short_date)
        options.setdefault("value_label", self.number)
        return Markup(charts.line_chart(series, title=title, **options))

    def bar_chart(
        self, days: Sequence[date], stacks: Mapping[str, Sequence[float]], *, title: str, **options: Any
    ) -> Markup:
        """:func:`bot.web.charts.bar_chart` with this language's dates and numbers."""
        options.setdefault("date_label", self.short_date)
        options.setdefault("value_label", self.number)
        return Markup(charts.bar_chart(days, stacks, title=title, **options))

    def progress_bar(self, done: int, total: int, *, label: str, **options: Any) -> Markup:
        """:func:`bot.web.charts.progress_bar` with this language's numbers."""
        options.setdefault("value_label", self.number)
        return Markup(charts.progress_bar(done, total, label=label, **options))

    # rendering

    def render(self, name: str, /, **context: object) -> str:
        """The template ``name`` rendered with ``context`` (see the comment atop each template)."""
        return self.environment.get_template(name).render(**context)
