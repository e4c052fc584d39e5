"""Report use cases, for the CLI and a server alike: read the read models, compute, return frozen figures."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Container

from sopframe.reports.bottlenecks import BottleneckReport, compute

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.store import Store

__all__ = ["bottleneck_report", "since_text"]


def since_text(text: str | None, name: str = "--since") -> str | None:
    """A ``since`` filter as UTC text comparable with event times: a date or an ISO date-time (``name`` is
    how the adapter calls the option, for the message)."""
    from datetime import date

    from sopframe.errors import UsageError

    if not text:
        return None
    try:
        if "T" not in text:
            return date.fromisoformat(text).isoformat()
        from sopframe.core.engine.clock import to_text

        return to_text(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        raise UsageError(f"{name} {text!r} is not a date (2026-01-31) or date-time (2026-01-31T09:00Z)") from None


def bottleneck_report(store: "Store", now: datetime, *, template: str | None = None, since: str | None = None,
                      top: int = 3, jobs: Container[str] | None = None) -> BottleneckReport:
    """Where jobs wait: per stage, owner role and person (see docs/reports.md), from the ``stage_visits`` rows.

    ``since`` (UTC text, like event times) keeps the visits still open or
    ended at or after it; ``template`` one template id's; ``top`` is how
    many stages the report names as bottlenecks.  ``jobs``, if given, keeps
    only the visits of those (root) job ids: a server passes the jobs its
    caller may read.
    """
    visits = store.stage_visits(template=template, since=since)
    if jobs is not None:
        visits = [v for v in visits if v.job in jobs]
    return compute(visits, now, since=since, template=template, top=top)
