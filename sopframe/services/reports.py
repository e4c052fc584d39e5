"""Report use cases, for the CLI and a server alike: read the read models, compute, return frozen figures."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sopframe.reports.bottlenecks import BottleneckReport, compute

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.store import Store

__all__ = ["bottleneck_report"]


def bottleneck_report(store: "Store", now: datetime, *, template: str | None = None, since: str | None = None,
                      top: int = 3) -> BottleneckReport:
    """Where jobs wait: per stage, owner role and person (see docs/reports.md), from the ``stage_visits`` rows.

    ``since`` (UTC text, like event times) keeps the visits still open or
    ended at or after it; ``template`` one template id's; ``top`` is how
    many stages the report names as bottlenecks.
    """
    return compute(store.stage_visits(template=template, since=since), now, since=since, template=template,
                   top=top)
