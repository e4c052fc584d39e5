"""Job ids from a template's ``job_id`` pattern.

Placeholders: ``{template}`` (the template id), ``{year}``, ``{month}``,
``{day}`` (of the start time, UTC, zero-padded) and ``{seq}`` with an
optional width (``{seq:02}`` -> ``01``): the lowest number not yet used by a
job whose id matches the rest of the pattern.  Sub-jobs add their suffix:
``ITSOP-2026-01-A``.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.store import Store

__all__ = ["job_id_regex", "format_job_id", "next_job_id", "subjob_id", "counter_key", "take_job_id"]

_PLACEHOLDER = re.compile(r"\{(template|year|month|day|seq)(?::0?(\d+))?\}")


def _values(template_id: str, when: datetime) -> dict[str, str]:
    return {"template": template_id, "year": f"{when.year:04d}", "month": f"{when.month:02d}",
            "day": f"{when.day:02d}"}


def job_id_regex(pattern: str, template_id: str, when: datetime) -> re.Pattern[str]:
    """A regex matching ids the pattern makes at ``when``; group ``seq`` is the number."""
    values = _values(template_id, when)
    out, pos = [], 0
    for m in _PLACEHOLDER.finditer(pattern):
        out.append(re.escape(pattern[pos:m.start()]))
        out.append(r"(?P<seq>[0-9]+)" if m.group(1) == "seq" else re.escape(values[m.group(1)]))
        pos = m.end()
    out.append(re.escape(pattern[pos:]))
    return re.compile("^" + "".join(out) + "$")


def format_job_id(pattern: str, template_id: str, when: datetime, seq: int) -> str:
    values = _values(template_id, when)

    def sub(m: re.Match[str]) -> str:
        if m.group(1) == "seq":
            return f"{seq:0{int(m.group(2) or 1)}d}"
        return values[m.group(1)]

    return _PLACEHOLDER.sub(sub, pattern)


def next_job_id(pattern: str, template_id: str, when: datetime, existing: Iterable[str]) -> str:
    """The id after the highest one already used for this pattern (and date)."""
    rx = job_id_regex(pattern, template_id, when)
    used = [int(m.group("seq")) for m in map(rx.match, existing) if m and m.groupdict().get("seq")]
    if "{seq" not in pattern:
        return format_job_id(pattern, template_id, when, 1)
    return format_job_id(pattern, template_id, when, max(used, default=0) + 1)


def subjob_id(parent: str, suffix: str) -> str:
    return f"{parent}-{suffix}"


def counter_key(pattern: str, template_id: str, when: datetime) -> str:
    """The key of the id counter a pattern uses at ``when``: the pattern with all but ``{seq}`` filled in.

    ``ITSOP-{year}-{seq:02}`` in 2026 -> ``ITSOP-2026-{seq}``: one counter per pattern and period.
    """
    values = _values(template_id, when)
    return _PLACEHOLDER.sub(lambda m: "{seq}" if m.group(1) == "seq" else values[m.group(1)], pattern)


def take_job_id(store: "Store", pattern: str, template_id: str, when: datetime,
                floor: int = 0) -> tuple[str, tuple[str, int] | None]:
    """The next job id and the counter ``(key, number)`` the start's append takes with it.

    O(1): reads the pattern's counter.  A counter not yet kept (a store made
    before counters, or a new period) starts from the highest number among
    ids with the pattern's fixed prefix, read once.  ``floor`` is the number
    a conflicting earlier attempt tried: the next try goes past it.
    """
    if "{seq" not in pattern:
        return format_job_id(pattern, template_id, when, 1), None
    key = counter_key(pattern, template_id, when)
    last = store.last_number(key)
    if last is None:
        prefix = key.split("{seq}", 1)[0]
        rx = job_id_regex(pattern, template_id, when)
        last = max((int(m.group("seq")) for m in map(rx.match, store.job_ids(prefix)) if m), default=0)
    number = max(last, floor) + 1
    return format_job_id(pattern, template_id, when, number), (key, number)
