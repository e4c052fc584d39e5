"""The renderers of ``sopframe coverage``: text, JSON, Markdown and one self-contained HTML page."""

from __future__ import annotations

import html
from typing import Any, Sequence

from sopframe.commands.coverage import FAIL, GROUPING_NOTE, PARTIAL, PASS, WARN, Matrix, _SYMBOL

__all__ = ["render_text", "to_json", "render_markdown", "render_html"]


def _cell_text(cell: list[tuple[str, str]]) -> str:
    return " ".join(f"{_SYMBOL[s]}{code}" for code, s in cell)


def _headline(m: Matrix) -> str:
    outside = len(m.framework.controls) - len(m.evidenceable) - len(m.groups)
    groups = f"; {len(m.groups)} groupings are shown through the {m.framework.cites} listed under them" \
        if m.groups else ""
    return (f"{m.covered} of {len(m.evidenceable)} {m.framework.cites} that procedures can evidence are covered by "
            f"{len(m.columns)} templates ({outside} more are met by design or technology, not procedures{groups})")


_LEGEND = ("pass = rule passes, warn = organisation-policy warnings only, partial = the rule passes but does not "
           "check all of the control, fail = errors; gap = a control procedures can evidence that no template "
           f"fully passes; grouping = {GROUPING_NOTE}, and is not counted")


def render_text(matrices: Sequence[Matrix]) -> str:
    lines: list[str] = []
    for m in matrices:
        fw = m.framework
        lines.append(f"{fw.title}: {_headline(m)}")
        for control, title in fw.controls.items():
            cells = m.cells.get(control, {})
            if m.group_of(control) is not None:
                lines.append(f"  {control:<8} {title}  (grouping of {', '.join(m.groups[control])})")
                lines.append(f"           through its listed requirements: {m.grouping_text(control)}")
                continue
            mark = "" if fw.can_evidence(control) else "  (not evidenced by procedures)"
            lines.append(f"  {control:<8} {title}{mark}")
            for status in (PASS, WARN, PARTIAL, FAIL):
                hits = [f"{code} {tid}" for tid, cell in cells.items() for code, s in cell if s == status]
                if hits:
                    lines.append(f"           {status}: {', '.join(hits)}")
        if m.gaps:
            lines.append(f"  gaps, most important first ({len(m.gaps)}):")
            lines += [f"    {c:<8} {fw.controls[c]}: {why}" for c, why in m.gaps.items()]
        unclaimed = [c.id for c in m.columns if not c.claims]
        if unclaimed:
            lines.append(f"  templates that do not claim {fw.id}: {', '.join(unclaimed)}")
        for path in m.skipped:
            lines.append(f"  not checked (template errors): {path}")
        lines.append("")
    lines.append("legend: " + _LEGEND)
    return "\n".join(lines)


