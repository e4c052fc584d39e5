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

from sopframe.commands.common import checked_policy, config_for, framework_selection, plugins_for

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.diagnostics import Rule
    from sopframe.core.frameworks import Framework
    from sopframe.core.model import Template

__all__ = ["coverage", "Matrix", "build_matrices"]

PASS, WARN, FAIL = "pass", "warn", "fail"
_SYMBOL = {PASS: "✓", WARN: "!", FAIL: "✗"}


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
    #: control -> why it is a gap
    gaps: dict[str, str] = field(default_factory=dict)
    #: files that could not be checked (template errors)
    skipped: list[str] = field(default_factory=list)

    @property
    def covered(self) -> int:
        return len(self.framework.controls) - len(self.gaps)


def _status(rule: "Rule", tg: Any) -> str:
    from sopframe.core.diagnostics import Severity

    try:
        findings = list(rule.check(tg)) if rule.check else []
    except Exception:  # a crashing rule proves nothing
        return FAIL
    if any(f.severity >= Severity.ERROR for f in findings):
        return FAIL
    return WARN if findings else PASS


def build_matrices(frameworks: Sequence["Framework"], rules: Sequence["Rule"],
                   templates: Sequence[tuple["Template | None", str]], policy: dict[str, Any]) -> list[Matrix]:
    """Run each framework's rules on each template and collect the cells."""
    from sopframe.core.frameworks import check_settings
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
            with check_settings([fw.id], policy):
                for rule in own:
                    if not fw.checks(rule.code, template):
                        continue
                    status = _status(rule, tg)
                    for control in rule.controls:
                        m.cells.setdefault(control, {}).setdefault(col.id, []).append((rule.code, status))
        for control in fw.controls:
            statuses = [s for cell in m.cells.get(control, {}).values() for _, s in cell]
            if PASS in statuses or WARN in statuses:
                continue
            if control not in cited:
                m.gaps[control] = "no rule checks it"
            elif not statuses:
                m.gaps[control] = "no template of a kind its rules check"
            else:
                m.gaps[control] = "its checks fail on every template"
        out.append(m)
    return out


# ------------------------------------------------------------------ renderers

def _cell_text(cell: list[tuple[str, str]]) -> str:
    return " ".join(f"{_SYMBOL[s]}{code}" for code, s in cell)


def render_text(matrices: Sequence[Matrix]) -> str:
    lines: list[str] = []
    for m in matrices:
        fw = m.framework
        lines.append(f"{fw.title}: {m.covered} of {len(fw.controls)} controls covered by {len(m.columns)} templates")
        for control, title in fw.controls.items():
            cells = m.cells.get(control, {})
            lines.append(f"  {control:<8} {title}")
            for status, word in ((PASS, "pass"), (WARN, "warn"), (FAIL, "fail")):
                hits = [f"{code} {tid}" for tid, cell in cells.items() for code, s in cell if s == status]
                if hits:
                    lines.append(f"           {word}: {', '.join(hits)}")
            if control in m.gaps:
                lines.append(f"           gap: {m.gaps[control]}")
        unclaimed = [c.id for c in m.columns if not c.claims]
        if unclaimed:
            lines.append(f"  templates that do not claim {fw.id}: {', '.join(unclaimed)}")
        for path in m.skipped:
            lines.append(f"  not checked (template errors): {path}")
        lines.append("")
    lines.append("legend: pass = rule passes, warn = organisation-policy warnings only, fail = errors")
    return "\n".join(lines)


