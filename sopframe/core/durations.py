"""Durations as templates write them: ``15m``, ``4h``, ``10d``, ``1h 30m``,
``12 months``, or ISO 8601 (``PT15M``, ``P1D``, ``P1Y``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = ["Duration", "parse_duration"]

_UNITS = {
    "s": ("seconds", 1), "sec": ("seconds", 1), "second": ("seconds", 1), "seconds": ("seconds", 1),
    "m": ("seconds", 60), "min": ("seconds", 60), "mins": ("seconds", 60),
    "minute": ("seconds", 60), "minutes": ("seconds", 60),
    "h": ("seconds", 3600), "hr": ("seconds", 3600), "hour": ("seconds", 3600), "hours": ("seconds", 3600),
    "d": ("seconds", 86400), "day": ("seconds", 86400), "days": ("seconds", 86400),
    "w": ("seconds", 604800), "week": ("seconds", 604800), "weeks": ("seconds", 604800),
    "mo": ("months", 1), "month": ("months", 1), "months": ("months", 1),
    "y": ("months", 12), "year": ("months", 12), "years": ("months", 12),
}
_PART = re.compile(r"(\d+)\s*([A-Za-z]+)")
_ISO = re.compile(
    r"^P(?:(?P<y>\d+)Y)?(?:(?P<mo>\d+)M)?(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?"
    r"(?:T(?:(?P<h>\d+)H)?(?:(?P<mi>\d+)M)?(?:(?P<s>\d+)S)?)?$"
)


@dataclass(frozen=True, order=True)
class Duration:
    """A calendar-aware duration: whole months plus seconds."""

    months: int = 0
    seconds: int = 0

    def add_to(self, when: datetime) -> datetime:
        """``when`` moved forward by this duration (months by the calendar)."""
        if self.months:
            y, m = divmod(when.month - 1 + self.months, 12)
            year, month = when.year + y, m + 1
            import calendar

            day = min(when.day, calendar.monthrange(year, month)[1])
            when = when.replace(year=year, month=month, day=day)
        return when + timedelta(seconds=self.seconds)

    def approx_days(self) -> float:
        """Length in days, counting a month as 30.44 days (for comparisons)."""
        return self.months * 30.436875 + self.seconds / 86400

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


#: the longest duration accepted: dates past it would overflow the calendar
MAX_YEARS = 100


def _checked(text: str, d: Duration) -> Duration:
    if d == Duration():
        raise ValueError(f"duration {text!r} is zero")
    if d.approx_days() > MAX_YEARS * 366:
        raise ValueError(f"duration {text!r} is longer than {MAX_YEARS} years")
    return d


def parse_duration(text: str) -> Duration:
    """Parse a duration; raise ``ValueError`` with a readable reason."""
    s = str(text).strip()
    if not s:
        raise ValueError("empty duration")
    iso = _ISO.match(s.upper()) if s[:1] in "Pp" else None
    if iso and any(iso.groupdict().values()):
        g = {k: int(v or 0) for k, v in iso.groupdict().items()}
        iso_duration = Duration(months=g["y"] * 12 + g["mo"],
                                seconds=g["w"] * 604800 + g["d"] * 86400 + g["h"] * 3600 + g["mi"] * 60 + g["s"])
        return _checked(s, iso_duration)
    pos, months, seconds, seen = 0, 0, 0, False
    for m in _PART.finditer(s):
        if s[pos:m.start()].strip(" ,") or m.group(2).lower() not in _UNITS:
            break
        kind, factor = _UNITS[m.group(2).lower()]
        if kind == "months":
            months += int(m.group(1)) * factor
        else:
            seconds += int(m.group(1)) * factor
        pos, seen = m.end(), True
    else:
        if seen and not s[pos:].strip():
            return _checked(s, Duration(months, seconds))
    raise ValueError(
        f"{s!r} is not a duration: write a number and a unit (15m, 4h, 10d, 2w, 12 months) or ISO 8601 (PT15M)"
    )
