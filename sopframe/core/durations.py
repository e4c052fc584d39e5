"""Durations as templates write them: ``15m``, ``4h``, ``10d``, ``1h 30m``,
``12 months``, or ISO 8601 (``PT15M``, ``P1D``, ``P1Y``).

Two readings:

- :func:`parse_duration` reads a time limit (an SLA): ``m`` is minutes.
- :func:`parse_interval` reads how often something recurs or how long it is
  kept (``compliance.runs_every``, a retention period).  There ``m`` is
  refused, because "every 3m" is as often read as three months as three
  minutes; and the words real procedures use have an exact calendar meaning:
  ``daily`` (1 day), ``weekly`` (1 week), ``fortnightly`` (2 weeks),
  ``monthly`` (1 month), ``quarterly`` (3 months), ``semiannually`` /
  ``semi-annually`` / ``half-yearly`` (6 months), ``annually`` / ``yearly``
  (12 months).  ``biweekly``, ``bimonthly`` and ``biannually`` mean either
  twice per period or every two periods, so they are refused with a hint.

Comparing durations (:func:`within`) is calendar-true: a month is not a
fixed number of days, so ``30d`` is *not* within one month (from 1 February
it runs past 1 March), ``28d`` is; ``365d`` is within a year, ``366d`` is
not.  A duration written in calendar units compares exactly with one written
in the same units.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import MAXYEAR, MINYEAR, datetime, timedelta
from functools import lru_cache

__all__ = ["Duration", "DurationError", "parse_duration", "parse_interval", "within", "calendar_hint",
           "INTERVAL_WORDS", "INTERVAL_PATTERN"]

_UNITS = {
    "s": ("seconds", 1), "sec": ("seconds", 1), "second": ("seconds", 1), "seconds": ("seconds", 1),
    "m": ("seconds", 60), "min": ("seconds", 60), "mins": ("seconds", 60),
    "minute": ("seconds", 60), "minutes": ("seconds", 60),
    "h": ("seconds", 3600), "hr": ("seconds", 3600), "hour": ("seconds", 3600), "hours": ("seconds", 3600),
    "d": ("seconds", 86400), "day": ("seconds", 86400), "days": ("seconds", 86400),
    "w": ("seconds", 604800), "week": ("seconds", 604800), "weeks": ("seconds", 604800),
    "mo": ("months", 1), "month": ("months", 1), "months": ("months", 1),
    "quarter": ("months", 3), "quarters": ("months", 3),
    "y": ("months", 12), "year": ("months", 12), "years": ("months", 12),
}
_PART = re.compile(r"([0-9]+)\s*([A-Za-z]+)")
_ISO = re.compile(
    r"^P(?:(?P<y>[0-9]+)Y)?(?:(?P<mo>[0-9]+)M)?(?:(?P<w>[0-9]+)W)?(?:(?P<d>[0-9]+)D)?"
    r"(?:T(?=[0-9])(?:(?P<h>[0-9]+)H)?(?:(?P<mi>[0-9]+)M)?(?:(?P<s>[0-9]+)S)?)?$"  # T only before a time part
)

#: the words an interval may be written as, and what each means exactly
INTERVAL_WORDS: dict[str, str] = {
    "daily": "1d", "weekly": "1w", "fortnightly": "2w", "monthly": "1 month", "quarterly": "3 months",
    "semiannually": "6 months", "semi-annually": "6 months", "half-yearly": "6 months",
    "annually": "12 months", "yearly": "12 months",
}
#: words refused because they are read two ways
_AMBIGUOUS = {
    "biweekly": "write `2w` (every two weeks) or `3d` (about twice a week)",
    "bimonthly": "write `2 months` (every two months) or `2w` (about twice a month)",
    "biannually": "write `6 months` (twice a year) or `2 years` (every two years)",
}

#: units an interval accepts (``m`` is refused: minutes or months?)
_INTERVAL_UNITS = sorted((u for u in _UNITS if u != "m"), key=len, reverse=True)


def _any_case(word: str) -> str:
    """``word`` as a regular expression matching it in any case, without inline flags:
    ``(?i:...)`` is Python's, and JSON Schema validators (ECMA-262 regular expressions) refuse it."""
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else re.escape(c) for c in word)


def _alternatives(words: Iterable[str]) -> str:
    return "|".join(_any_case(w) for w in sorted(words, key=len, reverse=True))