def to_json(matrices: Sequence[Matrix]) -> dict[str, Any]:
    return {"version": 1, "frameworks": [{
        "id": m.framework.id, "title": m.framework.title,
        "covered": m.covered, "total": len(m.framework.controls),
        "templates": [{"id": c.id, "file": c.file, "kind": c.kind, "claims": c.claims} for c in m.columns],
        "controls": [{"id": control, "title": title, "covered": control not in m.gaps,
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
        out += [f"## {_md(fw.title)}", "",
                f"{m.covered} of {len(fw.controls)} controls covered by {len(m.columns)} templates.", ""]
        out.append("| control | title | " + " | ".join(_md(c.id) + ("" if c.claims else " \\*") for c in m.columns)
                   + " |")
        out.append("|---|---|" + "---|" * len(m.columns))
        for control, title in fw.controls.items():
            cells = m.cells.get(control, {})
            row = [_cell_text(cells.get(c.id, [])) for c in m.columns]
            gap = " **gap**" if control in m.gaps else ""
            out.append(f"| {_md(control)}{gap} | {_md(title)} | " + " | ".join(row) + " |")
        if any(not c.claims for c in m.columns):
            out += ["", f"\\* the template does not claim {_md(fw.id)}."]
        if m.gaps:
            out += ["", "Gaps:", ""]
            out += [f"- {_md(c)} {_md(fw.controls[c])}: {why}" for c, why in m.gaps.items()]
        out.append("")
    out.append("✓ passes, ! organisation-policy warnings only, ✗ fails.")
    return "\n".join(out)


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;color:#1b1f24}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem}
table{border-collapse:collapse;font-size:.85rem;margin:.5rem 0}
th,td{border:1px solid #d0d7de;padding:.3rem .5rem;vertical-align:top;text-align:left}
th{background:#f6f8fa}td.pass{background:#dafbe1}td.warn{background:#fff8c5}td.fail{background:#ffebe9}
tr.gap td:first-child{font-weight:bold;color:#cf222e}.muted{color:#57606a}
@media print{body{margin:0}}
"""


def render_html(matrices: Sequence[Matrix], title: str = "Control coverage") -> str:
    from datetime import date

    from sopframe import __version__

    e = html.escape
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             f"<title>{e(title)}</title><style>{_CSS}</style></head><body>", f"<h1>{e(title)}</h1>",
             f'<p class="muted">Generated by sopframe {e(__version__)} on {date.today().isoformat()}.</p>',
             '<p class="muted">Rows are controls, columns templates. ✓ the rule passes, ! organisation-policy '
             "warnings only, ✗ the rule fails. Control titles are short descriptions, not the standards' text.</p>"]
    if matrices:
        parts.append("<h2>Templates</h2><table><thead><tr><th>template</th><th>kind</th><th>file</th></tr>"
                     "</thead><tbody>")
        parts += [f"<tr><td>{e(c.id)}</td><td>{e(c.kind)}</td><td>{e(c.file)}</td></tr>" for c in matrices[0].columns]
        parts.append("</tbody></table>")
    for m in matrices:
        fw = m.framework
        parts.append(f"<h2>{e(fw.title)}</h2><p>{m.covered} of {len(fw.controls)} controls covered by "
                     f"{len(m.columns)} templates.</p>")
        parts.append("<table><thead><tr><th>control</th><th>title</th>")
        parts += [f'<th title="{e(c.file)}">{e(c.id)}{"" if c.claims else " *"}</th>' for c in m.columns]
        parts.append("</tr></thead><tbody>")
        for control, ctitle in fw.controls.items():
            cells = m.cells.get(control, {})
            cls = ' class="gap"' if control in m.gaps else ""
            parts.append(f"<tr{cls}><td>{e(control)}</td><td>{e(ctitle)}</td>")
            for c in m.columns:
                cell = cells.get(c.id, [])
                statuses = {s for _, s in cell}
                klass = FAIL if FAIL in statuses else WARN if WARN in statuses else PASS if cell else ""
                parts.append(f'<td class="{klass}">{e(_cell_text(cell))}</td>')
            parts.append("</tr>")
        parts.append("</tbody></table>")
        if any(not c.claims for c in m.columns):
            parts.append(f'<p class="muted">* the template does not claim {e(fw.id)}.</p>')
        if m.gaps:
            parts.append("<h3>Gaps</h3><ul>")
            parts += [f"<li><b>{e(c)}</b> {e(fw.controls[c])}: {e(why)}</li>" for c, why in m.gaps.items()]
            parts.append("</ul>")
        if m.skipped:
            parts.append("<p>Not checked (template errors): " + e(", ".join(m.skipped)) + "</p>")
    parts.append("</body></html>")
    return "\n".join(parts)


@click.command()
@click.argument("paths", nargs=-1, metavar="[PATH...]")
@click.option("--framework", "frameworks", multiple=True, metavar="IDS",
              help="Frameworks to show (comma-separated, repeatable; default: the `frameworks` configuration "
                   "key, else every framework a plugin provides).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown", "html"]), default="text",
              help="Output format; html is one self-contained file to hand over.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write to this file instead of standard output.")
@click.pass_context
def coverage(ctx: click.Context, paths: tuple[str, ...], frameworks: tuple[str, ...], fmt: str,
             output: str | None) -> int:
    """Show which framework controls the templates cover, and the gaps.

    PATH (files or directories, recursively) defaults to the current directory.
    Exit codes: 0 the report was written, 2 usage or configuration error.
    """
    from sopframe.core.diagnostics import Severity
    from sopframe.core.validate import collect_paths, validate_file
    from sopframe.errors import UsageError

    config_for(ctx)  # a broken configuration is reported before any work
    files = collect_paths(paths or (".",))
    plugins = plugins_for(ctx)
    known = plugins.frameworks()
    if not known:
        raise UsageError("no framework plugin is loaded", hint="`sopframe plugins` shows which are blocked or failed")
    chosen = framework_selection(ctx, frameworks)
    selected = [fw for fw in known if chosen is None or fw.id in chosen]
    if not selected:
        raise UsageError(f"no loaded plugin provides {', '.join(chosen or [])}",
                         hint=f"loaded frameworks: {', '.join(fw.id for fw in known)}")
    schema = plugins.schema()
    templates = []
    for path in files:
        result = validate_file(path, plugins=plugins, schema=schema)
        broken = any(f.severity >= Severity.ERROR and f.code.startswith("SOP") for f in result.findings)
        templates.append((None if broken else result.template, path))
    matrices = build_matrices(selected, plugins.rules(), templates, checked_policy(ctx))
    if fmt == "json":
        text = json.dumps(to_json(matrices), indent=2, ensure_ascii=False)
    elif fmt == "markdown":
        text = render_markdown(matrices)
    elif fmt == "html":
        text = render_html(matrices)
    else:
        text = render_text(matrices)
    if output:
        try:
            with open(output, "w", encoding="utf-8") as fh:
                fh.write(text + "\n")
        except OSError as exc:
            raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from None
        click.echo(f"coverage written to {output}", err=True)
    else:
        click.echo(text)
    return 0
