"""The bottleneck report as text, JSON-ready data and CSV (the HTML page is in :mod:`.html`).

Every text that came from people (stage and role ids come from templates,
person names from the record) is escaped for the medium: control and
invisible characters made visible for a terminal and in CSV cells, and a
CSV cell that a spreadsheet would run as a formula (starting with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return) is prefixed with ``'``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict
from typing import Any

from sopframe.core.safetext import escape
from sopframe.reports.bottlenecks import BottleneckReport, Group, Spread, human_span

__all__ = ["to_data", "to_text", "to_csv", "short_span", "plural", "csv_cell", "CSV_COLUMNS"]

CSV_COLUMNS = (
    "scope", "template", "name", "owner", "visits",
    "queue_median_s", "queue_p90_s", "queue_max_s", "work_median_s", "work_p90_s", "work_max_s",
    "sla_s", "sla_decided", "sla_breached", "breach_rate", "ended", "rejected", "rework_rate",
    "wip", "wip_age_median_s", "wip_age_max_s", "completed", "completed_per_week", "held_s",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def to_data(report: BottleneckReport) -> dict[str, Any]:
    """The report as plain data (``--format json``)."""
    return asdict(report)


def short_span(seconds: float | None) -> str:
    """``4.2d``, ``5.0h``, ``12m``; ``-`` for no value."""
    return "-" if seconds is None else human_span(seconds, short=True)


def _trio(s: Spread) -> str:
    return "-" if s.median is None else f"{short_span(s.median)}/{short_span(s.p90)}/{short_span(s.max)}"


def _pct(rate: float | None) -> str:
    return "-" if rate is None else f"{round(100 * rate)}%"


def _table(title: str, groups: tuple[Group, ...], label: str, with_owner: bool) -> list[str]:
    head = [label, *(["owner"] if with_owner else []), "visits", "queue med/p90/max", "work med/p90/max",
            "SLA breach", "rework", "WIP", "oldest", "done/week"]
    rows = [[escape(g.name), *([escape(g.owner or "-")] if with_owner else []), str(g.measures.visits),
             _trio(g.measures.queue), _trio(g.measures.work),
             f"{_pct(g.measures.breach_rate)} of {g.measures.sla_decided}" if g.measures.sla_decided else "-",
             f"{g.measures.rejected} ({_pct(g.measures.rework_rate)})" if g.measures.ended else "-",
             str(g.measures.wip), short_span(g.measures.wip_age.max), f"{g.measures.per_week:.1f}"]
            for g in groups]
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    lines = [title]
    for r in [head, *rows]:
        lines.append("  " + "  ".join(c.ljust(w) if i < (2 if with_owner else 1) else c.rjust(w)
                                      for i, (c, w) in enumerate(zip(r, widths))).rstrip())
    return lines


def plural(n: float, word: str, words: str | None = None) -> str:
    """``1 job``, ``2 jobs``; a measure with a decimal is plural (``1.0 weeks``, ``2.5 weeks``)."""
    one = isinstance(n, int) and n == 1
    count = str(n) if isinstance(n, int) else f"{n:.1f}"
    return f"{count} {word if one else words or word + 's'}"


def to_text(report: BottleneckReport) -> str:
    """The report for a terminal: the bottlenecks in sentences, then a table per stage, role and person."""
    scope = f"template {escape(report.template)}" if report.template else "every template"
    since = f" since {escape(report.since)}" if report.since else ""
    if not report.visits:
        return f"Bottleneck report ({scope}{since}): no stage visits to report.\n"
    lines = [f"Bottleneck report ({scope}{since}): {plural(report.visits, 'stage visit')} of "
             f"{plural(report.jobs, 'job')} over {plural(float(report.weeks), 'week')}, to {report.generated_at}", ""]
    if report.bottlenecks:
        lines.append("Top bottlenecks (by the job-time each stage held):")
        lines += [f"  {i}. {escape(b.sentence)}" for i, b in enumerate(report.bottlenecks, 1)]
        lines.append("")
    lines += _table("Per stage (queue: entered -> first action; work: first action -> completed):",
                    report.stages, "stage", True)
    lines.append("")
    lines += _table("Per owner role:", report.roles, "role", False)
    lines.append("")
    lines += _table("Per person (who completed or sent back the visit, else who first acted):", report.people,
                    "person", False)
    lines.append("")
    lines.append("Completed stage visits per week (week from Monday): " +
                 ", ".join(f"{week} {n}" for week, n in report.weekly))
    return "\n".join(lines) + "\n"


def csv_cell(value: Any) -> Any:
    """A value safe for a spreadsheet: text escaped, and never read as a formula."""
    if value is None:
        return ""
    if isinstance(value, float):
        return round(value, 3)
    if not isinstance(value, str):
        return value
    text = escape(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def to_csv(report: BottleneckReport) -> str:
    """One row per stage, owner role and person (``scope`` says which); durations in seconds."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for g in (*report.stages, *report.roles, *report.people):
        m = g.measures
        w.writerow([csv_cell(x) for x in (
            g.scope, g.template, g.name, g.owner, m.visits,
            m.queue.median, m.queue.p90, m.queue.max, m.work.median, m.work.p90, m.work.max,
            m.sla_seconds, m.sla_decided, m.sla_breached, m.breach_rate, m.ended, m.rejected, m.rework_rate,
            m.wip, m.wip_age.median, m.wip_age.max, m.completed, m.per_week, m.held_seconds)])
    return out.getvalue()
