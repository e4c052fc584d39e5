"""Where the engine's "now" comes from: always UTC, injectable for tests."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Callable

__all__ = ["Clock", "system_clock", "FixedClock", "to_text", "from_text", "describe_delta"]

#: a clock is any callable returning an aware UTC datetime
Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(timezone.utc)


class FixedClock:
    """A clock for tests: returns ``now`` until moved with :meth:`advance` or :meth:`set`."""

    def __init__(self, now: datetime | str = "2026-01-05T09:00:00+00:00") -> None:
        self.now = from_text(now) if isinstance(now, str) else now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> datetime:
        self.now = self.now + timedelta(**kw)
        return self.now

    def set(self, now: datetime | str) -> None:
        self.now = from_text(now) if isinstance(now, str) else now


def to_text(when: datetime) -> str:
    """Canonical UTC text of a time, to the microsecond: ``2026-01-05T09:00:00.000000Z``."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    # isoformat, not strftime: strftime("%Y") does not pad years before 1000 ("900-01-01"), which no reader parses
    return when.astimezone(timezone.utc).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def from_text(text: str) -> datetime:
    when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc)


def describe_delta(seconds: float) -> str:
    """``3d 4h`` for a span of time (rounded down to minutes; ``<1m`` for less than a minute, never ``0m``)."""
    seconds = int(abs(seconds))
    if seconds < 60:
        return "<1m"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = [f"{days}d"] if days else []
    parts += [f"{hours}h"] if hours else []
    parts += [f"{minutes}m"] if minutes and not days else []
    return " ".join(parts) or "0m"
