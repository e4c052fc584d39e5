"""``sopframe coverage``: which controls the templates cover, framework by framework.

Rows are the controls a framework plugin knows (its catalogue), columns the
templates, and each cell the framework's rules citing that control that pass,
warn or fail on that template.  A control no template passes a rule for is a
gap.  Every template is checked against every selected framework, whether or
not it claims it: coverage shows what an auditor would see.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Sequence

import click

from sopframe.commands.common import checked_policy, framework_selection, plugins_for, settings_for
from sopframe.commands.output import check_output, force_option, store_files, write_output

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.diagnostics import Rule
    from sopframe.core.frameworks import CheckContext, Framework
    from sopframe.core.model import Template

__all__ = ["coverage", "Matrix", "build_matrices"]

PASS, WARN, PARTIAL, FAIL = "pass", "warn", "partial", "fail"
_SYMBOL = {PASS: "✓", WARN: "!", PARTIAL: "~", FAIL: "✗"}

#: gap reasons, most important first: a failing check is a defect to fix now; a missing
#: template a procedure to write; an unchecked control one to evidence another way
GAP_FAILS = "its checks fail on every template"
GAP_NO_TEMPLATE = "no template of a kind its rules check"
GAP_NO_RULE = "no rule checks it"
GAP_PARTIAL = "only partly checked"
_GAP_ORDER = (GAP_FAILS, GAP_NO_TEMPLATE, GAP_PARTIAL, GAP_NO_RULE)


@dataclass
class Column:
    id: str
    file: str
    kind: str
    claims: bool


@dataclass
class Matrix:
    """One framework's coverage: control -> template id -> [(rule code, status)]."""

    framework: "Framework"
    columns: list[Column] = field(default_factory=list)
    cells: dict[str, dict[str, list[tuple[str, str]]]] = field(default_factory=dict)
    #: control a procedure can evidence -> why it is a gap, most important first
    gaps: dict[str, str] = field(default_factory=dict)
    #: control -> what the passing rules leave unchecked (shown partial, never passed)
    partial: dict[str, str] = field(default_factory=dict)
    #: files that could not be checked (template errors)
    skipped: list[str] = field(default_factory=list)

    @property
    def evidenceable(self) -> list[str]:
        """The controls a procedure can evidence, in catalogue order."""
        return [c for c in self.framework.controls if self.framework.can_evidence(c)]

    @property
    def covered(self) -> int:
        return len(self.evidenceable) - len(self.gaps)

    def is_gap(self, control: str) -> bool:
        return control in self.gaps


def _status(rule: "Rule", tg: Any, ctx: "CheckContext") -> str:
    from sopframe.core.diagnostics import Severity

    try:
        findings = list(rule.run(tg, ctx))
    except Exception:  # a crashing rule proves nothing
        return FAIL
    if any(f.severity >= Severity.ERROR for f in findings):
        return FAIL
    return WARN if findings else PASS


def build_matrices(frameworks: Sequence["Framework"], rules: Sequence["Rule"],
                   templates: Sequence[tuple["Template | None", str]], policy: dict[str, Any]) -> list[Matrix]:
    """Run each framework's rules on each template and collect the cells."""
    from sopframe.core.frameworks import CheckContext
    from sopframe.core.graph import build_graph

    out = []
    for fw in frameworks:
        m = Matrix(fw)
        own = [r for r in rules if r.plugin == fw.plugin and r.controls]
        cited = {c for r in own for c in r.controls}
        for template, path in templates:
            if template is None:
                m.skipped.append(path)
                continue
            label = template.id if all(c.id != template.id for c in m.columns) else f"{template.id} ({path})"
            col = Column(label, path, template.kind, fw.id in template.frameworks)
            m.columns.append(col)
            tg = build_graph(template)
            ctx = CheckContext.of([fw.id], policy)
            for rule in own:
                if not fw.checks(rule.code, template):
                    continue
                status = _status(rule, tg, ctx)
                for control in rule.controls:
                    note = fw.partial.get(rule.code, {}).get(control)
                    shown = PARTIAL if note and status in (PASS, WARN) else status
                    if note:
                        m.partial[control] = note
                    m.cells.setdefault(control, {}).setdefault(col.id, []).append((rule.code, shown))
        found: dict[str, str] = {}
        for control in m.evidenceable:
            statuses = [s for cell in m.cells.get(control, {}).values() for _, s in cell]
            if PASS in statuses or WARN in statuses:
                continue
            if PARTIAL in statuses:
                found[control] = f"{GAP_PARTIAL}: {m.partial[control]}"
            elif control not in cited:
                found[control] = GAP_NO_RULE
            elif not statuses:
                found[control] = GAP_NO_TEMPLATE
            else:
                found[control] = GAP_FAILS
        order = {reason: i for i, reason in enumerate(_GAP_ORDER)}
        m.gaps = dict(sorted(found.items(), key=lambda kv: order[kv[1].split(":")[0]]))
        out.append(m)
    return out


# ------------------------------------------------------------------ renderers

def _cell_text(cell: list[tuple[str, str]]) -> str:
    return " ".join(f"{_SYMBOL[s]}{code}" for code, s in cell)


def _headline(m: Matrix) -> str:
    outside = len(m.framework.controls) - len(m.evidenceable)
    return (f"{m.covered} of {len(m.evidenceable)} {m.framework.cites} that procedures can evidence are covered by "
            f"{len(m.columns)} templates ({outside} more are met by design or technology, not procedures)")