#: a JSON Schema ``pattern`` for what :func:`parse_interval` reads (any case; zero is refused by the parser)
INTERVAL_PATTERN = (
    r"^\s*(?:(?:" + _alternatives(INTERVAL_WORDS) + r")"
    r"|(?:[0-9]+\s*(?:" + _alternatives(_INTERVAL_UNITS) + r")(?![A-Za-z])[\s,]*)+"
    r"|[Pp](?:[0-9]+[YyMmWwDd])*(?:[Tt](?:[0-9]+[HhMmSs])+)?)\s*$"
)


class DurationError(ValueError):
    """A duration or interval that cannot be read; ``hint`` says how to write it."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


def _out_of_range(when: datetime, by: str) -> ValueError:
    """A date moved past the years a date can hold: a ValueError, like any bad date (callers report or skip it)."""
    return ValueError(f"{when.date().isoformat()} moved by {by} falls outside the years {MINYEAR}-{MAXYEAR}")


@dataclass(frozen=True, order=True)
class Duration:
    """A calendar-aware duration: whole months plus seconds."""

    months: int = 0
    seconds: int = 0

    def add_to(self, when: datetime) -> datetime:
        """``when`` moved forward by this duration (months by the calendar)."""
        if self.months:
            import calendar  # month arithmetic only: most durations are whole days or hours

            y, m = divmod(when.month - 1 + self.months, 12)
            year, month = when.year + y, m + 1
            if not MINYEAR <= year <= MAXYEAR:
                raise _out_of_range(when, f"{self.months} months")
            day = min(when.day, calendar.monthrange(year, month)[1])
            when = when.replace(year=year, month=month, day=day)
        try:
            return when + timedelta(seconds=self.seconds)
        except OverflowError:
            raise _out_of_range(when, f"{self.seconds} seconds") from None

    def deadline_from(self, when: datetime) -> datetime:
        """:meth:`add_to`, except that a deadline past the year 9999 (counted from a date written as 9999-12-31,
        a common "never") is the last moment a date can hold: a deadline never reached."""
        try:
            return self.add_to(when)
        except ValueError:
            return datetime.max.replace(tzinfo=when.tzinfo)

    def approx_days(self) -> float:
        """Length in days, counting a month as 30.44 days (for ordering values; limits use :func:`within`)."""
        return self.months * 30.436875 + self.seconds / 86400

    def shortest_seconds(self) -> int:
        """The fewest seconds this duration spans, whatever the start date."""
        return _month_span(self.months)[0] + self.seconds

    def longest_seconds(self) -> int:
        """The most seconds this duration spans, whatever the start date."""
        return _month_span(self.months)[1] + self.seconds

    def __str__(self) -> str:
        parts = []
        if self.months:
            y, m = divmod(self.months, 12)
            parts += [f"{y}y"] if y else []
            parts += [f"{m}mo"] if m else []
        rest = self.seconds
        for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
            n, rest = divmod(rest, size)
            if n:
                parts.append(f"{n}{unit}")
        return " ".join(parts) or "0m"


@lru_cache(maxsize=256)
def _month_span(months: int) -> tuple[int, int]:
    """(shortest, longest) seconds that ``months`` calendar months span, over every start day of a leap cycle."""
    if not months:
        return 0, 0
    import calendar

    cycles, rest = divmod(months, 48)  # 48 months hold one leap day in the years this looks at
    spans = []
    step = Duration(months=rest or 48)
    for year in range(2021, 2025):
        for month in range(1, 13):
            for day in (1, 28, 29, 30, 31):
                if day > calendar.monthrange(year, month)[1]:
                    continue
                start = datetime(year, month, day)
                spans.append(int((step.add_to(start) - start).total_seconds()))
    whole = (4 * 365 + 1) * 86400
    if rest:
        return min(spans) + cycles * whole, max(spans) + cycles * whole
    return min(spans) + (cycles - 1) * whole, max(spans) + (cycles - 1) * whole


def within(value: Duration, limit: Duration) -> bool:
    """Whether ``value`` is no longer than ``limit`` from every start date (calendar-true).

    ``30d`` is not within ``1 month`` (February is shorter); ``28d`` is.
    ``1 month`` is within ``31d`` but not within ``30d``.
    """
    if value.months <= limit.months:
        return value.seconds <= limit.seconds + _month_span(limit.months - value.months)[0]
    return value.seconds + _month_span(value.months - limit.months)[1] <= limit.seconds


def calendar_hint(value: Duration, limit: Duration) -> str:
    """How to write ``value`` so that it fits ``limit`` when it only misses by the calendar, else ""."""
    if limit.months and not limit.seconds and not value.months and not within(value, limit) \
            and value.seconds <= limit.longest_seconds():
        n = limit.months
        unit = f"{n // 12} year{'s' if n > 12 else ''}" if n % 12 == 0 else f"{n} month{'s' if n > 1 else ''}"
        days = limit.shortest_seconds() // 86400
        return (f"counted in days or weeks, {unit} is only {days} days from every start date (the shortest "
                f"calendar period); write `{unit}` to mean the calendar period")
    return ""


#: the longest duration accepted: dates past it would overflow the calendar
MAX_YEARS = 100


def _checked(text: str, d: Duration) -> Duration:
    if d == Duration():
        raise DurationError(f"duration {text!r} is zero", "a limit or interval must be longer than zero")
    # whole numbers first: a count with hundreds of digits is too large for the float of approx_days
    if d.months > MAX_YEARS * 12 or d.seconds > MAX_YEARS * 366 * 86400 or d.approx_days() > MAX_YEARS * 366:
        raise DurationError(f"duration {text!r} is longer than {MAX_YEARS} years")
    return d


def _count(text: str, digits: str) -> int:
    """A number of units; more digits than any duration up to :data:`MAX_YEARS` needs is refused before ``int``
    (which refuses thousands of digits with a message about Python)."""
    if len(digits.lstrip("0")) > 12:
        raise DurationError(f"duration {text!r} is longer than {MAX_YEARS} years")
    return int(digits)


def _parse(s: str, interval: bool) -> Duration:
    iso = _ISO.match(s.upper()) if s[:1] in "Pp" else None
    if iso and any(iso.groupdict().values()):
        g = {k: _count(s, v or "0") for k, v in iso.groupdict().items()}
        iso_duration = Duration(months=g["y"] * 12 + g["mo"],
                                seconds=g["w"] * 604800 + g["d"] * 86400 + g["h"] * 3600 + g["mi"] * 60 + g["s"])
        return _checked(s, iso_duration)
    pos, months, seconds, seen = 0, 0, 0, False
    for m in _PART.finditer(s):
        unit = m.group(2).lower()
        if s[pos:m.start()].strip(" ,") or unit not in _UNITS:
            break
        if interval and unit == "m":
            raise DurationError(
                f"{s!r} is ambiguous: `m` could mean minutes or months",
                f"write `{m.group(1)} months` (or `{m.group(1)}mo`) for months, `{m.group(1)}min` for minutes")
        kind, factor = _UNITS[unit]
        if kind == "months":
            months += _count(s, m.group(1)) * factor
        else:
            seconds += _count(s, m.group(1)) * factor
        pos, seen = m.end(), True
    else:
        if seen and not s[pos:].strip():
            return _checked(s, Duration(months, seconds))
    if re.fullmatch(r"P[0-9YMWD]*T", s.upper()):
        left_out = f", or left out ({s[:-1]})" if len(s) > 2 else ""
        raise DurationError(f"{s!r} is not a duration", "in ISO 8601 a `T` must be followed by a time part: "
                            f"hours, minutes or seconds ({s}1H){left_out}")
    words = f", or a word ({', '.join(INTERVAL_WORDS)})" if interval else ""
    raise DurationError(
        f"{s!r} is not a duration",
        f"write a number and a unit (15m, 4h, 10d, 2w, 12 months) or ISO 8601 (PT15M){words}"
        if not interval else f"write a number and a unit (1d, 2w, 3 months, 1 year) or ISO 8601 (P3M){words}")


@lru_cache(maxsize=256)
def _limit(s: str) -> Duration:
    """A time limit's duration (kept: every command works out the SLAs of a job's open stages from their text)."""
    return _parse(s, interval=False)


def parse_duration(text: str) -> Duration:
    """Parse a time limit; raise :class:`DurationError` (a ``ValueError``) with a readable reason."""
    s = str(text).strip()
    if not s:
        raise DurationError("empty duration")
    try:
        return _limit(s)
    except DurationError as exc:
        raise DurationError(f"{exc}: {exc.hint}" if exc.hint and "not a duration" in str(exc) else str(exc),
                            exc.hint) from None


def parse_interval(text: str) -> Duration:
    """Parse how often something recurs or how long it is kept (``m`` refused, words allowed)."""
    s = str(text).strip()
    if not s:
        raise DurationError("empty interval", "write an interval such as `3 months` or `quarterly`")
    word = s.lower()
    if word in INTERVAL_WORDS:
        return parse_duration(INTERVAL_WORDS[word])
    if word in _AMBIGUOUS:
        raise DurationError(f"{s!r} is ambiguous", _AMBIGUOUS[word])
    return _parse(s, interval=True)