def to_json(matrices: Sequence[Matrix]) -> dict[str, Any]:
    return {"version": 3, "frameworks": [{
        "id": m.framework.id, "title": m.framework.title,
        "covered": m.covered, "evidenceable": len(m.evidenceable), "total": len(m.framework.controls),
        "templates": [{"id": c.id, "file": c.file, "kind": c.kind, "claims": c.claims} for c in m.columns],
        "controls": [{"id": control, "title": title, "evidenceable": m.framework.can_evidence(control),
                      "covered": m.framework.can_evidence(control) and (
                          all(c not in m.gaps for c in m.groups[control]) if control in m.groups
                          else control not in m.gaps),
                      "grouping": m.groups.get(control),
                      "partial": m.partial.get(control),
                      "cells": {tid: [{"rule": code, "status": s} for code, s in cell]
                                for tid, cell in m.cells.get(control, {}).items()}}
                     for control, title in m.framework.controls.items()],
        "gaps": [{"id": c, "title": m.framework.controls[c], "reason": why} for c, why in m.gaps.items()],
        "skipped": m.skipped,
    } for m in matrices]}


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def render_markdown(matrices: Sequence[Matrix]) -> str:
    out: list[str] = ["# Control coverage", ""]
    for m in matrices:
        fw = m.framework
        out += [f"## {_md(fw.title)}", "", _headline(m) + ".", ""]
        out.append("| control | title | " + " | ".join(_md(c.id) + ("" if c.claims else " \\*") for c in m.columns)
                   + " |")
        out.append("|---|---|" + "---|" * len(m.columns))
        for control, title in fw.controls.items():
            cells = m.cells.get(control, {})
            row = [_cell_text(cells.get(c.id, [])) for c in m.columns]
            if m.group_of(control) is not None:
                title = f"{title} (grouping: {m.grouping_text(control)})"
            mark = " **gap**" if m.is_gap(control) else "" if fw.can_evidence(control) else " (n/a)"
            out.append(f"| {_md(control)}{mark} | {_md(title)} | " + " | ".join(row) + " |")
        if any(not c.claims for c in m.columns):
            out += ["", f"\\* the template does not claim {_md(fw.id)}."]
        if m.gaps:
            out += ["", "Gaps, most important first:", ""]
            out += [f"- {_md(c)} {_md(fw.controls[c])}: {_md(why)}" for c, why in m.gaps.items()]
        out.append("")
    out.append("✓ passes, ! organisation-policy warnings only, ~ partial (not all of the control is checked), "
               "✗ fails; **gap**: a control procedures can evidence that no template fully passes; (n/a): met by "
               f"design or technology, not by procedures; grouping: {GROUPING_NOTE}, and is not counted.")
    return "\n".join(out)


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;color:#1b1f24}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem}
table{border-collapse:collapse;font-size:.85rem;margin:.5rem 0}
caption{text-align:left;font-weight:600;padding:.3rem 0}
th,td{border:1px solid #d0d7de;padding:.3rem .5rem;vertical-align:top;text-align:left}
th{background:#f6f8fa}td.pass{background:#dafbe1}td.warn{background:#fff8c5}td.partial{background:#ddf4ff}
td.fail{background:#ffebe9}tr.gap th{border-left:4px solid #cf222e}.tag{font-size:.75rem;font-weight:600}
tr.gap .tag{color:#cf222e}tr.na{color:#57606a}tr.grouping{color:#57606a;font-style:italic}.muted{color:#57606a}
@media print{body{margin:0}}
"""


def _cell_class(cell: list[tuple[str, str]]) -> str:
    statuses = {s for _, s in cell}
    for status in (FAIL, PARTIAL, WARN, PASS):
        if status in statuses:
            return status
    return ""


def render_html(matrices: Sequence[Matrix], title: str = "Control coverage") -> str:
    from datetime import date

    from sopframe import __version__

    e = html.escape
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             f"<title>{e(title)}</title><style>{_CSS}</style></head><body>", f"<h1>{e(title)}</h1>",
             f'<p class="muted">Generated by sopframe {e(__version__)} on {date.today().isoformat()}.</p>',
             "<p><b>Legend.</b> Rows are controls, columns templates. ✓ the rule passes; ! organisation-policy "
             "warnings only; ~ partial: the rule passes but does not check all of the control; ✗ the rule fails. "
             "A row marked <b>GAP</b> (with a red bar) is a control a procedure can evidence that no template fully "
             "passes; a row marked <b>n/a</b> is met by design or technology, not by procedures, and is not "
             f"counted; a row marked <b>grouping</b> is {e(GROUPING_NOTE)}, and is not counted either. "
             "Control titles are short descriptions in our own words, not the standards' text.</p>"]
    if matrices:
        parts.append("<h2>Templates</h2><table><caption>Templates checked</caption><thead><tr>"
                     '<th scope="col">template</th><th scope="col">kind</th><th scope="col">file</th></tr>'
                     "</thead><tbody>")
        parts += [f'<tr><th scope="row">{e(c.id)}</th><td>{e(c.kind)}</td><td>{e(c.file)}</td></tr>'
                  for c in matrices[0].columns]
        parts.append("</tbody></table>")
    for m in matrices:
        fw = m.framework
        parts.append(f"<h2>{e(fw.title)}</h2><p>{e(_headline(m))}.</p>")
        parts.append(f"<table><caption>{e(fw.title)}: {e(fw.cites)} by template</caption><thead><tr>"
                     '<th scope="col">control</th><th scope="col">title</th><th scope="col">status</th>')
        parts += [f'<th scope="col" title="{e(c.file)}">{e(c.id)}{"" if c.claims else " *"}</th>'
                  for c in m.columns]
        parts.append("</tr></thead><tbody>")
        for control, ctitle in fw.controls.items():
            cells = m.cells.get(control, {})
            if m.group_of(control) is not None:
                cls, tag = ' class="grouping"', "grouping"
                ctitle = f"{ctitle} (through its listed requirements: {m.grouping_text(control)})"
            elif m.is_gap(control):
                cls, tag = ' class="gap"', "GAP"
            elif not fw.can_evidence(control):
                cls, tag = ' class="na"', "n/a"
            else:
                cls, tag = "", "covered"
            parts.append(f'<tr{cls}><th scope="row">{e(control)}</th><td>{e(ctitle)}</td>'
                         f'<td><span class="tag">{tag}</span></td>')
            for c in m.columns:
                cell = cells.get(c.id, [])
                parts.append(f'<td class="{_cell_class(cell)}">{e(_cell_text(cell))}</td>')
            parts.append("</tr>")
        parts.append("</tbody></table>")
        if any(not c.claims for c in m.columns):
            parts.append(f'<p class="muted">* the template does not claim {e(fw.id)}.</p>')
        if m.gaps:
            parts.append("<h3>Gaps, most important first</h3><ol>")
            parts += [f"<li><b>{e(c)}</b> {e(fw.controls[c])}: {e(why)}</li>" for c, why in m.gaps.items()]
            parts.append("</ol>")
        if m.skipped:
            parts.append("<p>Not checked (template errors): " + e(", ".join(m.skipped)) + "</p>")
    parts.append("</body></html>")
    return "\n".join(parts)
