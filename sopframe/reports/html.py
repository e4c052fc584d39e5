"""The bottleneck report as one self-contained HTML page: inline SVG charts and accessible tables.

The page loads nothing: no scripts, fonts, images or style sheets from
anywhere (its style is inline).  Charts are drawn here as plain geometry (a
bar's length proportional to its value) and written by an autoescaped
Jinja2 template (``templates/bottlenecks.html.j2``, package data), so no
text from a template or the record can become markup.  Every chart is an
``<svg role="img">`` with a ``<title>`` and ``<desc>``, and the figures it
draws are in the tables too (``<caption>``, ``<th scope>``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from sopframe.reports.bottlenecks import BottleneckReport
from sopframe.reports.render import plural, short_span

__all__ = ["render_html", "Bar", "stage_bars", "column_bars", "ticked"]

#: drawing sizes (SVG user units = CSS pixels)
LABEL_W, PLOT_W, ROW_H, BAR_H = 320.0, 440.0, 24.0, 16.0
COL_PLOT_H, COL_TOP, COL_LEFT = 180.0, 10.0, 40.0


@dataclass(frozen=True)
class Bar:
    """One drawn bar: its rectangle, what it shows and its value (seconds or a count)."""

    x: float
    y: float
    w: float
    h: float
    label: str
    kind: str
    value: float
    text: str


def _scale(values: list[float], length: float) -> float:
    top = max(values, default=0.0)
    return length / top if top > 0 else 0.0


def stage_bars(report: BottleneckReport) -> tuple[list[Bar], float]:
    """Horizontal bars per stage: median queue time, then median work time after it; and the chart's height."""
    rows = [g for g in report.stages if g.measures.queue.median is not None or g.measures.work.median is not None]
    totals = [(g.measures.queue.median or 0.0) + (g.measures.work.median or 0.0) for g in rows]
    k = _scale(totals, PLOT_W)
    bars = []
    for i, g in enumerate(rows):
        q, w = g.measures.queue.median or 0.0, g.measures.work.median or 0.0
        y = i * ROW_H + (ROW_H - BAR_H) / 2
        bars.append(Bar(LABEL_W, y, q * k, BAR_H, g.name, "queue", q, short_span(q)))
        bars.append(Bar(LABEL_W + q * k, y, w * k, BAR_H, g.name, "work", w, short_span(w)))
    return bars, max(1, len(rows)) * ROW_H


def column_bars(points: tuple[tuple[str, int], ...], kind: str, width: float = PLOT_W + LABEL_W) -> list[Bar]:
    """Vertical bars, one per (label, count), heights proportional to the counts."""
    if not points:
        return []
    k = _scale([float(n) for _, n in points], COL_PLOT_H)
    slot = (width - COL_LEFT) / len(points)
    bars = []
    for i, (label, n) in enumerate(points):
        h = n * k
        bars.append(Bar(COL_LEFT + i * slot + slot * 0.1, COL_TOP + COL_PLOT_H - h, slot * 0.8, h, label, kind,
                        float(n), str(n)))
    return bars


def ticked(text: str) -> Any:
    """A sentence whose `names` are set in backticks (as the text report writes them) with each name as
    ``<code>``; every part escaped, so a name is never markup."""
    from markupsafe import Markup, escape

    parts = text.split("`")
    if len(parts) % 2 == 0:  # an unpaired backtick: the text as it is
        return escape(text)
    return Markup("").join(escape(p) if i % 2 == 0 else Markup("<code>%s</code>") % p for i, p in enumerate(parts))


@functools.lru_cache(maxsize=1)
def _env() -> Any:
    try:
        import jinja2
    except ImportError:  # pragma: no cover - exercised only without the extra
        from sopframe.errors import UsageError

        raise UsageError("the HTML report needs Jinja2", hint="pip install 'sopframe[reports]'") from None
    env = jinja2.Environment(loader=jinja2.PackageLoader("sopframe.reports", "templates"), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    env.filters["span"] = short_span
    env.filters["ticks"] = ticked
    env.filters["plural"] = plural
    env.filters["pct"] = lambda r: "-" if r is None else f"{round(100 * r)}%"
    return env


def render_html(report: BottleneckReport) -> str:
    """The whole page."""
    bars, height = stage_bars(report)
    return _env().get_template("bottlenecks.html.j2").render(
        r=report, stage_bars=bars, stage_height=height, label_w=LABEL_W, plot_w=PLOT_W, row_h=ROW_H,
        wip_bars=column_bars(report.wip_ages, "wip"), week_bars=column_bars(report.weekly, "week"),
        col_top=COL_TOP, col_plot_h=COL_PLOT_H, col_left=COL_LEFT)
