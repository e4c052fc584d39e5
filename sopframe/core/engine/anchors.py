"""Anchored deadlines and comparisons across fields.

An SLA with ``from:`` runs from the date or time recorded in that field
(a leaver's last working day, when a finding was discovered) instead of from
entering the stage.  A gate may compare a field with another field plus or
minus a duration (``at_most: {field: notified.last_day, plus: 1d}``).

Times are calendar-true (:mod:`sopframe.core.durations`): ``+1 months``
from 31 January is the last day of February.  A date stands for the start
of that day, UTC; a time written without a zone is UTC.
"""

from __future__ import annotations

from datetime import date, datetime, time, timezone
from typing import TYPE_CHECKING, Any

from sopframe.core.durations import Duration, parse_duration

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.engine.command import Loaded
    from sopframe.core.engine.state import JobState
    from sopframe.core.model import Condition, Stage

__all__ = ["as_time", "shifted", "anchor_time", "other_value"]

TIMES = ("date", "datetime")


def as_time(value: Any) -> datetime | None:
    """A date (its start, UTC) or a time (UTC when it has no zone) as an aware datetime."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, date):
        return datetime.combine(value, time(0), tzinfo=timezone.utc)
    return None


def shifted(value: Any, offset: str | None) -> Any:
    """``value`` moved by a signed duration (``+1d``, ``-2h``); dates stay dates for whole days."""
    if not offset:
        return value
    d = parse_duration(offset[1:])
    if offset.startswith("-"):
        d = Duration(months=-d.months, seconds=-d.seconds)
    when = as_time(value)
    if when is None:
        raise ValueError(f"cannot add a duration to {value!r}")
    moved = d.add_to(when)
    if not isinstance(value, datetime) and d.seconds % 86400 == 0:
        return moved.date()
    return moved


def anchor_time(loaded: "Loaded", state: "JobState", st: "Stage") -> datetime | None:
    """When an anchored SLA starts: the recorded date or time of its ``from:`` field (None if not recorded)."""
    if st.sla is None or not st.sla.anchor:
        return None
    from sopframe.core.engine.gates import value_of

    _f, value = value_of(loaded, state, st, st.sla.anchor)
    return as_time(value)


def other_value(loaded: "Loaded", state: "JobState", st: "Stage", cond: "Condition") -> tuple[bool, Any]:
    """The value a condition compares with: (found, value), the other field's value moved by the offset."""
    from sopframe.core.engine.gates import value_of

    f, value = value_of(loaded, state, st, cond.other or "")
    if f is None or value is None:
        return False, None
    return True, shifted(value, cond.offset)


def comparable(a: Any, b: Any) -> tuple[Any, Any]:
    """Two values made comparable: a date with a time compares as the start of that day."""
    if isinstance(a, datetime) != isinstance(b, datetime) and isinstance(a, date) and isinstance(b, date):
        return as_time(a), as_time(b)
    if isinstance(a, Duration) and isinstance(b, Duration):
        return a.approx_days(), b.approx_days()
    return a, b