_LEGEND = ("pass = rule passes, warn = organisation-policy warnings only, partial = the rule passes but does not "
           "check all of the control, fail = errors; gap = a control procedures can evidence that no template "
           "fully passes")


def render_text(matrices: Sequence[Matrix]) -> str:
    lines: list[str] = []
    for m in matrices:
        fw = m.framework
        lines.append(f"{fw.title}: {_headline(m)}")
        for control, title in fw.controls.items():
            cells = m.cells.get(control, {})
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
    return {"version": 2, "frameworks": [{
        "id": m.framework.id, "title": m.framework.title,
        "covered": m.covered, "evidenceable": len(m.evidenceable), "total": len(m.framework.controls),
        "templates": [{"id": c.id, "file": c.file, "kind": c.kind, "claims": c.claims} for c in m.columns],
        "controls": [{"id": control, "title": title, "evidenceable": m.framework.can_evidence(control),
                      "covered": m.framework.can_evidence(control) and control not in m.gaps,
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
               "design or technology, not by procedures.")
    return "\n".join(out)


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;color:#1b1f24}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem}
table{border-collapse:collapse;font-size:.85rem;margin:.5rem 0}
caption{text-align:left;font-weight:600;padding:.3rem 0}
th,td{border:1px solid #d0d7de;padding:.3rem .5rem;vertical-align:top;text-align:left}
th{background:#f6f8fa}td.pass{background:#dafbe1}td.warn{background:#fff8c5}td.partial{background:#ddf4ff}
td.fail{background:#ffebe9}tr.gap th{border-left:4px solid #cf222e}.tag{font-size:.75rem;font-weight:600}
tr.gap .tag{color:#cf222e}tr.na{color:#57606a}.muted{color:#57606a}
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
             "counted. Control titles are short descriptions in our own words, not the standards' text.</p>"]
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
            if m.is_gap(control):
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


def shown_path(path: str, arguments: Sequence[str]) -> str:
    """``path`` as a report shows it: relative to the working directory, else to the argument it was found
    under (never this machine's absolute layout)."""
    import os

    rel = os.path.relpath(path)
    if not rel.startswith(os.pardir + os.sep) and rel != os.pardir:
        return rel
    for arg in arguments:
        base = os.path.abspath(arg)
        full = os.path.abspath(path)
        if full == base:
            return os.path.basename(full)
        if full.startswith(base.rstrip(os.sep) + os.sep):
            return os.path.join(os.path.basename(base.rstrip(os.sep)), os.path.relpath(full, base))
    return os.path.basename(path)


@click.command()
@click.argument("paths", nargs=-1, metavar="[PATH...]")
@click.option("--framework", "frameworks", multiple=True, metavar="IDS",
              help="Frameworks to show (comma-separated, repeatable; default: the `frameworks` configuration "
                   "key, else every framework a plugin provides).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown", "html"]), default="text",
              help="Output format; html is one self-contained file to hand over.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write to this file instead of standard output (an existing file only with --force).")
@force_option
@click.pass_context
def coverage(ctx: click.Context, paths: tuple[str, ...], frameworks: tuple[str, ...], fmt: str,
             output: str | None, force: bool) -> int:
    """Show which framework controls the templates cover, and the gaps.

    PATH (files or directories, recursively) defaults to the current directory.
    Exit codes: 0 the report was written, 2 usage or configuration error.
    """
    from sopframe.core.diagnostics import Severity
    from sopframe.core.validate import collect_paths, validate_file
    from sopframe.errors import UsageError
    from sopframe.settings import CommandLine

    settings_for(ctx)  # a broken configuration is reported before any work
    target = check_output(output, force=force, protected=store_files(ctx, None)) if output else None
    files = collect_paths(paths or (".",))
    plugins = plugins_for(ctx)
    known = plugins.frameworks()
    if not known:
        raise UsageError("no framework plugin is loaded", hint="`sopframe plugins` shows which are blocked or failed")
    chosen = framework_selection(ctx, settings_for(ctx).with_command_line(CommandLine(frameworks=frameworks)))
    selected = [fw for fw in known if chosen is None or fw.id in chosen]
    if not selected:
        raise UsageError(f"no loaded plugin provides {', '.join(chosen or [])}",
                         hint=f"loaded frameworks: {', '.join(fw.id for fw in known)}")
    schema = plugins.schema()
    templates = []
    for path in files:
        result = validate_file(path, plugins=plugins, schema=schema)
        broken = any(f.severity >= Severity.ERROR and f.code.startswith("SOP") for f in result.findings)
        templates.append((None if broken else result.template, shown_path(path, paths or (".",))))
    matrices = build_matrices(selected, plugins.rules(), templates, checked_policy(ctx))
    if fmt == "json":
        text = json.dumps(to_json(matrices), indent=2, ensure_ascii=False)
    elif fmt == "markdown":
        text = render_markdown(matrices)
    elif fmt == "html":
        text = render_html(matrices)
    else:
        text = render_text(matrices)
    if target is not None:
        from sopframe.core.safetext import escape

        write_output(target, text + "\n")
        click.echo(f"coverage written to {escape(str(target))}", err=True)
    else:
        click.echo(text)
    return 0
