"""The bottleneck report's figures: a pure function of stage visits and "now".

Input is the ``stage_visits`` read model (:class:`~sopframe.core.readmodel.StageVisit`);
nothing here reads events or templates.  Every measure is defined in
docs/reports.md; in short, for the visits of a group (a stage, an owner
role or a person):

* queue time: entered -> first action (visits someone acted on);
* work time: first action -> completed (completed visits);
* median (the middle value, or the mean of the two middle values), p90 (the
  nearest-rank 90th percentile: the value at rank ceil(0.9 n)) and max;
* SLA breach rate: breached / decided visits with an SLA (decided: closed,
  or open past the deadline; breached: a breach was recorded, or it closed
  or is still open after the deadline);
* rework: visits sent back (rejected), and their share of the visits a
  person ended (completed or rejected);
* work in progress: open visits, with their age (entered -> now);
* throughput: visits completed in the window, per week of the window.

A stage is a stage node of a template: a sub-job's stages are named by
their path (``components/classification/training``), so the same stage id
in two sub-jobs stays two rows.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterable, Sequence

from sopframe.core.readmodel import StageVisit

__all__ = ["Spread", "Measures", "Group", "Bottleneck", "BottleneckReport", "compute", "spread", "NOBODY",
           "human_span", "AGE_BANDS"]

#: the person of a visit nobody has acted on yet
NOBODY = "(nobody yet)"
_WEEK = 7 * 86400.0


@dataclass(frozen=True)
class Spread:
    """Median, 90th percentile (nearest rank) and maximum of ``count`` durations, in seconds (None if none)."""

    count: int
    median: float | None
    p90: float | None
    max: float | None


@dataclass(frozen=True)
class Measures:
    visits: int
    queue: Spread
    work: Spread
    sla_decided: int
    sla_breached: int
    breach_rate: float | None
    #: the SLA's length (median of deadline - entered over the visits with one), seconds
    sla_seconds: float | None
    ended: int
    rejected: int
    rework_rate: float | None
    wip: int
    wip_age: Spread
    completed: int
    per_week: float
    #: the time the group held jobs: each visit's entered -> closed (or now), summed
    held_seconds: float


@dataclass(frozen=True)
class Group:
    """One row of a table: ``scope`` is ``stage``, ``role`` or ``person``."""

    scope: str
    name: str
    template: str | None
    owner: str | None
    measures: Measures


@dataclass(frozen=True)
class Bottleneck:
    stage: str
    template: str
    sentence: str


@dataclass(frozen=True)
class BottleneckReport:
    generated_at: str
    since: str | None
    template: str | None
    window_start: str | None
    weeks: float
    visits: int
    jobs: int
    bottlenecks: tuple[Bottleneck, ...]
    stages: tuple[Group, ...]
    roles: tuple[Group, ...]
    people: tuple[Group, ...]
    #: (Monday of the ISO week, visits completed that week) from the window's first week to now's
    weekly: tuple[tuple[str, int], ...]
    #: (age band, open visits of that age now), for every band of :data:`AGE_BANDS`
    wip_ages: tuple[tuple[str, int], ...] = ()


#: the WIP ageing bands: (label, upper bound in seconds; None for the last)
AGE_BANDS: tuple[tuple[str, float | None], ...] = (
    ("under 1 day", 86400.0), ("1-3 days", 3 * 86400.0), ("3-7 days", 7 * 86400.0), ("1-2 weeks", 14 * 86400.0),
    ("2-4 weeks", 28 * 86400.0), ("4 weeks or more", None))


_BAND_UPPERS = [upper for _label, upper in AGE_BANDS[:-1]]


def _band(age: float) -> int:
    """The index of the age band ``age`` (seconds) falls in."""
    for i, upper in enumerate(_BAND_UPPERS):
        if age < upper:  # type: ignore[operator]
            return i
    return len(_BAND_UPPERS)


def spread(values: Sequence[float]) -> Spread:
    """The :class:`Spread` of durations (seconds)."""
    n = len(values)
    if not n:
        return Spread(0, None, None, None)
    v = sorted(values)
    mid = n // 2
    median = v[mid] if n % 2 else (v[mid - 1] + v[mid]) / 2
    return Spread(n, median, v[max(0, math.ceil(0.9 * n) - 1)], v[-1])


def _secs(text: str) -> float:
    """Seconds since the epoch of UTC text (event times end in Z; a bare date or time is UTC too)."""
    when = datetime.fromisoformat(text)
    return (when if when.tzinfo else when.replace(tzinfo=timezone.utc)).timestamp()


# one visit's figures, as compute() derives them once (indexes into the tuple)
_STAGE, _OWNER, _ROLE, _PERSON, _QUEUE, _WORK, _SLA, _DECIDED, _BREACHED, _ENDED, _REJECTED, _AGE, _DONE, _HELD = \
    range(14)


def _measures(rows: list[tuple[Any, ...]], weeks: float) -> Measures:
    """A group's measures from its visits' figures."""
    def values(i: int) -> list[float]:
        return [r[i] for r in rows if r[i] is not None]

    def count(i: int) -> int:
        return [r[i] for r in rows].count(True)

    decided, ended, rejected, completed = count(_DECIDED), count(_ENDED), count(_REJECTED), count(_DONE)
    breached = count(_BREACHED)
    ages = values(_AGE)
    return Measures(
        visits=len(rows), queue=spread(values(_QUEUE)), work=spread(values(_WORK)), sla_decided=decided,
        sla_breached=breached, breach_rate=breached / decided if decided else None,
        sla_seconds=spread(values(_SLA)).median, ended=ended, rejected=rejected,
        rework_rate=rejected / ended if ended else None, wip=len(ages), wip_age=spread(ages),
        completed=completed, per_week=completed / weeks, held_seconds=sum([r[_HELD] for r in rows]))


_MONDAY = 4 * 86400.0  # 1970-01-01 was a Thursday: Mondays fall 4 days (mod 7) after the epoch


def _week_of(ts: float) -> int:
    """The number of the week (Monday to Sunday, UTC) a time falls in."""
    return int((ts - _MONDAY) // _WEEK)


def _monday(week: int) -> str:
    return datetime.fromtimestamp(week * _WEEK + _MONDAY, timezone.utc).date().isoformat()


def compute(visits: Iterable[StageVisit], now: datetime, since: str | None = None, template: str | None = None,
            top: int = 3) -> BottleneckReport:
    """The report over ``visits`` (already those of the window: open, or closed at or after ``since``)."""
    t_now = now.timestamp()
    t_since = _secs(since) if since else None
    weekly: dict[int, int] = defaultdict(int)
    bands = [0] * len(AGE_BANDS)
    jobs: set[str] = set()
    first_entered = math.inf
    rows = []
    seen: dict[str, float] = {}  # a stage is entered when the one before it ends: times repeat

    def secs(text: str) -> float:
        t = seen.get(text)
        if t is None:
            t = seen[text] = _secs(text)
        return t

    for v in visits:
        jobs.add(v.job)
        entered = secs(v.entered_at)
        if entered < first_entered:
            first_entered = entered
        acted = secs(v.first_action_at) if v.first_action_at else None
        closed = secs(v.closed_at) if v.closed_at else None
        due = secs(v.due) if v.due else None
        outcome = v.outcome
        end = closed if closed is not None else t_now
        decided = due is not None and (closed is not None or t_now > due)
        done = outcome == "completed" and (t_since is None or end >= t_since)
        age = None
        if done:
            weekly[_week_of(end)] += 1
        elif outcome == "open":
            age = t_now - entered
            bands[_band(age)] += 1
        rows.append((
            (v.template, v.node), v.owner, v.owner or "", v.closed_by or v.first_actor or NOBODY,
            acted - entered if acted is not None else None,
            end - acted if outcome == "completed" and acted is not None else None,
            due - entered if due is not None else None,
            decided, decided and (v.breached_at is not None or end > due),  # type: ignore[operator]
            outcome in ("completed", "rejected"), outcome == "rejected", age, done, end - entered))
    n = len(rows)
    start = t_since if t_since is not None else (first_entered if n else t_now)
    weeks = max(1.0, (t_now - start) / _WEEK)
    by: list[dict[Any, list[tuple[Any, ...]]]] = [defaultdict(list), defaultdict(list), defaultdict(list)]
    for r in rows:
        by[0][r[_STAGE]].append(r)
        by[1][r[_ROLE]].append(r)
        by[2][r[_PERSON]].append(r)
    stage_rows = tuple(sorted((Group("stage", node, t, g[0][_OWNER], _measures(g, weeks))
                               for (t, node), g in by[0].items()),
                              key=lambda g: (-g.measures.held_seconds, g.template or "", g.name)))
    role_rows = tuple(sorted((Group("role", r or "(no owner)", None, r or None, _measures(g, weeks))
                              for r, g in by[1].items()), key=lambda g: (-g.measures.held_seconds, g.name)))
    person_rows = tuple(sorted((Group("person", p, None, None, _measures(g, weeks)) for p, g in by[2].items()),
                               key=lambda g: (-g.measures.held_seconds, g.name)))
    return BottleneckReport(
        generated_at=_text(t_now), since=since, template=template, window_start=_text(start) if n else None,
        weeks=weeks, visits=n, jobs=len(jobs),
        bottlenecks=tuple(Bottleneck(g.name, g.template or "", sentence(g))
                          for g in [g for g in stage_rows if g.owner and g.measures.held_seconds > 0][:top]),
        stages=stage_rows, roles=role_rows, people=person_rows, weekly=_weeks(weekly, start, t_now),
        wip_ages=tuple((label, n) for (label, _upper), n in zip(AGE_BANDS, bands)))


def _text(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _weeks(counts: dict[int, int], start: float, end: float) -> tuple[tuple[str, int], ...]:
    return tuple((_monday(w), counts.get(w, 0)) for w in range(_week_of(start), _week_of(end) + 1))


def human_span(seconds: float, short: bool = False) -> str:
    """A span in one unit: ``4.2 days``, ``5.0 hours``, ``12 minutes``, ``40 seconds`` (``short``: ``4.2d``)."""
    for size, unit in ((86400, "d"), (3600, "h")):
        if seconds >= size:
            return f"{seconds / size:.1f}{unit}" if short else f"{seconds / size:.1f} {_UNITS[unit]}"
    if seconds >= 59.5:
        minutes = round(seconds / 60)
        return f"{minutes}m" if short else f"{minutes} minute{'s' if minutes != 1 else ''}"
    # under a minute (a quick step, or a demo): seconds, so that bars of different lengths read differently
    if seconds < 0.5:
        return "<1s" if short else "under a second"
    return f"{round(seconds)}s" if short else f"{round(seconds)} second{'s' if round(seconds) != 1 else ''}"


_UNITS = {"d": "days", "h": "hours"}


def _sla_name(seconds: float) -> str:
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}-{unit}"
    return human_span(seconds)


def sentence(g: Group) -> str:
    """One sentence naming what holds jobs up at a stage."""
    m = g.measures
    if m.queue.median is not None:
        parts = [f"`{g.name}` holds jobs a median {human_span(m.queue.median)} before anyone acts"]
        if m.work.median is not None:
            parts[0] += f", then work takes a median {human_span(m.work.median)}"
    else:
        parts = [f"Nobody has acted on `{g.name}` yet"]
    if m.breach_rate is not None and m.sla_seconds is not None:
        parts.append(f"{round(100 * m.breach_rate)}% breach its {_sla_name(m.sla_seconds)} SLA")
    if m.rejected:
        parts.append(f"{m.rejected} of {m.ended} visits were sent back for rework")
    if m.wip and m.wip_age.max is not None:
        parts.append(f"{m.wip} {'job waits' if m.wip == 1 else 'jobs wait'} there now, the oldest for "
                     f"{human_span(m.wip_age.max)}")
    return "; ".join(parts) + "."
